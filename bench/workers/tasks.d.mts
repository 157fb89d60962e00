// Types of bench/workers/tasks.mjs, for the parent's serial baseline.
export declare function square(n: number): number;
export declare function squareChunk(chunk: number[]): number[];
export declare function spin(iters: number): number;
export declare function echo<T>(data: T): T;
