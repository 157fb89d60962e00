// The cluster's failure guarantees, with real `multiproc worker` processes and real Redis:
// a worker SIGKILLed mid-map, a caller that dies, timeouts and aborts of running jobs, SIGTERM,
// and a Redis that restarts (a private redis-server, so nobody else's Redis is disturbed).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as mp from "multiproc";
import { waitFor } from "./helpers.js";
import {
  haveRedisServer,
  privateRedis,
  REDIS_URL,
  skipWithoutRedis,
  startWorker,
  stopWorkers,
  TASKS,
  testScope,
} from "./fixtures/cluster-harness.js";

type Tasks = typeof import("./fixtures/cluster-tasks.mjs");
const tasks = mp.tasksFrom<Tasks>(new URL(`file://${TASKS}`));
const skip = await skipWithoutRedis("test/cluster-faults.test.ts");
const skipPrivate = skip || (haveRedisServer() ? false : "redis-server is not installed: the Redis restart test needs a private one");

const { track, newQueue } = testScope(skip);

describe("cluster faults", { skip }, () => {
  test("a worker SIGKILLed mid-map: its jobs run on the other, every result arrives exactly once", { timeout: 120_000 }, async () => {
    const queue = newQueue("kill");
    const [a, b] = [track(await startWorker(queue)), track(await startWorker(queue))];
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(8);
    const n = 24;
    let killedAt = 0;
    setTimeout(() => {
      a.child.kill("SIGKILL");
      killedAt = Date.now();
    }, 1000);
    const out: Awaited<ReturnType<Tasks["nap"]>>[] = [];
    for await (const r of pool.imapUnordered(tasks.nap, Array.from({ length: n }, (_, i) => i))) out.push(r);
    const lastAt = Date.now();
    assert.ok(killedAt > 0, "the worker was killed while the map ran");
    // Every item's result arrived, and each exactly once (a rerun job's copy is dropped).
    assert.deepEqual(out.map((r) => r.n).sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
    // Work started after the kill ran on the survivor.
    assert.ok(out.some((r) => r.ppid === b.pid && r.start > killedAt));
    assert.ok(out.every((r) => r.ppid === b.pid || r.start < killedAt));
    console.log(`# map finished ${lastAt - killedAt} ms after the SIGKILL`);
  });

  test("the job of a SIGKILLed worker starts again on another within seconds", { timeout: 120_000 }, async () => {
    const queue = newQueue("recover");
    const pair = [track(await startWorker(queue)), track(await startWorker(queue))];
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    const dir = mkdtempSync(join(tmpdir(), "mp-recover-"));
    const job = pool.apply(tasks.marked, [dir, 1500]);
    await waitFor(() => readdirSync(dir).length > 0, 60_000, "the job to start");
    const first = Number(readdirSync(dir)[0]);
    const victim = pair.find((w) => w.pid === first)!;
    const survivor = pair.find((w) => w !== victim)!;
    const killedAt = Date.now();
    victim.child.kill("SIGKILL");
    const r = await job;
    assert.equal(r.ppid, survivor.pid);
    const recovery = r.start - killedAt;
    console.log(`# the job started again on the other worker ${recovery} ms after the SIGKILL`);
    assert.ok(recovery < 30_000, `recovered in ${recovery} ms`);
  });

  test("a caller that dies: its queued jobs are dropped within seconds, even while every worker is busy", { timeout: 180_000 }, async () => {
    const queue = newQueue("deadcaller");
    const w = track(await startWorker(queue, ["--concurrency", "1"]));
    const pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    // The only worker is busy for ten minutes with a live caller's job.
    const dir = mkdtempSync(join(tmpdir(), "mp-busy-"));
    const busy = pool.applyAsync(tasks.marked, [dir, 600_000]);
    busy.catch(() => {});
    await waitFor(() => readdirSync(dir).length > 0, 60_000, "the long job to start");
    const caller = spawn(process.execPath, ["--import", "tsx", new URL("./fixtures/cluster-caller.ts", import.meta.url).pathname, REDIS_URL, queue], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let said = "";
    caller.stdout!.on("data", (d) => (said += d));
    const { Redis } = await import("ioredis");
    const redis = new Redis(REDIS_URL);
    try {
      await waitFor(() => said.includes("queued"), 60_000, "the caller to queue its jobs");
      assert.ok((await redis.llen(`bull:${queue}:wait`)) >= 20, "the dead caller's jobs wait behind the busy worker");
      caller.kill("SIGKILL");
      // Its heartbeat lapses after callerTtl (1 s); a worker's sweep then removes its jobs.
      let left = -1;
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        left = await redis.llen(`bull:${queue}:wait`);
        if (left === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(left, 0, "the dead caller's jobs are gone from the queue");
      assert.equal(busy.ready(), false, "while the worker was still busy: they were not run, nor waited for");
      assert.match(w.output(), /queued job\(s\) dropped: their caller \w+ is gone/);
    } finally {
      caller.kill("SIGKILL"); // also when the test failed before killing it: a live child would keep this file running
      redis.disconnect();
      await pool.terminate();
    }
  });

  test("timeout and abort stop a running job on its worker, which goes on serving", { timeout: 120_000 }, async () => {
    const queue = newQueue("cancel");
    track(await startWorker(queue, ["--concurrency", "1"]));
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    const started = Date.now();
    await assert.rejects(pool.apply(tasks.slow, [1, 600_000], { timeout: 0.5 }), { name: "TimeoutError" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    await assert.rejects(pool.apply(tasks.slow, [2, 600_000], { signal: controller.signal }), { name: "AbortError" });
    // The worker has one process and takes one job at a time: had the 10-minute tasks not been
    // stopped, this would wait for them.
    assert.equal(await pool.apply(tasks.square, [7]), 49);
    assert.ok(Date.now() - started < 300_000);
    await assert.rejects(pool.map(tasks.nap, [1, 2, 3, 4, 5, 6], { chunksize: 1, timeout: 0.2 }), { name: "TimeoutError" });
    assert.deepEqual(await pool.map(tasks.square, [1, 2, 3]), [1, 4, 9]);
  });

  test("SIGTERM: the worker finishes its running job, takes no more, and exits 0", { timeout: 120_000 }, async () => {
    const queue = newQueue("sigterm");
    const dir = mkdtempSync(join(tmpdir(), "mp-sigterm-"));
    const a = track(await startWorker(queue));
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    const running = pool.apply(tasks.marked, [dir, 1500]);
    await waitFor(() => readdirSync(dir).length > 0, 60_000, "the job to start");
    a.child.kill("SIGTERM");
    await waitFor(() => a.output().includes("SIGTERM: finishing"), 60_000, "the worker to take the signal");
    const later = pool.apply(tasks.where, [5]);
    const r = await running;
    assert.equal(r.ppid, a.pid, "the running job finished on the worker told to stop");
    assert.equal(await a.exited, 0);
    const b = track(await startWorker(queue));
    assert.equal((await later).ppid, b.pid, "the job queued after SIGTERM waited for another worker");
  });

  test("Redis restarted mid-map: the call resumes and every result arrives once, or it rejects clearly; never hangs", { timeout: 180_000, skip: skipPrivate }, async () => {
    const redis = await privateRedis();
    const queue = newQueue("restart");
    const ws = [track(await startWorker(queue, [], {}, redis.url)), track(await startWorker(queue, [], {}, redis.url))];
    void ws;
    await using pool = new (mp.cluster({ redis: redis.url, queue, unavailableTimeout: 60 }).Pool)(4);
    const n = 16;
    const call = (async () => {
      const out: number[] = [];
      for await (const r of pool.imapUnordered(tasks.nap, Array.from({ length: n }, (_, i) => i))) out.push(r.n);
      return out;
    })();
    await new Promise((r) => setTimeout(r, 800));
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    try {
      const out = await call;
      assert.deepEqual(out.sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
      console.log("# resumed after the restart, every result once");
    } catch (error) {
      assert.equal((error as Error).name, "ClusterConnectionError");
      console.log(`# rejected clearly: ${(error as Error).message}`);
    } finally {
      await stopWorkers(...ws);
      await redis.kill();
    }
  });

  test("Redis gone for longer than unavailableTimeout: pending calls reject with ClusterConnectionError", { timeout: 120_000, skip: skipPrivate }, async () => {
    const redis = await privateRedis();
    const queue = newQueue("gone");
    const w = track(await startWorker(queue, [], {}, redis.url));
    await using pool = new (mp.cluster({ redis: redis.url, queue, unavailableTimeout: 2 }).Pool)(2);
    assert.equal(await pool.apply(tasks.square, [3]), 9);
    const pending = pool.apply(tasks.slow, [1, 5000]);
    await new Promise((r) => setTimeout(r, 300));
    await redis.kill();
    await assert.rejects(pending, (e: Error) => e.name === "ClusterConnectionError" && /has not answered/.test(e.message));
    await stopWorkers(w);
  });

  test("a password in the URL; a wrong one rejects clearly", { timeout: 120_000, skip: skipPrivate }, async () => {
    const redis = await privateRedis([], "s3cret-pass");
    const queue = newQueue("password");
    const w = track(await startWorker(queue, [], {}, redis.url));
    try {
      await using pool = new (mp.cluster({ redis: redis.url, queue }).Pool)(2);
      assert.deepEqual(await pool.map(tasks.square, [1, 2, 3]), [1, 4, 9]);
      await using wrong = new (mp.cluster({ redis: `redis://:nope@127.0.0.1:${redis.port}`, queue, unavailableTimeout: 1 }).Pool)(2);
      await assert.rejects(wrong.apply(tasks.square, [2]), (e: Error) => e.name === "ClusterConnectionError" && /WRONGPASS|NOAUTH|invalid/i.test(e.message));
    } finally {
      await stopWorkers(w);
      await redis.kill();
    }
  });

  test("a job over maxJobBytes is refused with JobTooLargeError before it is queued", async () => {
    const queue = newQueue("size");
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue, maxJobBytes: 10_000 }).Pool)(2);
    await assert.rejects(pool.apply(tasks.echo, [new Uint8Array(50_000)]), (e: Error & { bytes?: number }) => {
      assert.ok(e instanceof mp.JobTooLargeError);
      assert.ok(e.bytes! > 50_000);
      assert.match(e.message, /maxJobBytes/);
      return true;
    });
  });
});
