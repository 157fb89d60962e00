// close() and join() finish when the only work left was cancelled while still queued (a timeout
// or an abort before any worker was ready): such a task stays in the queue until dispatch skips
// it, and close() once waited for it for ever.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

const HANG_BOUND_MS = 30_000;

for (const context of CONTEXTS) {
  describe(`Pool close after a queued cancellation (${context})`, () => {
    it("a task that timed out before any worker was ready does not keep close() and join() waiting", async () => {
      const pool = new mp.Pool({ processes: 1, context });
      const sleepy = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      // timeout 0: cancelled on the next timer tick, long before a worker has started.
      await assert.rejects(pool.apply(sleepy, [60_000], { timeout: 0 }), { name: "TimeoutError" });
      const controller = new AbortController();
      const aborted = pool.apply(sleepy, [60_000], { signal: controller.signal });
      controller.abort();
      await assert.rejects(aborted, { name: "AbortError" });
      pool.close();
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        pool.join().then(() => "joined"),
        new Promise((resolve) => (timer = setTimeout(() => resolve("still waiting"), HANG_BOUND_MS))),
      ]);
      clearTimeout(timer);
      if (outcome !== "joined") await pool.terminate();
      assert.equal(outcome, "joined");
    });
  });
}
