// `retries` on a cluster, and jobs BullMQ gives up on or that leave Redis unanswered, with real
// `multiproc worker` processes and real Redis. Attempts are counted as files in a temp dir.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as mp from "multiproc";
import { waitFor } from "./helpers.js";
import { REDIS_URL, skipWithoutRedis, startWorker, TASKS, testScope } from "./fixtures/cluster-harness.js";
import { TaskKind } from "../src/wire/messages.ts";

type Tasks = typeof import("./fixtures/cluster-tasks.mjs");
const tasks = mp.tasksFrom<Tasks>(new URL(`file://${TASKS}`));
const skip = await skipWithoutRedis("test/cluster-retries.test.ts");
const { track, newQueue } = testScope(skip);

const attemptsDir = () => mkdtempSync(join(tmpdir(), "mp-attempts-"));
const attempts = (dir: string) => readdirSync(dir).length;

describe("cluster retries", { skip }, () => {
  test("retries with retryErrors: a task that throws once succeeds on its 2nd attempt; one that always throws fails whole after retries + 1", { timeout: 120_000 }, async () => {
    const queue = newQueue("retry-errors");
    track(await startWorker(queue));
    track(await startWorker(queue));
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);

    const once = attemptsDir();
    assert.deepEqual(await pool.apply(tasks.flaky, [once, 1, "ok"], { retries: 1, retryErrors: true }), { value: "ok", attempts: 2 });
    assert.equal(attempts(once), 2);

    const always = attemptsDir();
    const error = (await pool.apply(tasks.flaky, [always, 99, "never"], { retries: 2, retryErrors: true }).catch((e: unknown) => e)) as Error & { code?: string };
    assert.equal(error.name, "TypeError");
    assert.equal(error.message, "attempt 3 failed");
    assert.equal(error.code, "E_FLAKY");
    assert.equal((error.cause as Error).message, "flaky cause");
    assert.match(error.stack!, /cluster-tasks\.mjs/);
    assert.equal(attempts(always), 3, "retries + 1 attempts, no more");

    // Without retryErrors a thrown error is the task's answer, as locally.
    const plain = attemptsDir();
    await assert.rejects(pool.apply(tasks.flaky, [plain, 1, "x"], { retries: 2 }), { name: "TypeError", message: "attempt 1 failed" });
    assert.equal(attempts(plain), 1);
  });

  // As locally, a chunk is one task: it fails at its first failing item and runs again whole
  // (retries: 2, as a local chunk of two items that each throw once needs).
  test("retries in a map: chunks whose items throw once run again, every result arrives once and in order", { timeout: 120_000 }, async () => {
    const queue = newQueue("retry-map");
    track(await startWorker(queue));
    track(await startWorker(queue));
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(4);
    const dirs = Array.from({ length: 8 }, () => attemptsDir());
    const out = await pool.starmap(tasks.flaky, dirs.map((d, i) => [d, 1, i] as [string, number, number]), { chunksize: 2, retries: 2, retryErrors: true });
    assert.deepEqual(out.map((r) => r.value), [0, 1, 2, 3, 4, 5, 6, 7]);
    for (const r of out) assert.ok(r.attempts >= 2);
  });

  test("retries: a task whose process dies on the worker runs again; without retries it fails with WorkerLostError", { timeout: 120_000 }, async () => {
    const queue = newQueue("retry-death");
    const w = track(await startWorker(queue));
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);

    const once = attemptsDir();
    assert.equal(await pool.apply(tasks.dies, [once, 1], { retries: 1 }), 2);
    assert.equal(attempts(once), 2);

    const twice = attemptsDir();
    await assert.rejects(pool.apply(tasks.dies, [twice, 5], { retries: 1 }), { name: "WorkerLostError" });
    assert.equal(attempts(twice), 2, "retries + 1 attempts");

    const none = attemptsDir();
    await assert.rejects(pool.apply(tasks.dies, [none, 1]), { name: "WorkerLostError" });
    assert.equal(attempts(none), 1);
    // The worker replaced its dead process and goes on serving.
    assert.equal(await pool.apply(tasks.square, [6]), 36);
    assert.equal(w.child.exitCode, null);
  });
});

