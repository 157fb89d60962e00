// At most 2 of 6 tasks inside the guarded section at once.
// Run: node --import tsx examples/shared/semaphore.ts
import * as mp from "multiproc";

const slots = new mp.Semaphore(2);
await using pool = new mp.Pool(3);
const log = await pool.map(
  async ([sem, id]: [mp.Semaphore, number]) => {
    // withLock releases however the body ends. (`await using` works in your own modules, not in
    // an inline task function: tsx rewrites it into helpers the worker does not have.)
    return sem.withLock(async () => {
      await new Promise((r) => setTimeout(r, 200));
      return `task ${id} done at ${new Date().toISOString().slice(17, 22)}`;
    });
  },
  [0, 1, 2, 3, 4, 5].map((id) => [slots, id] as [mp.Semaphore, number]),
  { chunksize: 1 },
);
console.log(log.join("\n")); // in pairs, 0.2 s apart
