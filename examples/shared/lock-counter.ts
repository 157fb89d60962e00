// A counter in shared memory, incremented by 4 workers under its lock: always exactly 40,000.
// Run: node --import tsx examples/shared/lock-counter.ts
import * as mp from "multiproc";

const counter = new mp.Value("i", 0); // carries an RLock, as in Python
await using pool = new mp.Pool(4);
await pool.map(
  (v: mp.Value<"i">) => {
    for (let i = 0; i < 10_000; i++) v.getLock().withLockSync(() => (v.value += 1));
  },
  [counter, counter, counter, counter],
  { chunksize: 1 },
);
console.log(counter.value); // 40000
