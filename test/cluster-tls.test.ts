// rediss:// for real: a private redis-server that speaks only TLS, its certificate signed by a
// throwaway CA (openssl), a caller that trusts the CA by `tls: { ca }`, workers that trust it by
// NODE_EXTRA_CA_CERTS or --tls-ca; and a CA that did not sign it failing clearly, never hanging.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import * as mp from "multiproc";
import { haveRedisServer, privateTlsRedis, skipWithoutRedis, startWorker, TASKS, testScope, type TlsRedis } from "./fixtures/cluster-harness.js";

type Tasks = typeof import("./fixtures/cluster-tasks.mjs");
const tasks = mp.tasksFrom<Tasks>(new URL(`file://${TASKS}`));
const skip =
  (await skipWithoutRedis("test/cluster-tls.test.ts")) ||
  (!haveRedisServer() ? "redis-server is not installed: the TLS tests start a private one" : false) ||
  (spawnSync("openssl", ["version"]).status !== 0 ? "openssl is not installed: the TLS tests make their certificates with it" : false);
const { track, newQueue } = testScope(skip);

describe("cluster over rediss:// (TLS)", { skip }, () => {
  let redis: TlsRedis;
  before(async () => {
    redis = await privateTlsRedis();
  });
  after(async () => {
    await redis?.kill();
  });

  test("a map through two workers, one trusting the CA by NODE_EXTRA_CA_CERTS, one by --tls-ca; the caller by tls: { ca }", { timeout: 120_000 }, async () => {
    const queue = newQueue("tls");
    const a = track(await startWorker(queue, [], { NODE_EXTRA_CA_CERTS: redis.ca }, redis.url));
    const b = track(await startWorker(queue, ["--tls-ca", redis.ca], {}, redis.url));
    await using pool = new (mp.cluster({ redis: redis.url, queue, tls: { ca: readFileSync(redis.ca) } }).Pool)(4);
    const results = await pool.map(tasks.where, Array.from({ length: 40 }, (_, i) => i), { chunksize: 1 });
    assert.deepEqual(results.map((r) => r.n), Array.from({ length: 40 }, (_, i) => i));
    assert.deepEqual([...new Set(results.map((r) => r.ppid))].sort(), [a.pid, b.pid].sort(), "both workers served over TLS");
    assert.deepEqual(await pool.map(tasks.square, Array.from({ length: 10_000 }, (_, i) => i)).then((r) => r.slice(-2)), [9998 * 9998, 9999 * 9999]);
  });

  test("a CA that did not sign the server's certificate: the call rejects with ClusterConnectionError at once, the worker exits saying why", { timeout: 120_000 }, async () => {
    const queue = newQueue("tls-wrong-ca");
    // unavailableTimeout is far beyond the test's hang guard: the rejection comes from the TLS error itself.
    await using pool = new (mp.cluster({ redis: redis.url, queue, tls: { ca: readFileSync(redis.otherCa) }, unavailableTimeout: 3600 }).Pool)(2);
    await assert.rejects(pool.apply(tasks.square, [2]), (e: Error & { code?: string }) => {
      assert.equal(e.name, "ClusterConnectionError");
      assert.equal(e.code, "MULTIPROC_REDIS_UNAVAILABLE");
      assert.match(e.message, /certificate of Redis at rediss:\/\/127\.0\.0\.1:\d+\/? is not trusted/);
      assert.match(e.message, /NODE_EXTRA_CA_CERTS/);
      return true;
    });
    await assert.rejects(startWorker(queue, ["--tls-ca", redis.otherCa], {}, redis.url), /exited \(1\) before it was ready:[\s\S]*is not trusted/);
    // No CA at all: the server's certificate is self-made, so Node's own roots do not trust it either.
    await assert.rejects(startWorker(queue, [], {}, redis.url), /exited \(1\) before it was ready:[\s\S]*is not trusted/);
  });
});
