// Raw worker_threads baseline for W4: echoes each message, transferring its buffer back when
// the parent asked for a transfer.
import { parentPort } from "node:worker_threads";

parentPort.on("message", ({ data, transfer }) => {
  parentPort.postMessage(data, transfer ? [data.buffer] : []);
});
