// Workers killed at random, on both contexts: every promise settles, tasks that were not hit
// return correct results, and afterwards no worker is left (checked in the OS process table
// and thread count, not the pool's own bookkeeping).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import type { Mode } from "./fixtures/chaos.ts";
import { CONTEXTS, liveChildren, threadCount, waitFor } from "./helpers.ts";

const { chaos } = mp.tasksFrom<typeof import("./fixtures/chaos.ts")>(new URL("./fixtures/chaos.ts", import.meta.url));

const TASKS = 240;

function modes(context: mp.ContextName): Mode[] {
  const deaths: Mode[] = ["exit", "timer-throw", "unhandled-rejection", context === "process" ? "sigkill" : "oom"];
  // Every 10th task dies, cycling through the ways to die.
  return Array.from({ length: TASKS }, (_, i) => (i % 10 === 5 ? deaths[(i / 10) % deaths.length | 0]! : "ok"));
}

/** SIGKILL a random worker process now and then; returns how to stop and how many were killed. */
function randomKiller(everyMs: number, max: number): () => number {
  let kills = 0;
  const timer = setInterval(() => {
    const pids = liveChildren();
    if (pids.length === 0 || kills >= max) return;
    try {
      process.kill(pids[Math.floor(Math.random() * pids.length)]!, "SIGKILL");
      kills++;
    } catch {}
  }, everyMs);
  return () => {
    clearInterval(timer);
    return kills;
  };
}

for (const context of CONTEXTS) {
  describe(`fault injection (${context})`, () => {
    it(`${TASKS} tasks, workers dying mid-task: every promise settles, the rest are right`, { timeout: 120_000 }, async () => {
      const threadsBefore = threadCount();
      const pool = new mp.Pool({ processes: 3, context, maxHeapMb: 96 });
      const plan = modes(context);
      const stopKiller = context === "process" ? randomKiller(150, 10) : () => 0;
      const outcomes = await Promise.allSettled(plan.map((mode, i) => pool.apply(chaos, [i, mode])));
      const kills = stopKiller();

      let hitByKiller = 0;
      outcomes.forEach((o, i) => {
        if (plan[i] !== "ok") {
          assert.equal(o.status, "rejected", `task ${i} (${plan[i]}) should fail`);
          const err = (o as PromiseRejectedResult).reason as mp.WorkerLostError;
          assert.equal(err.name, "WorkerLostError", `task ${i}: ${err}`);
          assert.match(err.task, new RegExp(`^task \\d+ `));
        } else if (o.status === "fulfilled") {
          assert.equal(o.value, i * 2);
        } else {
          // Only the random killer may hit a task that did nothing wrong.
          assert.equal((o.reason as Error).name, "WorkerLostError", String(o.reason));
          hitByKiller++;
        }
      });
      assert.ok(hitByKiller <= kills, `${hitByKiller} healthy tasks failed, but only ${kills} workers were killed`);

      // The pool goes on.
      assert.deepEqual(await pool.map((n: number) => n + 1, [1, 2, 3]), [2, 3, 4]);
      await pool.terminate();
      await waitFor(() => liveChildren().length === 0, 5000, "no worker process left");
      await waitFor(() => threadCount() <= threadsBefore, 5000, "no worker thread left");
    });

    it("with retries, healthy tasks survive random kills of their workers", { timeout: 120_000, skip: context === "thread" && "threads cannot be killed from outside" }, async () => {
      const pool = new mp.Pool({ processes: 3, context });
      const stopKiller = randomKiller(200, 5);
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => pool.apply(chaos, [i, "ok"], { retries: 6 })));
      const kills = stopKiller();
      assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => i * 2));
      assert.ok(kills > 0, "the killer killed nothing: the test proved nothing");
      await pool.terminate();
      await waitFor(() => liveChildren().length === 0, 5000, "no worker process left");
    });
  });
}
