// Python's JoinableQueue: the parent waits until every item put has been marked done.
// Run: node --import tsx examples/shared/joinable-queue.ts
import * as mp from "multiproc";

async function worker(q: mp.JoinableQueue<number | null>) {
  for (let item = await q.get(); item !== null; item = await q.get()) {
    console.log(`process ${process.pid} handled ${item}`);
    q.taskDone();
  }
  q.taskDone(); // for the sentinel
}

const q = new mp.JoinableQueue<number | null>();
const workers = [1, 2].map(() => new mp.Process({ target: worker, args: [q] }));
workers.forEach((w) => w.start());
for (let i = 1; i <= 6; i++) await q.put(i);
await q.join(); // every item was handled
console.log("all items handled");
for (const _ of workers) await q.put(null);
for (const w of workers) await w.join();
