// Three workers step through rounds together; the last to arrive runs the action.
// Run: node --import tsx examples/shared/barrier.ts
import * as mp from "multiproc";

const barrier = new mp.Barrier(3, () => console.log("--- round complete ---"));
await using pool = new mp.Pool(3);
await pool.map(
  async ([b, id]: [mp.Barrier, number]) => {
    for (let round = 0; round < 2; round++) {
      await new Promise((r) => setTimeout(r, Math.random() * 200));
      console.log(`worker ${id} reached round ${round}`);
      await b.wait();
    }
  },
  [0, 1, 2].map((id) => [barrier, id] as [mp.Barrier, number]),
  { chunksize: 1 },
);
