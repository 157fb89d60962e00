// workerpool: exec(name, args) against a worker script that registers its functions, with
// workerType 'thread' (worker_threads) or 'process' (child_process).
import { importPeer, defaultExport } from "./resolve.ts";
import { chunkedImap, chunkedMap, pythonChunksize } from "./chunking.ts";
import type { Context, Peer, PoolHandle } from "./types.ts";

interface WorkerpoolPool {
  exec(method: string, params: unknown[], options?: { transfer?: ArrayBuffer[] }): Promise<unknown>;
  terminate(force?: boolean): Promise<void>;
}
interface Workerpool {
  pool(
    script: string,
    options: {
      minWorkers: number;
      maxWorkers: number;
      workerType: "thread" | "process";
      workerThreadOpts?: { execArgv: string[] };
      forkOpts?: { execArgv: string[] };
    },
  ): WorkerpoolPool;
}

const workerPath = new URL("../workers/workerpool-worker.mjs", import.meta.url).pathname;

export function workerpoolPeer(context: Context): Peer {
  let workerpool: Workerpool | undefined;
  return {
    label: `workerpool (${context})`,
    library: "workerpool",
    context,
    async load() {
      workerpool = defaultExport(await importPeer("workerpool")) as Workerpool;
    },
    async open(workers, env) {
      if (workerpool === undefined) throw new Error("not loaded");
      // The worker script is plain .mjs: keep the parent's --import tsx out of the workers.
      const pool = workerpool.pool(workerPath, {
        minWorkers: workers,
        maxWorkers: workers,
        workerType: context,
        workerThreadOpts: { execArgv: [] },
        forkOpts: { execArgv: [], ...(env ? { env } : {}) },
      });
      const runChunk = (chunk: number[]) => pool.exec("squareChunk", [chunk]) as Promise<number[]>;
      const handle: PoolHandle = {
        square: (n) => pool.exec("square", [n]) as Promise<number>,
        map: (items) => chunkedMap(runChunk, items, pythonChunksize(items.length, workers)),
        spin: (iters) => pool.exec("spin", [iters]) as Promise<number>,
        imap: (items, chunksize) => chunkedImap(runChunk, items, chunksize, 4 * workers),
        close: () => pool.terminate(),
      };
      // workerpool's process workers use JSON over IPC: typed arrays do not survive it, so W4
      // is measured on its thread workers only.
      if (context === "thread") {
        handle.echoCopy = (data) => pool.exec("echo", [data]) as Promise<Float64Array>;
        handle.echoTransfer = (data) =>
          pool.exec("echoTransfer", [data], { transfer: [data.buffer as ArrayBuffer] }) as Promise<Float64Array>;
      }
      return handle;
    },
  };
}
