// Python's shared_memory: a named block any process can open, and a ShareableList.
// Run: node --import tsx examples/shared/shared-memory.ts
import * as mp from "multiproc";

using shm = new mp.SharedMemory({ create: true, size: 16 }); // unlinked when the block ends
using list = new mp.ShareableList([1, "two", 3.5, null]);
await using pool = new mp.Pool(1);
await pool.apply(
  (m: mp.SharedMemory, l: mp.ShareableList) => {
    m.buf.set([1, 2, 3]);
    l.set(1, "deux"); // fits the slot made for "two" (8 bytes)
  },
  [shm, list],
);
console.log(shm.name, [...shm.buf.subarray(0, 4)], list.toArray()); // multiproc-<pid>-<n> [ 1, 2, 3, 0 ] [ 1, 'deux', 3.5, null ]
