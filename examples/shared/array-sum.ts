// Python's multiprocessing.Array: workers read one shared array and write their partial sums
// into another, without copying either. Run: node --import tsx examples/shared/array-sum.ts
import * as mp from "multiproc";

const numbers = new mp.Array("d", Array.from({ length: 1_000 }, (_, i) => i + 1));
const partial = new mp.Array("d", 4); // one slot per worker
await using pool = new mp.Pool(4);
await pool.starmap(
  (data: mp.Array<"d">, sums: mp.Array<"d">, part: number) => {
    const share = data.length / 4;
    let sum = 0;
    for (let i = part * share; i < (part + 1) * share; i++) sum += data.get(i);
    sums.set(part, sum);
  },
  [0, 1, 2, 3].map((part) => [numbers, partial, part] as [mp.Array<"d">, mp.Array<"d">, number]),
);
console.log(partial.toArray(), partial.toArray().reduce((a, b) => a + b)); // [ 31375, 93875, 156375, 218875 ] 500500
