// mp.cluster: the same Pool API over Redis, across two real `multiproc worker` processes.
// Without a Redis at 127.0.0.1:6379 (or MULTIPROC_TEST_REDIS) these tests are skipped, loudly.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as mp from "multiproc";
import {
  cleanQueue,
  haveRedisServer,
  privateRedis,
  queueName,
  REDIS_URL,
  skipWithoutRedis,
  startWorker,
  stopWorkers,
  TASKS,
  type WorkerProcess,
} from "./fixtures/cluster-harness.js";

type Tasks = typeof import("./fixtures/cluster-tasks.mjs");
const tasks = mp.tasksFrom<Tasks>(new URL(`file://${TASKS}`));
const skip = await skipWithoutRedis("test/cluster.test.ts");

describe("cluster Pool across two multiproc workers", { skip }, () => {
  const queue = queueName("core");
  let workers: WorkerProcess[] = [];
  let pool: mp.Pool;

  before(async () => {
    workers = await Promise.all([startWorker(queue), startWorker(queue)]);
    pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(4);
  });

  after(async () => {
    await pool?.terminate();
    await stopWorkers(...workers);
    await cleanQueue(queue);
  });

  test("map: results in input order, the work spread over both workers", async () => {
    const results = await pool.map(tasks.where, Array.from({ length: 40 }, (_, i) => i), { chunksize: 1 });
    assert.deepEqual(results.map((r) => r.n), Array.from({ length: 40 }, (_, i) => i));
    // Each task ran in a child process of one of the workers. Both took part (each takes at most
    // two jobs at a time, so one alone cannot hold all 40 while the other waits).
    const ran = new Set(results.map((r) => r.ppid));
    assert.deepEqual([...ran].sort(), workers.map((w) => w.pid).sort());
  });

  test("map over many tiny items travels in chunks and comes back whole", async () => {
    const xs = Array.from({ length: 100_000 }, (_, i) => i);
    const squares = await pool.map(tasks.square, xs);
    assert.equal(squares.length, xs.length);
    for (let i = 0; i < xs.length; i += 997) assert.equal(squares[i], i * i);
    assert.equal(squares[99_999], 99_999 * 99_999);
  });

  test("starmap, apply, applyAsync", async () => {
    assert.deepEqual(await pool.starmap(tasks.add, [[1, 2], [3, 4], [5, 6]]), [3, 7, 11]);
    assert.equal(await pool.apply(tasks.add, [20, 22]), 42);
    const r = pool.applyAsync(tasks.square, [9]);
    assert.equal(await r, 81);
    assert.equal(r.successful(), true);
  });

  test("values cross by structured clone, not JSON", async () => {
    const value = { m: new Map([["k", new Set([1n, 2n])]]), d: new Date(1234), u: new Uint8Array([1, 2, 3]), n: NaN, u8: undefined };
    assert.deepEqual(await pool.apply(tasks.echo, [value]), value);
  });

  test("imap yields in input order and reads its input lazily; imapUnordered yields them all", async () => {
    let pulled = 0;
    function* endless() {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const got: number[] = [];
    for await (const r of pool.imap(tasks.square, endless())) {
      got.push(r);
      if (got.length === 300) break;
    }
    assert.deepEqual(got, Array.from({ length: 300 }, (_, i) => i * i));
    assert.ok(pulled < 10_000, `an endless input is read a bounded distance ahead (pulled ${pulled})`);
    const unordered: number[] = [];
    for await (const r of pool.imapUnordered(tasks.square, [1, 2, 3, 4, 5, 6, 7])) unordered.push(r);
    assert.deepEqual(unordered.sort((a, b) => a - b), [1, 4, 9, 16, 25, 36, 49]);
  });

  test("an error from a task arrives whole: class name, message, code, cause, both stacks", async () => {
    const error = (await pool.apply(tasks.fail, ["no good"]).catch((e: unknown) => e)) as Error & { code?: string };
    assert.equal(error.name, "RangeError");
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "no good");
    assert.equal(error.code, "E_TASK");
    assert.equal((error.cause as Error).message, "the cause");
    assert.match(error.stack!, /cluster-tasks\.mjs/);
    assert.match(error.stack!, /--- called from ---/);
    await assert.rejects(pool.map(tasks.fail, ["a", "b"]), { name: "RangeError", message: /^[ab]$/ });
  });

  test("bad calls fail early, as locally", async () => {
    await assert.rejects(pool.map(tasks.square, [1], { chunksize: 0 }), RangeError);
    await assert.rejects(pool.apply(tasks.square, [1], { timeout: -1 }), RangeError);
    assert.throws(() => new (mp.cluster({ redis: REDIS_URL, queue }).Pool)({ initializer: tasks.square } as never), /initializer/);
    assert.throws(() => mp.cluster({ redis: "http://x", queue }), /redis:\/\//);
    assert.throws(() => mp.cluster({ redis: REDIS_URL, queue: "a b" }), /queue/);
  });
});

describe("what a cluster job costs Redis", { skip: skip || (haveRedisServer() ? false : "redis-server is not installed: this test counts commands on a private one") }, () => {
  test("per job: no MULTI for the reply, no event stream read by the caller, one look a second at a caller's heartbeat", { timeout: 120_000 }, async () => {
    const redis = await privateRedis();
    const queue = queueName("cost");
    const worker = await startWorker(queue, [], {}, redis.url);
    const { Redis } = await import("ioredis");
    const stats = new Redis(redis.url);
    try {
      const calls = async () => {
        const out = new Map<string, number>();
        for (const m of (await stats.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
        return out;
      };
      await using pool = new (mp.cluster({ redis: redis.url, queue }).Pool)(4);
      assert.equal(await pool.apply(tasks.square, [2]), 4);
      const before = await calls();
      const started = Date.now();
      const n = 60;
      const results = await pool.map(tasks.where, Array.from({ length: n }, (_, i) => i), { chunksize: 1 });
      const seconds = (Date.now() - started) / 1000;
      assert.equal(results.length, n);
      const after = await calls();
      // Calls made inside scripts count too (BullMQ's own EXISTS, say), so only commands of ours are checked.
      const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      assert.equal(delta("xread") + delta("xreadgroup"), 0, "the caller reads no BullMQ event stream");
      assert.equal(delta("multi"), 0, "replies are one script each, not a MULTI");
      // A job carries one chunk, or several once the function has proved fast (batching.ts).
      const jobs = delta("rpush"); // one per job, in the reply script
      assert.ok(jobs >= 1 && jobs <= n, `${jobs} replies for ${n} chunks`);
      assert.ok(delta("pttl") <= Math.ceil(seconds) + 1, `${delta("pttl")} looks at the caller's heartbeat in ${seconds} s: at most one a second`);
      assert.ok(delta("blmpop") + delta("blpop") <= jobs + 1, `${delta("blmpop")} BLMPOPs for ${jobs} replies: at most one per reply`);
    } finally {
      stats.disconnect();
      await stopWorkers(worker);
      await redis.kill();
    }
  });
});

describe("a Redis without BLMPOP (before 7.0)", { skip: skip || (haveRedisServer() ? false : "redis-server is not installed: this test needs a private one") }, () => {
  test("the caller reads its results with BLPOP and LPOP instead", { timeout: 120_000 }, async () => {
    // rename-command to "" removes BLMPOP, as on Redis 6.2, which BullMQ supports.
    const redis = await privateRedis(["--rename-command", "BLMPOP", '""']);
    const queue = queueName("no-blmpop");
    const worker = await startWorker(queue, [], {}, redis.url);
    try {
      await using pool = new (mp.cluster({ redis: redis.url, queue }).Pool)(4);
      const xs = Array.from({ length: 30 }, (_, i) => i);
      assert.deepEqual(await pool.map(tasks.square, xs, { chunksize: 1 }), xs.map((x) => x * x));
      assert.equal(await pool.apply(tasks.square, [7]), 49);
    } finally {
      await stopWorkers(worker);
      await redis.kill();
    }
  });
});
