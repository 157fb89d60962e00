// Which code a cluster worker runs: only exports of its --tasks modules (named portably, so
// checkouts in different directories match); inline functions only with --allow-inline and a
// shared authkey, from jobs signed with it. Everything else is refused, reported, never run.

import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serialize } from "node:v8";
import { describe, test } from "node:test";
import * as mp from "multiproc";
import { REDIS_URL, skipWithoutRedis, startWorker, TASKS, testScope, type WorkerProcess } from "./fixtures/cluster-harness.js";

type Tasks = typeof import("./fixtures/cluster-tasks.mjs");
const tasks = mp.tasksFrom<Tasks>(new URL(`file://${TASKS}`));
const other = mp.tasksFrom<typeof import("./fixtures/cluster-other-tasks.mjs")>(new URL("./fixtures/cluster-other-tasks.mjs", import.meta.url));
const skip = await skipWithoutRedis("test/cluster-security.test.ts");

const { track, newQueue } = testScope(skip);
function worker(queue: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  return startWorker(queue, extra, env).then(track);
}

/** Queue a job by hand, as anyone who can write to Redis could, and read what the worker answers. */
async function forgeJob(queue: string, batch: object, signature?: string): Promise<{ errors?: [number, { name: string; message: string }][] }> {
  const { Queue } = await import("bullmq");
  const { Redis } = await import("ioredis");
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const q = new Queue(queue, { connection: redis });
  try {
    const caller = `forger${Date.now()}`;
    await redis.set(`multiproc:${queue}:caller:${caller}`, "1", "PX", 60_000);
    await q.add("forged", { c: caller, p: serialize(batch).toString("base64"), s: signature }, { jobId: `${caller}-1` });
    const popped = await redis.blpopBuffer(`multiproc:${queue}:results:${caller}`, 60);
    assert.ok(popped, "the worker answered the forged job");
    const { deserialize } = await import("node:v8");
    return deserialize(popped[1]) as { errors?: [number, { name: string; message: string }][] };
  } finally {
    await q.close();
    redis.disconnect();
  }
}

describe("cluster security", { skip }, () => {
  test("a module the workers were not started with is refused on the caller's side", async () => {
    const queue = newQueue("module");
    await worker(queue);
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    assert.equal(await pool.apply(tasks.square, [4]), 16);
    await assert.rejects(pool.apply(other.square, [4]), (e: Error) => {
      assert.ok(e instanceof mp.ForbiddenTaskError);
      assert.match(e.message, /cluster-other-tasks\.mjs/);
      assert.match(e.message, /--tasks/);
      return true;
    });
  });

  test("the worker refuses, itself, a job naming another module, and runs nothing", async () => {
    const queue = newQueue("forged");
    const w = await worker(queue);
    const answer = await forgeJob(queue, {
      defs: [[1, { kind: "module", module: "multiproc:test/fixtures/cluster-other-tasks.mjs", exportName: "square" }]],
      ids: [1],
      fns: [1],
      kinds: [0],
      data: [[3]],
    });
    assert.equal(answer.errors?.[0]?.[1].name, "ForbiddenTaskError");
    assert.match(answer.errors![0]![1].message, /not one this worker runs/);
    assert.match(w.output(), /refused/);
  });

  test("an inline function is refused without the opt-in; the worker refuses forged source too", async () => {
    const queue = newQueue("inline");
    await worker(queue);
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue, authkey: undefined }).Pool)(2);
    const saved = process.env.MULTIPROC_AUTHKEY;
    delete process.env.MULTIPROC_AUTHKEY;
    try {
      await assert.rejects(pool.map((x: number) => x + 1, [1, 2]), (e: Error) => e instanceof mp.ForbiddenTaskError && /inline function/.test(e.message));
    } finally {
      if (saved !== undefined) process.env.MULTIPROC_AUTHKEY = saved;
    }
    const answer = await forgeJob(queue, { defs: [[1, { kind: "source", source: "(x) => process.exit(3)", name: "evil" }]], ids: [1], fns: [1], kinds: [0], data: [[1]] });
    assert.equal(answer.errors?.[0]?.[1].name, "ForbiddenTaskError");
  });

  test("a signed inline function runs only on workers with --allow-inline and the same authkey", async () => {
    const queue = newQueue("signed");
    await worker(queue, ["--allow-inline"], { MULTIPROC_AUTHKEY: "right key" });
    await using good = new (mp.cluster({ redis: REDIS_URL, queue, authkey: "right key" }).Pool)(2);
    assert.deepEqual(await good.map((x: number) => x * 10, [1, 2, 3]), [10, 20, 30]);
    assert.equal(await good.apply(tasks.add, [1, 2]), 3, "module functions too, signed");
    await using bad = new (mp.cluster({ redis: REDIS_URL, queue, authkey: "wrong key" }).Pool)(2);
    await assert.rejects(bad.map((x: number) => x * 10, [1]), (e: Error) => e.name === "ForbiddenTaskError" && /signed with another key/.test(e.message));
    await assert.rejects(bad.apply(tasks.add, [1, 2]), { name: "ForbiddenTaskError" });
    const unsigned = await forgeJob(queue, { defs: [[1, { kind: "source", source: "(x) => x", name: "f" }]], ids: [1], fns: [1], kinds: [0], data: [[1]] });
    assert.match(unsigned.errors![0]![1].message, /not signed/);

    const queue2 = newQueue("keyonly");
    await worker(queue2, [], { MULTIPROC_AUTHKEY: "right key" });
    await using noOptIn = new (mp.cluster({ redis: REDIS_URL, queue: queue2, authkey: "right key" }).Pool)(2);
    await assert.rejects(noOptIn.map((x: number) => x, [1]), (e: Error) => e instanceof mp.ForbiddenTaskError && /--allow-inline/.test(e.message));
  });

  test("--allow-inline without an authkey does not start", async () => {
    await assert.rejects(startWorker(newQueue("nokey"), ["--allow-inline"], { MULTIPROC_AUTHKEY: "" }), /--allow-inline needs an authkey/);
  });

  test("a worker whose checkout lives elsewhere serves the caller's modules (portable module ids)", async () => {
    const checkout = mkdtempSync(join(tmpdir(), "mp-checkout-"));
    mkdirSync(join(checkout, "test", "fixtures"), { recursive: true });
    writeFileSync(join(checkout, "package.json"), JSON.stringify({ name: "multiproc", type: "module" }));
    copyFileSync(TASKS, join(checkout, "test", "fixtures", "cluster-tasks.mjs"));
    const queue = newQueue("checkout");
    const w = await worker(queue, ["--tasks", join(checkout, "test", "fixtures", "cluster-tasks.mjs")]);
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    assert.deepEqual(await pool.map(tasks.square, [2, 3]), [4, 9]);
    assert.equal((await pool.apply(tasks.where, [1])).ppid, w.pid);
  });
});