describe("cluster jobs that BullMQ gives up on, or that leave Redis unanswered", { skip }, () => {
  test("a job whose workers die under it more often than --max-stalled allows rejects with WorkerLostError", { timeout: 120_000 }, async () => {
    const queue = newQueue("abandoned");
    // The job kills the worker that takes it; the other worker's stall check then gives up on it.
    const ws = [track(await startWorker(queue, ["--max-stalled", "0"])), track(await startWorker(queue, ["--max-stalled", "0"]))];
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    await assert.rejects(pool.apply(tasks.killsItsWorker, []), (e: Error) => {
      assert.equal(e.name, "WorkerLostError");
      assert.match(e.message, /died under it too many times/);
      return true;
    });
    const dead = await Promise.race(ws.map((w) => w.exited.then(() => w)));
    const alive = ws.find((w) => w !== dead)!;
    assert.equal(alive.child.exitCode, null, "one worker died, the other gave up on the job");
    assert.equal((await pool.apply(tasks.where, [1])).ppid, alive.pid);
  });

  test("the worker that fails a job reports it in its caller's results list (callers read no BullMQ event stream)", { timeout: 120_000 }, async () => {
    const queue = newQueue("failed-report");
    const ws = [track(await startWorker(queue, ["--max-stalled", "0"])), track(await startWorker(queue, ["--max-stalled", "0"]))];
    // A caller by hand: its heartbeat, one job that kills the worker taking it, and its results list.
    const { Queue } = await import("bullmq");
    const { Redis } = await import("ioredis");
    const { deserialize, serialize } = await import("node:v8");
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const q = new Queue(queue, { connection: redis });
    try {
      const caller = randomBytes(8).toString("hex");
      await redis.set(`multiproc:${queue}:caller:${caller}`, "1", "PX", 120_000);
      const spec = { kind: "module", module: "multiproc:test/fixtures/cluster-tasks.mjs", exportName: "killsItsWorker" };
      const batch = { defs: [[1, spec]], ids: [7], fns: [1], kinds: [TaskKind.Apply], data: [[]] };
      const jobId = `${caller}-1`;
      await q.add("by-hand", { c: caller, p: serialize(batch).toString("base64") }, { jobId, removeOnComplete: true });
      const popped = await redis.blpopBuffer(`multiproc:${queue}:results:${caller}`, 100);
      assert.ok(popped, "a worker reported the failed job");
      const report = deserialize(popped[1]) as { job: string; ids: number[]; failed?: string };
      assert.equal(report.job, jobId);
      assert.deepEqual(report.ids, []);
      assert.match(report.failed ?? "", /stalled more than/);
      assert.equal(await q.getJobState(jobId), "failed");
      assert.equal(ws.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length, 1, "one worker died under the job");
    } finally {
      await q.close();
      redis.disconnect();
    }
  });

  test("a queued job removed from Redis (the dashboard, by hand) rejects its call with JobLostError", { timeout: 120_000 }, async () => {
    const queue = newQueue("removed");
    track(await startWorker(queue, ["--concurrency", "1"]));
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    const dir = attemptsDir();
    const busy = pool.apply(tasks.marked, [dir, 600_000], { timeout: 600 });
    busy.catch(() => {});
    await waitFor(() => readdirSync(dir).length > 0, 60_000, "the long job to start");
    const queued = pool.apply(tasks.square, [3]);
    const { Queue } = await import("bullmq");
    const bull = new Queue(queue, { connection: { url: REDIS_URL } as never });
    try {
      let waiting: string[] = [];
      for (const deadline = Date.now() + 60_000; waiting.length === 0 && Date.now() < deadline; ) {
        waiting = (await bull.getWaiting()).map((j) => j.id!);
        if (waiting.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(waiting.length, 1, "the job waits behind the busy worker");
      assert.equal(await bull.remove(waiting[0]!), 1);
      await assert.rejects(queued, (e: Error & { code?: string }) => {
        assert.ok(e instanceof mp.JobLostError);
        assert.equal(e.code, "MULTIPROC_JOB_LOST");
        assert.match(e.message, /left Redis unanswered/);
        return true;
      });
    } finally {
      await bull.close();
      await pool.terminate();
    }
  });
});
