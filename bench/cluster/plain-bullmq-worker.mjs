// Plain BullMQ, one job per item, for `npm run bench -- --cluster`: a Worker computing n * n,
// with the same lock settings as `multiproc worker`, as its users would write it.
import { Worker } from "bullmq";
import { Redis } from "ioredis";

const [url, queue, concurrency] = process.argv.slice(2);
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(queue, async (job) => job.data.n * job.data.n, { connection, concurrency: Number(concurrency) });
await worker.waitUntilReady();
console.log("ready");
process.on("SIGTERM", async () => {
  await worker.close();
  connection.disconnect();
});
