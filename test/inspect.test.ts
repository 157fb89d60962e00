// console.log / util.inspect of Pool, Queue, Value, Array and ShareableList show their state as
// Python's reprs do (Process's repr is tested in process-state.test.ts).
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, assertNoSegmentsLeft } from "./helpers.ts";

after(assertNoSegmentsLeft);

for (const context of CONTEXTS) {
  describe(`reprs (${context})`, () => {
    it("Pool: state and size, as <multiprocessing.pool.Pool state=RUN pool_size=2>", async () => {
      const pool = new mp.Pool({ processes: 2, context });
      assert.equal(inspect(pool), "<Pool state=RUN pool_size=2>");
      pool.close();
      assert.equal(inspect(pool), "<Pool state=CLOSE pool_size=2>");
      await pool.join();
      const other = new mp.Pool({ processes: 1, context });
      await other.terminate();
      assert.equal(inspect(other), "<Pool state=TERMINATE pool_size=1>");
    });

    it("Queue, JoinableQueue, SimpleQueue: maxsize, qsize, closed", async () => {
      const q = new mp.Queue<number>(10, { context });
      await q.put(1);
      await q.put(2);
      assert.equal(inspect(q), "<Queue maxsize=10 qsize=2>");
      q.close();
      assert.equal(inspect(q), "<Queue maxsize=10 qsize=2 closed>");
      assert.equal(inspect(new mp.JoinableQueue(0, { context })), "<JoinableQueue maxsize=0 qsize=0>");
      assert.equal(inspect(new mp.SimpleQueue({ context })), "<SimpleQueue maxsize=0 qsize=0>");
    });

    it("Value and Array: Python's Synchronized wrappers with the value and the items", () => {
      assert.equal(inspect(new mp.Value("i", 5, { context })), "<Synchronized wrapper for c_int(5)>");
      assert.equal(inspect(new mp.Value("d", 1.5, { context, lock: false })), "c_double(1.5)");
      assert.equal(String(inspect({ v: new mp.Value("?", true, { context }) })), "{ v: <Synchronized wrapper for c_bool(true)> }");
      assert.equal(inspect(new mp.Array("i", [1, 2, 3], { context })), "<SynchronizedArray wrapper for c_int_Array_3 [ 1, 2, 3 ]>");
      assert.equal(inspect(new mp.Array("d", 2, { context, lock: false })), "c_double_Array_2 [ 0, 0 ]");
      assert.match(inspect(new mp.Array("c", new TextEncoder().encode("hi"), { context })), /^<SynchronizedString wrapper for c_char_Array_2 Uint8Array\(2\) \[ 104, 105 \]>$/);
      assert.match(inspect(new mp.Array("i", 500, { context })), /\.\.\. 400 more>$/);
    });
  });
}

describe("ShareableList repr", () => {
  it("shows the items and the name, as ShareableList([...], name='...')", () => {
    const list = new mp.ShareableList([1, "two", null, true]);
    try {
      assert.equal(inspect(list), `ShareableList([ 1, 'two', null, true ], name='${list.shm.name}')`);
    } finally {
      list.shm.close();
      list.shm.unlink();
    }
  });
});
