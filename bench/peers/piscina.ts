// piscina (worker_threads only): run(arg, { name }) against a worker script of named exports.
import { importPeer, defaultExport } from "./resolve.ts";
import { chunkedImap, chunkedMap, pythonChunksize } from "./chunking.ts";
import type { Peer, PoolHandle } from "./types.ts";

interface PiscinaPool {
  run(task: unknown, options?: { name?: string; transferList?: ArrayBuffer[] }): Promise<unknown>;
  destroy(): Promise<void>;
}
type PiscinaCtor = new (options: {
  filename: string;
  minThreads: number;
  maxThreads: number;
  idleTimeout?: number;
  execArgv?: string[];
}) => PiscinaPool;

const workerUrl = new URL("../workers/piscina-worker.mjs", import.meta.url).href;

export function piscinaPeer(): Peer {
  let Piscina: PiscinaCtor | undefined;
  return {
    label: "piscina (thread)",
    library: "piscina",
    context: "thread",
    async load() {
      const ns = await importPeer("piscina");
      Piscina = ((ns as { Piscina?: PiscinaCtor }).Piscina ?? defaultExport(ns)) as PiscinaCtor;
    },
    async open(workers) {
      if (Piscina === undefined) throw new Error("not loaded");
      // execArgv: [] keeps the parent's --import tsx out of the workers: the worker script is
      // plain .mjs and needs no loader.
      const pool = new Piscina({ filename: workerUrl, minThreads: workers, maxThreads: workers, idleTimeout: 60_000, execArgv: [] });
      const runChunk = (chunk: number[]) => pool.run(chunk, { name: "squareChunk" }) as Promise<number[]>;
      const handle: PoolHandle = {
        square: (n) => pool.run(n, { name: "square" }) as Promise<number>,
        map: (items) => chunkedMap(runChunk, items, pythonChunksize(items.length, workers)),
        spin: (iters) => pool.run(iters, { name: "spin" }) as Promise<number>,
        echoCopy: (data) => pool.run(data, { name: "echo" }) as Promise<Float64Array>,
        echoTransfer: (data) =>
          pool.run(data, { name: "echoMove", transferList: [data.buffer as ArrayBuffer] }) as Promise<Float64Array>,
        imap: (items, chunksize) => chunkedImap(runChunk, items, chunksize, 4 * workers),
        close: () => pool.destroy(),
      };
      return handle;
    },
  };
}
