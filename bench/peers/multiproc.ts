// multiproc itself, on both contexts, with inline task functions (shipped by source) as a user
// would write them. The module is imported by a computed specifier so that the benchmark
// type-checks and runs (printing n/a) even while dist/ is not built.
import type { Context, Peer, PoolHandle } from "./types.ts";

interface MpPool {
  applyAsync(fn: (...args: never[]) => unknown, args: unknown[], options?: { transfer?: ArrayBuffer[]; transferResult?: boolean }): Promise<unknown>;
  map(fn: (x: never) => unknown, items: unknown[], options?: { chunksize?: number }): Promise<unknown[]>;
  imap(fn: (x: never) => unknown, items: Iterable<unknown>, options?: { chunksize?: number }): AsyncIterable<unknown>;
  terminate(): Promise<void>;
}
interface MpModule {
  Pool: new (options: { processes: number; context: Context; env?: NodeJS.ProcessEnv }) => MpPool;
}

let loaded: Promise<MpModule> | undefined;

function loadMultiproc(): Promise<MpModule> {
  const specifier = "multiproc";
  loaded ??= import(specifier) as Promise<MpModule>;
  return loaded;
}

export function multiprocPeer(context: Context): Peer {
  let mp: MpModule | undefined;
  return {
    label: `multiproc (${context})`,
    library: "multiproc",
    context,
    async load() {
      try {
        mp = await loadMultiproc();
      } catch (error) {
        loaded = undefined;
        const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new Error(`cannot import multiproc (run npm run build): ${message}`);
      }
      if (typeof mp.Pool !== "function") throw new Error("multiproc has no Pool export yet");
    },
    async open(workers, env) {
      if (mp === undefined) throw new Error("not loaded");
      const pool = new mp.Pool({ processes: workers, context, ...(env ? { env } : {}) });
      const handle: PoolHandle = {
        square: (n) => pool.applyAsync((x: number) => x * x, [n]) as Promise<number>,
        map: (items) => pool.map((x: number) => x * x, items) as Promise<number[]>,
        spin: (iters) =>
          pool.applyAsync(
            (count: number) => {
              let x = 0;
              for (let i = 0; i < count; i++) x = (x * 31 + i) % 1000003;
              return x;
            },
            [iters],
          ) as Promise<number>,
        echoCopy: (data) => pool.applyAsync((d: Float64Array) => d, [data]) as Promise<Float64Array>,
        imap: (items, chunksize) =>
          pool.imap((x: number) => x * x, items, { chunksize }) as AsyncIterable<number>,
        close: () => pool.terminate(),
      };
      if (context === "thread") {
        handle.echoTransfer = async (data) => {
          const result = (await pool.applyAsync((d: Float64Array) => d, [data], {
            transfer: [data.buffer as ArrayBuffer],
            transferResult: true,
          })) as Float64Array;
          // multiproc sends after the submitting tick, so the buffer is detached by now if it moved.
          if (data.buffer.byteLength !== 0) throw new Error("transfer option not supported yet (buffer was not detached)");
          return result;
        };
      }
      return handle;
    },
  };
}
