// A Pool starts its workers, and runs each one's initializer, when it is created, as Python's
// does: close() + join() at once still runs every initializer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

/** Counts its calls in a shared Value, after a pause that close() would otherwise overtake. */
async function countSlowly(count: mp.Value<"i">): Promise<void> {
  await new Promise((r) => setTimeout(r, 200));
  const lock = count.getLock();
  lock.acquireSync();
  try {
    count.value += 1;
  } finally {
    lock.release();
  }
}

for (const context of CONTEXTS) {
  describe(`Pool start-up (${context})`, () => {
    it("close() + join() right after creation: every worker's initializer has run", async () => {
      for (const processes of [1, 3]) {
        const count = new mp.Value("i", 0);
        const pool = new mp.Pool({ processes, context, initializer: countSlowly, initargs: [count] });
        pool.close();
        await pool.join();
        assert.equal(count.value, processes, `${processes} worker(s)`);
      }
    });

    it("an initializer that fails is reported by join() after close() too: the pool's calls reject with InitializerError", async () => {
      const pool = new mp.Pool({ processes: 1, context, initializer: (m: string) => { throw new Error(m); }, initargs: ["init failed"] });
      pool.close();
      await pool.join();
      await assert.rejects(pool.apply(() => 1), { name: "InitializerError" });
    });
  });
}
