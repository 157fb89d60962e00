// ProcessPoolExecutor / ThreadPoolExecutor, Future, asCompleted and wait, with the runnable
// examples of Python's concurrent.futures documentation ported (the two deadlock examples of
// the docs are not: they show programs that never finish).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, HANG_GUARD_MS, isRunning, sleep, waitFor } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/executor-tasks.ts")>(new URL("./fixtures/executor-tasks.ts", import.meta.url));
const sleepFor = (ms: number) => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms));
/** 0, 1, 2, ... for ever; `seen` counts the items read and notes when the reader closed it. */
function* naturals(seen = { read: 0, closed: false }) {
  try {
    for (let n = 0; ; n++) {
      seen.read++;
      yield n;
    }
  } finally {
    seen.closed = true;
  }
}
const fail = (message: string) => {
  throw new Error(message);
};

for (const context of CONTEXTS) {
  const Executor = context === "process" ? mp.ProcessPoolExecutor : mp.ThreadPoolExecutor;
  const Broken = context === "process" ? mp.BrokenProcessPool : mp.BrokenThreadPool;

  describe(`${Executor.name} (${context})`, () => {
    it("docs example: ThreadPoolExecutor with as_completed over pages (a local HTTP server)", async () => {
      const server = createServer((req, res) => {
        if (req.url === "/missing") {
          res.statusCode = 404;
          res.end("no");
        } else res.end("x".repeat(Number(req.url!.slice(1))));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const URLS = [`${base}/100`, `${base}/2000`, `${base}/missing`, `${base}/30000`, `${base}/5`];
      const loadUrl = async (url: string, timeout: number) => {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeout * 1000) });
        if (!response.ok) throw new Error(`HTTP Error ${response.status}`);
        return new Uint8Array(await response.arrayBuffer());
      };
      const printed: string[] = [];
      try {
        await using executor = new Executor(5);
        const futureToUrl = new Map(URLS.map((url) => [executor.submit(loadUrl, url, 60), url]));
        for await (const future of mp.asCompleted(futureToUrl.keys())) {
          const url = futureToUrl.get(future)!;
          try {
            const data = await future.result();
            printed.push(`'${url}' page is ${data.length} bytes`);
          } catch (exc) {
            printed.push(`'${url}' generated an exception: ${(exc as Error).message}`);
          }
        }
      } finally {
        server.close();
      }
      assert.deepEqual(printed.sort(), [
        `'${base}/100' page is 100 bytes`,
        `'${base}/2000' page is 2000 bytes`,
        `'${base}/30000' page is 30000 bytes`,
        `'${base}/5' page is 5 bytes`,
        `'${base}/missing' generated an exception: HTTP Error 404`,
      ].sort());
    });

    it("docs example: ProcessPoolExecutor map over PRIMES with is_prime", async () => {
      const PRIMES = [112272535095293, 112582705942171, 112272535095293, 115280095190773, 115797848077099, 1099726899285419];
      const isPrime = (n: number) => {
        if (n < 2) return false;
        if (n === 2) return true;
        if (n % 2 === 0) return false;
        const sqrtN = Math.floor(Math.sqrt(n));
        for (let i = 3; i < sqrtN + 1; i += 2) if (n % i === 0) return false;
        return true;
      };
      const lines: string[] = [];
      await using executor = new Executor();
      let i = 0;
      for await (const prime of executor.map(isPrime, PRIMES)) lines.push(`${PRIMES[i++]} is prime: ${prime ? "True" : "False"}`);
      assert.deepEqual(lines, [
        "112272535095293 is prime: True",
        "112582705942171 is prime: True",
        "112272535095293 is prime: True",
        "115280095190773 is prime: True",
        "115797848077099 is prime: True",
        "1099726899285419 is prime: False",
      ]);
    });

    it("docs examples: submit(pow, 323, 1235) and shutdown in a with block (shutil.copy)", async () => {
      {
        await using executor = new Executor(1);
        const future = executor.submit((a: bigint, b: bigint) => a ** b, 323n, 1235n);
        assert.equal(await future.result(), 323n ** 1235n);
      }
      const dir = mkdtempSync(join(tmpdir(), "multiproc-executor-"));
      try {
        for (let i = 1; i <= 4; i++) writeFileSync(join(dir, `src${i}.txt`), `file ${i}`);
        {
          await using e = new Executor(4);
          for (let i = 1; i <= 4; i++) e.submit(tasks.copy, join(dir, `src${i}.txt`), join(dir, `dest${i}.txt`));
        } // as Python's `with`: shutdown(wait=True) waits for the copies
        for (let i = 1; i <= 4; i++) assert.equal(readFileSync(join(dir, `dest${i}.txt`), "utf8"), `file ${i}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("Future: result, exception, done, running, addDoneCallback, result(timeout), await", async () => {
      await using executor = new Executor(2);
      const ok = executor.submit((a: number, b: number) => a + b, 2, 3);
      const bad = executor.submit(fail, "boom");
      assert.ok(ok instanceof mp.Future);
      assert.equal(Object.prototype.toString.call(ok), "[object Future]");
      const called: string[] = [];
      ok.addDoneCallback((f) => called.push(`ok done=${f.done()}`));
      assert.equal(await ok.result(), 5);
      assert.equal(await ok.exception(), null);
      ok.addDoneCallback(() => called.push("added after: at once"));
      assert.deepEqual(called, ["ok done=true", "added after: at once"]);
      assert.equal(((await bad.exception()) as Error).message, "boom");
      await assert.rejects(bad.result(), /boom/);
      assert.equal(bad.done(), true);
      assert.equal(bad.running(), false);
      const slow = executor.submit(sleepFor, 400);
      await sleep(50);
      assert.equal(slow.running(), true);
      await assert.rejects(slow.result(0.05), { name: "TimeoutError" });
      assert.equal(await slow.result(), 400, "a timeout does not stop the task");
      // A callback that throws is reported, and the next one still runs.
      const errors: unknown[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => void errors.push(args);
      try {
        const f = executor.submit(() => 1);
        let second = false;
        f.addDoneCallback(() => {
          throw new Error("bad callback");
        });
        f.addDoneCallback(() => (second = true));
        await f.result();
        assert.equal(second, true);
        assert.equal(errors.length, 1);
      } finally {
        console.error = original;
      }
    });

    it("cancel(): a pending future is cancelled, a running one is not; CancelledError; callbacks see it", async () => {
      await using executor = new Executor(1);
      const running = executor.submit(sleepFor, 300);
      const futures = Array.from({ length: 5 }, (_, i) => executor.submit((n: number) => n, i));
      await sleep(50);
      assert.equal(running.running(), true);
      assert.equal(running.cancel(), false);
      const last = futures.at(-1)!;
      let sawCancel = false;
      last.addDoneCallback((f) => (sawCancel = f.cancelled()));
      assert.equal(last.cancel(), true);
      assert.equal(last.cancel(), true, "again: still cancelled");
      assert.equal(last.cancelled(), true);
      assert.equal(last.done(), true);
      assert.equal(sawCancel, true);
      await assert.rejects(last.result(), mp.CancelledError);
      await assert.rejects(last.exception(), mp.CancelledError);
      assert.deepEqual(await Promise.all(futures.slice(0, -1).map((f) => f.result())), [0, 1, 2, 3]);
      assert.equal(await running.result(), 300);
      assert.equal(running.cancel(), false, "finished");
    });

    it("no unhandled rejections for failed or cancelled futures nobody awaited", async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      try {
        await using executor = new Executor(1);
        const blocker = executor.submit(sleepFor, 200);
        const failed = [1, 2, 3].map((i) => executor.submit(fail, `failure ${i}`));
        const cancelled = executor.submit(() => 0);
        cancelled.cancel();
        await mp.wait([blocker, ...failed, cancelled]);
        await sleep(100);
        // Python's pattern: look at the exceptions later.
        assert.deepEqual(await Promise.all(failed.map(async (f) => ((await f.exception()) as Error).message)), ["failure 1", "failure 2", "failure 3"]);
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
      assert.deepEqual(unhandled, []);
    });

    it("asCompleted yields the futures themselves, each once, done ones first, then in completion order; timeout", async () => {
      // One worker: the futures start in the order submitted, and the shorter ones finish first
      // whether the worker runs them one by one or together; the order given is another one.
      await using executor = new Executor(1);
      const done = executor.submit(() => "first");
      await done.result();
      const fast = executor.submit(sleepFor, 10);
      const medium = executor.submit(sleepFor, 250);
      const slow = executor.submit(sleepFor, 600);
      const order: mp.Future<string | number>[] = [];
      for await (const f of mp.asCompleted<string | number>([slow, medium, fast, done, fast])) {
        assert.ok(f instanceof mp.Future);
        order.push(f);
      }
      assert.deepEqual(order, [done, fast, medium, slow]);
      const never = executor.submit(sleepFor, 2000);
      const seen: mp.Future<string | number>[] = [];
      await assert.rejects(
        (async () => {
          for await (const f of mp.asCompleted<string | number>([done, never], 0.2)) seen.push(f);
        })(),
        (e: Error) => e.name === "TimeoutError" && /1 \(of 2\) futures unfinished/.test(e.message),
      );
      assert.deepEqual(seen, [done]);
    });

    it("wait: ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION and a timeout", async () => {
      await using executor = new Executor(1); // one worker: a future submitted first starts first
      const a = executor.submit(sleepFor, 50);
      const b = executor.submit(sleepFor, 500);
      const first = await mp.wait([a, b], { returnWhen: mp.FIRST_COMPLETED });
      assert.deepEqual([...first.done], [a]);
      assert.deepEqual([...first.notDone], [b]);
      const all = await mp.wait([a, b]);
      assert.equal(all.done.size, 2);
      assert.equal(all.notDone.size, 0);
      const boom = executor.submit(fail, "x");
      const slow = executor.submit(sleepFor, 1500);
      const fe = await mp.wait([slow, boom], { returnWhen: mp.FIRST_EXCEPTION });
      assert.deepEqual([...fe.done], [boom]);
      const timed = await mp.wait([slow], { timeout: 0.05 });
      assert.deepEqual([...timed.notDone], [slow]);
      await assert.rejects(mp.wait([a], { returnWhen: "SOMETIMES" as mp.ReturnWhen }), RangeError);
      assert.throws(() => mp.asCompleted([1 as unknown as mp.Future<number>]), /expected futures/);
    });

    it("map: input order, several iterables zipped to the shortest, chunksize, errors, timeout cancels the rest", async () => {
      await using executor = new Executor(2);
      const collect = async <T>(it: AsyncIterable<T>) => {
        const out: T[] = [];
        for await (const x of it) out.push(x);
        return out;
      };
      const xs = Array.from({ length: 50 }, (_, i) => i);
      assert.deepEqual(await collect(executor.map((n: number) => n * n, xs)), xs.map((n) => n * n));
      assert.deepEqual(await collect(executor.map((a: number, b: string) => `${a}${b}`, [1, 2, 3], ["a", "b"])), ["1a", "2b"]);
      assert.deepEqual(await collect(executor.map((n: number) => -n, new Set(xs), { chunksize: 7 })), xs.map((n) => -n));
      const failOn3 = (n: number) => {
        if (n === 3) throw new Error("three");
        return n;
      };
      await assert.rejects(collect(executor.map(failOn3, xs)), /three/);
      // The pool is warm: the first result is in well before the timeout, the second cannot be
      // (a TimeoutError, not the result, proves the iteration did not wait for it).
      const it = executor.map(sleepFor, [20, 4000, 4000, 4000, 4000, 4000], { timeout: 1.5 });
      assert.equal((await it.next()).value, 20);
      await assert.rejects(it.next(), { name: "TimeoutError" });
      assert.throws(() => executor.map((n: number) => n, 5 as unknown as number[]), /not iterable/);
      assert.throws(() => executor.map((n: number) => n, xs, { chunksize: 0 }), /chunksize must be an integer >= 1/);
    });

    it("map with buffersize (Python 3.14): an endless iterable is read lazily, at most buffersize tasks ahead of the results taken", async () => {
      await using executor = new Executor(2);
      for (const [buffersize, chunksize] of [[1, 1], [3, 1], [2, 5]] as const) {
        const seen = { read: 0, closed: false };
        const taken: number[] = [];
        for await (const x of executor.map((n: number) => n * 2, naturals(seen), { buffersize, chunksize })) {
          taken.push(x);
          // Submitted and not yet yielded: at most buffersize chunks, plus the one being taken (as Python's).
          assert.ok(seen.read <= Math.ceil((taken.length + 1) / chunksize) * chunksize + buffersize * chunksize,
            `buffersize ${buffersize}, chunksize ${chunksize}: ${seen.read} items read after ${taken.length} results`);
          if (taken.length === 12) break;
        }
        assert.deepEqual(taken, Array.from({ length: 12 }, (_, i) => i * 2));
        assert.equal(seen.closed, true, "leaving the loop closes the input");
      }
      // Without buffersize every call is submitted at once (Python's default): the input is read whole by map().
      let read = 0;
      const counted = function* () {
        for (let n = 0; n < 20; n++, read++) yield n;
      };
      const all = executor.map((n: number) => n, counted());
      assert.equal(read, 20);
      for await (const _ of all);
      assert.throws(() => executor.map((n: number) => n, [1], { buffersize: 0 }), /buffersize must be an integer >= 1/);
      assert.throws(() => executor.map((n: number) => n, [1], { buffersize: 1.5 }), /buffersize must be an integer >= 1/);
      // A lazy submit after shutdown fails as submit() does, and the iteration says so.
      const late = new Executor(1);
      const it = late.map((n: number) => n, naturals(), { buffersize: 1 });
      assert.equal((await it.next()).value, 0);
      await late.shutdown({ wait: false });
      await assert.rejects(async () => {
        for (;;) if ((await it.next()).done) break;
      }, (e: Error) => e instanceof mp.PoolClosedError && /cannot schedule new futures after shutdown/.test(e.message));
      await late.shutdown();
    });

    it("shutdown: no more submits; cancelFutures cancels what has not started; wait waits for the rest", async () => {
      const executor = new Executor(1);
      const running = executor.submit(sleepFor, 200);
      const queued = Array.from({ length: 4 }, () => executor.submit(sleepFor, 10));
      await sleep(50);
      await executor.shutdown({ wait: true, cancelFutures: true });
      assert.equal(running.done(), true);
      assert.equal(await running.result(), 200);
      assert.ok(queued.filter((f) => f.cancelled()).length >= 2, "the futures not yet handed to the pool are cancelled");
      assert.throws(() => executor.submit(() => 1), (e: Error) => e instanceof mp.PoolClosedError && /cannot schedule new futures after shutdown/.test(e.message));
      const lazy = new Executor(2);
      await lazy.shutdown(); // never started a worker
      const later = new Executor(1);
      const f = later.submit(sleepFor, 100);
      await later.shutdown({ wait: false });
      assert.equal(await f.result(), 100, "shutdown without wait lets pending work finish");
    });

    it(`terminateWorkers / killWorkers (Python 3.14): the running future fails with ${Broken.name}, the pending one is cancelled, the workers are gone`, async () => {
      // A task that never returns, and one whose process ignores SIGTERM (the thread context has no signals: both stop).
      const forever = () => new Promise(() => setInterval(() => {}, 1000));
      const stubborn = (marker: string) => {
        process.on("SIGTERM", () => {});
        process.getBuiltinModule("node:fs").writeFileSync(marker, String(process.pid));
        const until = Date.now() + 600_000;
        while (Date.now() < until);
      };
      for (const how of ["terminateWorkers", "killWorkers"] as const) {
        const executor = new Executor(1);
        // The process executor hands its pool one call more than it has workers, as Python's call
        // queue does: that one counts as running too, and fails like the running one.
        const futures = [executor.submit(forever), executor.submit(() => "queued"), executor.submit(() => "pending")];
        const handed = futures.filter((f) => f.running());
        assert.ok(handed.includes(futures[0]!), "the first call is handed to the pool at submit()");
        await executor[how]();
        for (const future of handed) {
          const error = await future.exception(HANG_GUARD_MS / 1000);
          assert.ok(error instanceof Broken, `${how}: a running future fails with ${Broken.name}, got ${String(error)}`);
          assert.match((error as Error).message, how === "killWorkers" ? /workers were killed \(killWorkers\(\)\)/ : /workers were terminated \(terminateWorkers\(\)\)/);
        }
        assert.equal(futures[2]!.cancelled(), true, `${how}: the future not handed to the pool is cancelled`);
        assert.equal(futures.filter((f) => f.cancelled()).length, futures.length - handed.length);
        assert.throws(() => executor.submit(() => 1), Broken);
        await executor.shutdown(); // after a forced stop, shutdown() returns: nothing is left to wait for
      }
      if (context === "process") {
        // SIGTERM is ignored by this task: terminateWorkers() cannot stop it, killWorkers() then does.
        const dir = mkdtempSync(join(tmpdir(), "mp-exec-kill-"));
        try {
          const marker = join(dir, "pid");
          const executor = new Executor(1);
          const running = executor.submit(stubborn, marker);
          await waitFor(() => existsSync(marker) && readFileSync(marker, "utf8").length > 0);
          const pid = Number(readFileSync(marker, "utf8"));
          const terminated = executor.terminateWorkers();
          assert.ok((await running.exception(HANG_GUARD_MS / 1000)) instanceof Broken);
          await sleep(300);
          assert.equal(isRunning(pid), true, "a worker that ignores SIGTERM outlives terminateWorkers()");
          await executor.killWorkers();
          await terminated;
          await waitFor(() => !isRunning(pid));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });

    it("a dead worker fails its future alone (WorkerLostError); the executor goes on", async () => {
      await using executor = new Executor(2);
      const dies = executor.submit(() => process.exit(3));
      const lives = executor.submit(sleepFor, 100);
      await assert.rejects(dies.result(), mp.WorkerLostError);
      assert.equal(await lives.result(), 100);
      assert.equal(await executor.submit(() => "still works").result(), "still works");
    });

    it(`an initializer that fails breaks the executor: ${Broken.name} with the cause, on pending futures and later submits`, async () => {
      const executor = new Executor(1, {
        initializer: () => {
          throw new Error("no setup");
        },
      });
      const futures = [1, 2, 3].map((n) => executor.submit((x: number) => x, n));
      for (const f of futures) {
        const error = (await f.exception()) as Error;
        assert.ok(error instanceof Broken, String(error));
        assert.ok(error instanceof mp.BrokenExecutor);
        assert.ok(error.cause instanceof mp.InitializerError);
        assert.match(error.message, /no setup/);
      }
      assert.throws(() => executor.submit(() => 1), Broken);
      await executor.shutdown();
    });

    it("bad input: a closure, a bad maxWorkers, a bad timeout", async () => {
      const outer = 3;
      await using executor = new Executor(1);
      assert.throws(() => executor.submit(() => outer), mp.ClosureError);
      assert.throws(() => new Executor(0), /maxWorkers must be an integer >= 1/);
      assert.throws(() => new Executor(1, { initializer: () => outer }), mp.ClosureError);
      const badPool = new Executor(1, { maxTasksPerChild: -1 });
      const error = (await badPool.submit(() => 1).exception()) as Error;
      assert.ok(error instanceof mp.BrokenExecutor && error.cause instanceof RangeError, String(error));
      await assert.rejects(executor.submit(() => 1).result(-1), RangeError);
    });
  });
}
