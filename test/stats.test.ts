// pool.stats() and the pool's events: counts, histograms, worker start/exit/replace, drain.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, waitFor } from "./helpers.ts";

const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms));

for (const context of CONTEXTS) {
  describe(`Pool stats and events (${context})`, () => {
    it("counts completed, failed and retried tasks, and keeps run-time and wait-time histograms", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const fresh = pool.stats();
      assert.equal(fresh.completed, 0);
      assert.equal(fresh.runTime.count, 0);
      assert.equal(fresh.waitTime.p99, 0);
      await pool.map((n: number) => n, Array.from({ length: 10 }, (_, i) => i), { chunksize: 1 });
      await pool.map((n: number) => n, Array.from({ length: 10 }, (_, i) => i), { chunksize: 5 }); // 2 tasks
      await assert.rejects(pool.apply(() => { throw new Error("no"); }));
      await pool.apply(sleepMs, [60]);
      const s = pool.stats();
      assert.equal(s.completed, 13);
      assert.equal(s.failed, 1);
      assert.equal(s.retried, 0);
      assert.equal(s.runTime.count, 14);
      assert.equal(s.waitTime.count, 14);
      assert.ok(s.runTime.max >= 50, `the 60 ms task is the slowest: ${s.runTime.max}`);
      assert.ok(s.runTime.p50 <= s.runTime.p90 && s.runTime.p90 <= s.runTime.p99 && s.runTime.p99 <= s.runTime.max);
      assert.ok(s.waitTime.min >= 0 && s.waitTime.mean > 0);
      assert.ok(s.utilization > 0 && s.utilization <= 1, String(s.utilization));
      assert.ok(s.uptime > 0);
      assert.equal(s.workers, 2);
      assert.equal(s.queued, 0);
      assert.equal(s.busy, 0);
      // On a busy machine one worker may have run everything while the other was still starting.
      await waitFor(() => pool.stats().idle === 2, 20_000, "both workers idle");
    });

    it("shows busy, idle and queued while work runs", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      await pool.map(sleepMs, [20, 20], { chunksize: 1 }); // the function's run time is known: not batched
      await waitFor(() => pool.stats().idle === 2, 20_000, "both workers ready");
      const before = pool.stats().completed;
      const running = pool.map(sleepMs, [400, 400, 400, 400, 400], { chunksize: 1 });
      await waitFor(() => pool.stats().busy === 2, 20_000, "two busy workers");
      const s = pool.stats();
      assert.equal(s.idle, 0);
      // One task in flight per busy worker (slow tasks go one at a time): every task is queued, running or done.
      assert.equal(s.queued + s.busy + (s.completed - before), 5, JSON.stringify(s));
      await running;
      assert.equal(pool.stats().busy, 0);
    });

    it("a worker that dies: workerExit (why), workerReplace, workerStart of the new one, retried and replaced counted", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const started: mp.WorkerInfo[] = [];
      const exits: mp.WorkerExitEvent[] = [];
      const replaces: mp.WorkerReplaceEvent[] = [];
      pool.on("workerStart", (w) => started.push(w));
      pool.on("workerExit", (e) => exits.push(e));
      pool.on("workerReplace", (e) => replaces.push(e));
      await pool.apply(() => 1);
      assert.equal(started.length, 1, "the first worker's start is seen by a listener added after new Pool()");
      // Dies once (a marker in an env-independent place: the worker's own globalThis is fresh each time).
      const err = await pool.apply(() => process.exit(7)).catch((e: unknown) => e);
      assert.ok(err instanceof mp.WorkerLostError);
      await waitFor(() => started.length === 2, 20_000, "the replacement to start");
      assert.equal(exits.length, 1);
      assert.equal(exits[0]!.reason, "died");
      assert.equal(exits[0]!.exitCode, 7);
      assert.equal(exits[0]!.description, "exited with code 7");
      assert.equal(exits[0]!.name, started[0]!.name);
      assert.equal(replaces.length, 1);
      assert.deepEqual(replaces[0]!.old, started[0]);
      assert.deepEqual(replaces[0]!.new, started[1]);
      assert.equal(replaces[0]!.reason, "died");
      // retries: the task is run again after its worker dies.
      await assert.rejects(pool.apply(() => process.exit(9), [], { retries: 2 }), mp.WorkerLostError);
      const s = pool.stats();
      assert.equal(s.retried, 2);
      assert.equal(s.replaced, 4);
      assert.equal(s.failed, 2);
    });

    it("maxTasksPerChild retires workers (reason retired); a timeout stops one (reason stopped)", async () => {
      await using pool = new mp.Pool({ processes: 1, context, maxTasksPerChild: 2 });
      const replaces: mp.WorkerReplaceEvent[] = [];
      pool.on("workerReplace", (e) => replaces.push(e));
      for (let i = 0; i < 4; i++) await pool.apply(() => 0);
      assert.ok(replaces.length >= 1 && replaces.every((r) => r.reason === "retired"), JSON.stringify(replaces));
      assert.equal(pool.stats().replaced, replaces.length);
      // A worker stopped under its running task: a warm pool, so the task is running when the timeout comes.
      await using other = new mp.Pool({ processes: 1, context });
      const stopped: mp.WorkerReplaceEvent[] = [];
      other.on("workerReplace", (e) => stopped.push(e));
      await other.apply(() => 0);
      await assert.rejects(other.apply(sleepMs, [30_000], { timeout: 0.5 }), { name: "TimeoutError" });
      assert.deepEqual(stopped.map((e) => e.reason), ["stopped"]);
      assert.equal(other.stats().replaced, 1);
    });

    it("emits drain when the last queued or running task is done", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      let drains = 0;
      pool.on("drain", () => drains++);
      const work = pool.map(sleepMs, [50, 50, 50, 50], { chunksize: 1 });
      await new Promise<void>((resolve) => pool.once("drain", resolve));
      assert.equal(pool.stats().completed, 4, "drain comes after the last result");
      await work;
      assert.equal(drains, 1);
      await pool.apply(() => 0);
      assert.equal(drains, 2);
    });

    it("workerExit says retired at close()", async () => {
      const pool = new mp.Pool({ processes: 2, context });
      const exits: mp.WorkerExitEvent[] = [];
      pool.on("workerExit", (e) => exits.push(e));
      await pool.apply(() => 0);
      pool.close();
      await pool.join();
      assert.deepEqual(exits.map((e) => e.reason), ["retired", "retired"]);
    });
  });
}
