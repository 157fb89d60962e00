// The floor for W4: one raw worker_threads Worker that echoes a Float64Array, copied or with
// its buffer transferred both ways. No pool, no protocol, one message each way.
import { Worker } from "node:worker_threads";
import { once } from "node:events";

const workerUrl = new URL("../workers/raw-echo-worker.mjs", import.meta.url);

export interface RawEcho {
  echo(data: Float64Array, transfer: boolean): Promise<Float64Array>;
  close(): Promise<void>;
}

export async function openRawEcho(): Promise<RawEcho> {
  const worker = new Worker(workerUrl, { execArgv: [] });
  await once(worker, "online");
  return {
    async echo(data, transfer) {
      const reply = once(worker, "message") as Promise<[Float64Array]>;
      worker.postMessage({ data, transfer }, transfer ? [data.buffer as ArrayBuffer] : []);
      const [result] = await reply;
      return result;
    },
    async close() {
      await worker.terminate();
    },
  };
}
