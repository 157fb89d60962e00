// The one interface every Node.js pool under test is driven through.

export type Context = "thread" | "process";

/** A started pool of one library, with the task functions of the benchmark available in it. */
export interface PoolHandle {
  /** One tiny task: n => n * n. */
  square(n: number): Promise<number>;
  /** The library's map, or its natural equivalent (chunks of Python's default size). */
  map(items: number[]): Promise<number[]>;
  /** One CPU-bound task (a fixed loop of `iters` iterations). */
  spin(iters: number): Promise<number>;
  /** A round trip of a Float64Array by structured clone (copied both ways). */
  echoCopy?(data: Float64Array): Promise<Float64Array>;
  /** A round trip of a Float64Array with its buffer transferred both ways. */
  echoTransfer?(data: Float64Array): Promise<Float64Array>;
  /** The library's imap over a lazy iterable, or its natural equivalent. */
  imap(items: Iterable<number>, chunksize: number): AsyncIterable<number>;
  close(): Promise<void>;
}

export interface Peer {
  /** Row label, e.g. "piscina (thread)". */
  label: string;
  library: string;
  context: Context;
  /** Loads the library; throws (with a short message) when it is unavailable. */
  load(): Promise<void>;
  /** Starts a pool of `workers` workers (not necessarily waiting for them to be up). `env`:
   * the environment of child-process workers (default: the parent's). */
  open(workers: number, env?: NodeJS.ProcessEnv): Promise<PoolHandle>;
}
