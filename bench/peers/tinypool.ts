// tinypool: run(arg, { name }) on worker_threads, or on child_process (runtime: 'child_process'),
// against a worker script of named exports.
import { importPeer, defaultExport } from "./resolve.ts";
import { chunkedImap, chunkedMap, pythonChunksize } from "./chunking.ts";
import type { Context, Peer, PoolHandle } from "./types.ts";

interface TinypoolPool {
  run(task: unknown, options?: { name?: string; transferList?: ArrayBuffer[] }): Promise<unknown>;
  destroy(): Promise<void>;
}
type TinypoolCtor = new (options: {
  filename: string;
  runtime: "worker_threads" | "child_process";
  minThreads: number;
  maxThreads: number;
  idleTimeout?: number;
  serialization?: "json" | "advanced";
  execArgv?: string[];
  env?: Record<string, string>;
}) => TinypoolPool;

const workerUrl = new URL("../workers/tinypool-worker.mjs", import.meta.url).href;

export function tinypoolPeer(context: Context): Peer {
  let Tinypool: TinypoolCtor | undefined;
  const runtime = context === "thread" ? "worker_threads" : "child_process";
  return {
    label: `tinypool (${context === "thread" ? "thread" : "child_process"})`,
    library: "tinypool",
    context,
    async load() {
      Tinypool = defaultExport(await importPeer("tinypool")) as TinypoolCtor;
    },
    async open(workers, env) {
      if (Tinypool === undefined) throw new Error("not loaded");
      const pool = new Tinypool({
        filename: workerUrl,
        runtime,
        minThreads: workers,
        maxThreads: workers,
        idleTimeout: 60_000,
        // The worker script is plain .mjs: keep the parent's --import tsx out of the workers.
        execArgv: [],
        // 'advanced' (structured clone) carries typed arrays as such; 'json', the default,
        // would turn a Float64Array into a plain object.
        // tinypool's child processes get only the env given here (not the parent's by default).
        ...(runtime === "child_process"
          ? { serialization: "advanced" as const, env: { ...(env ?? process.env) } as Record<string, string> }
          : {}),
      });
      const runChunk = (chunk: number[]) => pool.run(chunk, { name: "squareChunk" }) as Promise<number[]>;
      const handle: PoolHandle = {
        square: (n) => pool.run(n, { name: "square" }) as Promise<number>,
        map: (items) => chunkedMap(runChunk, items, pythonChunksize(items.length, workers)),
        spin: (iters) => pool.run(iters, { name: "spin" }) as Promise<number>,
        echoCopy: (data) => pool.run(data, { name: "echo" }) as Promise<Float64Array>,
        imap: (items, chunksize) => chunkedImap(runChunk, items, chunksize, 4 * workers),
        close: () => pool.destroy(),
      };
      if (runtime === "worker_threads") {
        handle.echoTransfer = (data) =>
          pool.run(data, { name: "echoMove", transferList: [data.buffer as ArrayBuffer] }) as Promise<Float64Array>;
      }
      return handle;
    },
  };
}
