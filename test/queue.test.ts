// Queue, JoinableQueue and SimpleQueue on both contexts: items cross between the parent and
// workers (Process, Pool tasks, Pool initargs) through the same shared ring, with Python's
// errors and timeouts, and nothing is left in /dev/shm afterwards.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, waitFor, assertNoSegmentsLeft, sleep, track } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/queue-tasks.ts")>(new URL("./fixtures/queue-tasks.ts", import.meta.url));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Shared-memory segments created by this test process. */
after(assertNoSegmentsLeft);

for (const context of CONTEXTS) {
  describe(`Queue (${context})`, () => {
    it("is FIFO and carries structured-clone values", async () => {
      const q = new mp.Queue<unknown>(0, { context });
      assert.equal(q.context, context);
      const err = new RangeError("boom", { cause: 7 });
      const cyclic: { self?: unknown } = {};
      cyclic.self = cyclic;
      const items = [1, "two", new Map([[1, { x: 2n }]]), new Set([3]), new Date(5), new Float64Array([1.5]), err, cyclic, null, undefined];
      for (const item of items) await q.put(item);
      assert.equal(q.qsize(), items.length);
      assert.equal(q.empty(), false);
      const got = [];
      for (let i = 0; i < items.length; i++) got.push(await q.get());
      assert.deepEqual(got.slice(0, 6), items.slice(0, 6));
      assert.ok(got[6] instanceof RangeError && (got[6] as Error).message === "boom" && (got[6] as Error).cause === 7);
      const c = got[7] as { self: unknown };
      assert.equal(c.self, c, "cycles survive");
      assert.deepEqual(got.slice(8), [null, undefined]);
      assert.equal(q.empty(), true);
      assert.equal(q.qsize(), 0);
    });

    it("Empty, Full, timeouts, signals and a closed queue give clear errors", async () => {
      const q = new mp.Queue<number>(2, { context });
      assert.throws(() => q.getNowait(), mp.Empty);
      await assert.rejects(q.get({ block: false }), mp.Empty);
      let t0 = performance.now();
      await assert.rejects(q.get({ timeout: 0.2 }), (e: Error) => e instanceof mp.Empty && /within 0.2 s/.test(e.message));
      assert.ok(performance.now() - t0 >= 180, "waited for the timeout");
      assert.throws(() => q.getSync({ timeout: 0.05 }), mp.Empty);

      q.putNowait(1);
      await q.put(2);
      assert.equal(q.full(), true);
      assert.throws(() => q.putNowait(3), mp.Full);
      t0 = performance.now();
      await assert.rejects(q.put(3, { timeout: 0.2 }), mp.Full);
      assert.ok(performance.now() - t0 >= 180);
      assert.throws(() => q.putSync(3, { timeout: 0.05 }), mp.Full);
      await assert.rejects(q.put(3, { signal: AbortSignal.timeout(50) }), { name: "TimeoutError" });
      const ac = new AbortController();
      const pending = q.put(3, { signal: ac.signal });
      ac.abort();
      await assert.rejects(pending, { name: "AbortError" });
      assert.equal(q.qsize(), 2, "puts that gave up left nothing behind");
      assert.equal(q.getNowait(), 1);
      assert.equal(await q.get(), 2);

      assert.throws(() => q.putNowait((() => 1) as unknown as number), (e: Error) => e.name === "CloneError" && /item.* is a function/.test(e.message));
      assert.throws(() => new mp.Queue(-1, { context }), RangeError);
      q.close();
      await assert.rejects(q.put(1), (e: Error) => e instanceof mp.ClosedError && /closed/.test(e.message));
      assert.throws(() => q.putNowait(1), mp.ClosedError);
    });

    it("a waiting get wakes up when a worker puts, and a full put when a worker gets", async (t) => {
      const q = new mp.Queue<number | null>(1, { context });
      const results = new mp.Queue<[string, number, number]>(0, { context });
      const p = track(t, new mp.Process({ context, target: tasks.produce, args: [q, 20, 1] }));
      p.start(); // the producer blocks on the bounded queue until we get
      let sum = 0;
      for (let item = await q.get(); item !== null; item = await q.get()) sum += item;
      assert.equal(sum, 210);
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(results.empty(), true);
    });

    it("one producer, several consumer Processes, ending with sentinels", async (t) => {
      const q = new mp.Queue<number | null>(0, { context });
      const results = new mp.Queue<[string, number, number]>(0, { context });
      const consumers = ["a", "b", "c"].map(
        (who, i) => track(t, new mp.Process({ context, target: tasks.consume, args: [q, results, who, i % 2 === 0] })),
      );
      for (const p of consumers) p.start();
      const n = 300;
      for (let i = 1; i <= n; i++) await q.put(i);
      for (const _ of consumers) await q.put(null);
      const got = [await results.get(), await results.get(), await results.get()];
      for (const p of consumers) await p.join();
      assert.deepEqual(consumers.map((p) => p.exitCode), [0, 0, 0]);
      assert.deepEqual(got.map(([who]) => who).sort(), ["a", "b", "c"]);
      assert.equal(got.reduce((s, [, sum]) => s + sum, 0), (n * (n + 1)) / 2, "every item exactly once");
      assert.equal(got.reduce((s, [, , count]) => s + count, 0), n);
    });

    it("Pool tasks produce and consume through queues passed as arguments", async () => {
      await using pool = new mp.Pool({ processes: 3, context });
      const q = new mp.Queue<number | null>(8, { context });
      const results = new mp.Queue<[string, number, number]>(0, { context });
      const consumed = [pool.apply(tasks.consume, [q, results, "x", true]), pool.apply(tasks.consume, [q, results, "y", false])];
      await pool.apply(tasks.produce, [q, 100, 2]);
      const counts = await Promise.all(consumed);
      assert.equal(counts[0]! + counts[1]!, 100);
      const got = [await results.get(), await results.get()];
      assert.equal(got[0]![1] + got[1]![1], 5050);
    });

    it("a queue in Pool initargs is the same queue in every worker", async () => {
      const q = new mp.Queue<string>(0, { context });
      await using pool = new mp.Pool({ processes: 2, context, initializer: tasks.keepQueue, initargs: [q] });
      const words = ["alpha", "beta", "gamma", "delta"];
      assert.deepEqual(await pool.map(tasks.report, words), [5, 4, 5, 5]);
      const seen = [];
      for (const _ of words) seen.push(await q.get({ timeout: 120 })); // a hang guard
      assert.deepEqual(seen.sort(), [...words].sort());
    });

    it("items bigger than the ring stream through it, both ways", async (t) => {
      const input = new mp.Queue<unknown>(0, { context, capacity: 4096 });
      const output = new mp.Queue<unknown>(0, { context, capacity: 4096 });
      const p = track(t, new mp.Process({ context, target: tasks.echoSync, args: [input, output] }));
      p.start();
      const big = new Float64Array(100_000).map((_, i) => i * 0.5); // 800 KB through a 4 KiB ring
      const text = "x".repeat(50_000);
      // Put and get at once: like a pipe, a ring holds only so much, and the echoer cannot
      // take the next item while its own put waits for us to get.
      const putting = (async () => {
        await input.put(big);
        await input.put({ text, small: 1 });
        await input.put(null);
      })();
      assert.deepEqual(await output.get(), big);
      assert.deepEqual(await output.get(), { text, small: 1 });
      assert.equal(await output.get(), null);
      await putting;
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    it("is async-iterable until the null sentinel, and iter(sentinel) takes any", async () => {
      const q = new mp.SimpleQueue<number | string | null>({ context });
      for (const x of [1, 2, 3, null]) await q.put(x);
      const got = [];
      for await (const x of q) got.push(x);
      assert.deepEqual(got, [1, 2, 3]);
      for (const x of [4, "STOP"]) await q.put(x);
      const more = [];
      for await (const x of q.iter("STOP")) more.push(x);
      assert.deepEqual(more, [4]);
    });

    it("unawaited puts from one handle keep their order", async () => {
      const q = new mp.Queue<number>(0, { context, capacity: 64 });
      const puts = Array.from({ length: 20 }, (_, i) => q.put(i)); // the ring holds only a few
      const got = [];
      for (let i = 0; i < 20; i++) got.push(await q.get());
      await Promise.all(puts);
      assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i));
    });
    if (context === "process") {
      it("a producer killed while holding the ring's lock does not hang the others", async (t) => {
        const q = new mp.Queue<Uint8Array>(0, { context, capacity: 64 });
        const p = track(t, new mp.Process({ context, target: tasks.putBig, args: [q, 100_000] }));
        p.start();
        await waitFor(() => !q.empty(), 10_000, "the big put to start"); // it streams, and waits for room
        p.kill();
        await p.join();
        // Its lock is taken over from the dead pid; half an item is never delivered. An unbounded
        // put does not wait for the lock: its item is buffered, and the flush finds the queue broken.
        const warned = new Promise<Error>((resolve) => process.once("warning", resolve));
        await q.put(new Uint8Array(1));
        await assert.rejects(q.joinThread(), mp.BrokenQueueError);
        assert.equal((await warned as Error & { code?: string }).code, "MULTIPROC_QUEUE_FEED_FAILED");
        await assert.rejects(q.put(new Uint8Array(1)), mp.BrokenQueueError);
        await assert.rejects(q.get({ timeout: 60 }), mp.BrokenQueueError);
        const bounded = new mp.Queue<Uint8Array>(5, { context, capacity: 64 });
        const b = track(t, new mp.Process({ context, target: tasks.putBig, args: [bounded, 100_000] }));
        b.start();
        await waitFor(() => !bounded.empty(), 10_000, "the big put to start");
        b.kill();
        await b.join();
        await assert.rejects(bounded.put(new Uint8Array(1), { timeout: 60 }), mp.BrokenQueueError);
      });
    }

    it("a pool task stopped (timeout or signal) while putSync streams a big item leaves the queue broken, not hung", { timeout: 120_000 }, async () => {
      /** Runs putBig (1 MiB into 64 KiB that nobody reads) as a Pool task, and stops it once it streams. */
      const stopWhileStreaming = async (q: mp.SimpleQueue<Uint8Array>) => {
        await using pool = new mp.Pool(1, { context });
        const ac = new AbortController(); // the same cancel as a timeout: the worker is terminated
        const run = pool.apply(tasks.putBig, [q, 1 << 20], { signal: ac.signal });
        await waitFor(() => !q.empty(), 30_000, "the big put to start"); // it holds the ring's write lock now
        ac.abort();
        await assert.rejects(run, { name: "AbortError" });
      };
      const q = new mp.SimpleQueue<Uint8Array>({ context, capacity: 64 * 1024 });
      await stopWhileStreaming(q);
      // Before: thread context, the put threw Full on an empty queue, the get waited for ever.
      await assert.rejects(q.put(new Uint8Array(1), { timeout: 20 }), mp.BrokenQueueError);
      await assert.rejects(q.get({ timeout: 20 }), mp.BrokenQueueError);
      assert.throws(() => q.putSync(new Uint8Array(1), { timeout: 20 }), mp.BrokenQueueError);
      // A get (with no timeout) that finds the half-written item hears of it too, and a second get.
      const r = new mp.SimpleQueue<Uint8Array>({ context, capacity: 64 * 1024 });
      await stopWhileStreaming(r);
      await assert.rejects(r.get(), mp.BrokenQueueError);
      await assert.rejects(r.get(), mp.BrokenQueueError);
      // And by its timeout, the case of the report: once the worker is up, 2 s is spent streaming.
      const t = new mp.SimpleQueue<Uint8Array>({ context, capacity: 64 * 1024 });
      {
        await using pool = new mp.Pool(1, { context });
        await pool.apply(() => 0);
        await assert.rejects(pool.apply(tasks.putBig, [t, 1 << 20], { timeout: 2 }), { name: "TimeoutError" });
      }
      if (!t.empty()) await assert.rejects(t.get({ timeout: 20 }), mp.BrokenQueueError);
    });

    it("a get that has started reading an item bigger than the ring still honours its timeout, and the item still arrives", { timeout: 60_000 }, async (t) => {
      const q = new mp.SimpleQueue<Uint8Array>({ context, capacity: 4096 });
      const out = new mp.SimpleQueue<[number, number, boolean]>({ context });
      const ready = new mp.Event({ context });
      const p = track(t, new mp.Process({ context, target: tasks.getPatiently, args: [q, out, ready] }));
      p.start();
      assert.ok(await ready.wait(30), "the reader started");
      // This event loop drives the streaming put; it stalls it by spinning 300 ms between turns,
      // while the reader's gets (0.1 s timeouts) wait in the middle of the item.
      const item = new Uint8Array(256 * 1024).map((_, i) => i & 0xff);
      let done = false;
      const putting = q.put(item).finally(() => (done = true));
      while (!done) {
        const until = Date.now() + 300;
        while (Date.now() < until);
        await new Promise((r) => setImmediate(r));
      }
      await putting;
      const [midItem, length, whole] = await out.get({ timeout: 30 });
      assert.equal(length, item.length);
      assert.ok(whole, "the item arrives whole, in order");
      // Before: the first get that began reading it waited until the whole item was there.
      assert.ok(midItem >= 1, `no get gave up while the item was streaming`);
      await p.join(30);
      assert.equal(p.exitCode, 0);
    });
  });

  describe(`Unbounded Queue puts never wait, as in Python (${context})`, () => {
    it("Python's docs pattern: every task put before any worker exists, then workers consume them", { timeout: 120_000 }, async (t) => {
      const todo = new mp.Queue<number | null>(0, { context }); // the default 256 KiB ring: about 32,000 small items
      const done = new mp.Queue<number>(0, { context });
      const n = 50_000;
      for (let i = 0; i < n; i++) await todo.put(i); // before: waited here forever once the ring was full
      assert.equal(todo.qsize(), n, "qsize() counts what this handle buffered");
      const workers = [true, false].map((sync) => track(t, new mp.Process({ context, target: tasks.squareAll, args: [todo, done, sync] })));
      for (const w of workers) w.start();
      let sum = 0;
      for (let i = 0; i < n; i++) sum += await done.get({ timeout: 30 });
      assert.equal(sum, ((n - 1) * n * (2 * n - 1)) / 6, "every square exactly once");
      for (const _ of workers) todo.putNowait(null);
      for (const w of workers) await w.join();
      assert.deepEqual(workers.map((w) => w.exitCode), [0, 0]);
      await todo.joinThread();
      assert.equal(todo.qsize(), 0);
      assert.equal(todo.empty(), true);
    });

    it("one producer's order survives the buffer, across put, putNowait and putSync", { timeout: 60_000 }, async (t) => {
      const q = new mp.Queue<number | null>(0, { context, capacity: 1024 }); // about 128 small items
      const out = new mp.Queue<number[]>(0, { context });
      const pending = [];
      for (let i = 0; i < 2000; i++) {
        if (i % 2) q.putNowait(i); // never Full on an unbounded queue
        else pending.push(q.put(i)); // resolves once buffered
      }
      await Promise.all(pending);
      assert.equal(q.qsize(), 2000);
      assert.equal(q.empty(), false);
      const p = track(t, new mp.Process({ context, target: tasks.collect, args: [q, out] }));
      p.start();
      await waitFor(() => q.qsize() < 2000, 20_000, "the consumer to start");
      q.putSync(2000); // blocks until what this handle buffered, then 2000, is in the ring
      for (let i = 2001; i < 3000; i++) q.putNowait(i);
      await q.put(null);
      assert.deepEqual(await out.get({ timeout: 30 }), range(3000));
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    it("a getSync by the handle that buffered finds its own items (nothing else could move them)", () => {
      const q = new mp.Queue<number>(0, { context, capacity: 64 }); // 8 small items
      for (let i = 0; i < 100; i++) q.putNowait(i);
      const got = [];
      while (!q.empty()) got.push(q.getSync({ timeout: 5 }));
      assert.deepEqual(got, range(100));
    });

    it("a Process that puts more than the ring holds and returns at once: its exit waits, the parent gets everything", { timeout: 60_000 }, async (t) => {
      const q = new mp.Queue<number>(0, { context, capacity: 4096 }); // about 500 small items
      const p = track(t, new mp.Process({ context, target: tasks.putMany, args: [q, 5000, "nowait"] }));
      p.start();
      await waitFor(() => q.qsize() === 5000, 20_000, "the child to put everything");
      await sleep(300);
      assert.equal(p.exitCode, null, "the child waits for its buffer to reach the ring");
      const got = [];
      for (let i = 0; i < 5000; i++) got.push(await q.get({ timeout: 120 })); // a hang guard
      assert.deepEqual(got, range(5000));
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    it("a Pool worker told to exit first writes what its tasks buffered (unawaited puts)", { timeout: 60_000 }, async (t) => {
      const q = new mp.Queue<number>(0, { context, capacity: 4096 });
      const pool = track(t, new mp.Pool({ processes: 1, context }));
      await pool.apply(tasks.putMany, [q, 5000, "put"]);
      pool.close(); // the worker gets "exit" now, with most of its items still buffered
      const got = [];
      for (let i = 0; i < 5000; i++) got.push(await q.get({ timeout: 120 })); // a hang guard
      assert.deepEqual(got, range(5000));
      await pool.join();
    });

    it("cancelJoinThread(): a Process may exit with items still buffered (they are lost)", { timeout: 60_000 }, async () => {
      const q = new mp.Queue<number>(0, { context, capacity: 4096 });
      const p = new mp.Process({ context, target: tasks.putMany, args: [q, 5000, "nowait", true] });
      p.start();
      await p.join(20); // nobody gets: without cancelJoinThread() it would wait forever
      assert.equal(p.exitCode, 0);
      const got = [];
      while (!q.empty()) got.push(q.getNowait());
      assert.ok(got.length > 0 && got.length < 5000, `${got.length} items reached the ring`);
      assert.deepEqual(got, range(got.length));
    });

    it("close() still flushes what this handle buffered; joinThread() waits for it", { timeout: 60_000 }, async (t) => {
      const q = new mp.Queue<number | null>(0, { context, capacity: 64 });
      const out = new mp.Queue<number[]>(0, { context });
      for (let i = 0; i < 100; i++) q.putNowait(i);
      q.putNowait(null);
      q.close();
      assert.throws(() => q.putNowait(1), mp.ClosedError);
      let flushed = false;
      const joined = q.joinThread().then(() => (flushed = true));
      await sleep(100);
      assert.equal(flushed, false, "nobody has got anything yet");
      const p = track(t, new mp.Process({ context, target: tasks.collect, args: [q, out] }));
      p.start();
      await joined;
      assert.deepEqual(await out.get({ timeout: 30 }), range(100));
      await p.join();
    });

    it("a JoinableQueue counts buffered items as unfinished work, and join() waits for them", { timeout: 60_000 }, async (t) => {
      const q = new mp.JoinableQueue<number | null>(0, { context, capacity: 64 });
      const done = new mp.Queue<number>(0, { context });
      for (let i = 1; i <= 200; i++) q.putNowait(i);
      assert.equal(q.unfinishedTasks(), 200);
      const workers = [0, 1].map(() => track(t, new mp.Process({ context, target: tasks.work, args: [q, done] })));
      for (const w of workers) w.start();
      await q.join({ timeout: 30 });
      assert.equal(done.qsize(), 200);
      q.putNowait(null);
      q.putNowait(null);
      for (const w of workers) await w.join();
    });

    it("a script that puts more than the ring holds and ends stays alive until its buffer is in the ring", () => {
      const r = spawnSync(process.execPath, ["--import", "tsx", new URL("./fixtures/queue-put-and-end.ts", import.meta.url).pathname], {
        env: { ...process.env, MULTIPROC_START_METHOD: context },
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const got = Number(/got (\d+)/.exec(r.stdout)?.[1]);
      // The ring holds 8 of the 2000 items; the daemon may also hold one it has not counted yet.
      assert.ok(got >= 1990, `the daemon had got ${got} of 2000 items when the script exited`);
    });

    it("a bounded queue still waits for room, and throws Full", async () => {
      const q = new mp.Queue<number>(3, { context, capacity: 4096 });
      for (let i = 0; i < 3; i++) q.putNowait(i);
      assert.throws(() => q.putNowait(3), mp.Full);
      await assert.rejects(q.put(3, { timeout: 0.1 }), mp.Full);
      assert.throws(() => q.putSync(3, { timeout: 0.05 }), mp.Full);
      let resolved = false;
      const waiting = q.put(3).then(() => (resolved = true));
      await sleep(100);
      assert.equal(resolved, false, "put() waits for a slot");
      assert.equal(q.getNowait(), 0);
      await waiting;
      assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [1, 2, 3]);
      // Bounded by count, but also by the ring's bytes: no buffer either.
      const small = new mp.Queue<number>(1000, { context, capacity: 64 });
      assert.throws(() => {
        for (let i = 0; i < 1000; i++) small.putNowait(i);
      }, mp.Full);
      assert.ok(small.qsize() > 0 && small.qsize() < 1000);
      // SimpleQueue has no feeder in Python either: its put waits for room.
      const simple = new mp.SimpleQueue<number>({ context, capacity: 64 });
      assert.throws(() => {
        for (let i = 0; i < 1000; i++) simple.putNowait(i);
      }, mp.Full);
    });
  });

  describe(`JoinableQueue (${context})`, () => {
    it("join() waits until workers have called taskDone() for every item", async (t) => {
      const q = new mp.JoinableQueue<number | null>(0, { context });
      const done = new mp.Queue<number>(0, { context });
      const workers = [0, 1].map(() => track(t, new mp.Process({ context, target: tasks.work, args: [q, done] })));
      for (const w of workers) w.start();
      for (let i = 1; i <= 10; i++) await q.put(i);
      assert.ok(q.unfinishedTasks() > 0);
      await q.join({ timeout: 20 });
      assert.equal(done.qsize(), 10, "join returned only after every item was processed");
      assert.equal(q.unfinishedTasks(), 0);
      await q.put(null);
      await q.put(null);
      await q.join({ timeout: 20 });
      for (const w of workers) await w.join();
      const doubled = [];
      while (!done.empty()) doubled.push(done.getNowait());
      assert.deepEqual(doubled.sort((a, b) => a - b), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    });

    it("taskDone() too often throws; join() times out while work is unfinished", async () => {
      const q = new mp.JoinableQueue<number>(0, { context });
      assert.throws(() => q.taskDone(), /too many times/);
      await q.join(); // nothing put: returns at once
      await q.put(1);
      await assert.rejects(q.join({ timeout: 0.1 }), { name: "TimeoutError" });
      assert.throws(() => q.joinSync({ timeout: 0.05 }), { name: "TimeoutError" });
      await q.get();
      q.taskDone();
      q.joinSync();
      assert.throws(() => q.taskDone(), /too many times/);
    });
  });

  describe(`getContext("${context}") queues`, () => {
    it("ctx.Queue, ctx.JoinableQueue, ctx.SimpleQueue and ctx.Pipe are for that context", () => {
      const ctx = mp.getContext(context);
      assert.equal(new ctx.Queue(3).context, context);
      assert.equal(new ctx.Queue(3).maxsize, 3);
      assert.equal(new ctx.JoinableQueue().context, context);
      assert.equal(new ctx.SimpleQueue().context, context);
      assert.ok(new ctx.JoinableQueue() instanceof mp.JoinableQueue);
      const [a, b] = ctx.Pipe();
      assert.ok(a instanceof mp.Connection && b.readable && b.writable);
    });
  });
}
