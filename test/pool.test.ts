import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as mp from "multiproc";
import { CONTEXTS, HANG_GUARD_MS, liveChildren, sleep, track, waitFor } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/tasks.ts")>(new URL("./fixtures/tasks.ts", import.meta.url));

for (const context of CONTEXTS) {
  describe(`Pool (${context})`, () => {
    it("map returns results in input order, with Python's default chunksize or a given one", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const xs = Array.from({ length: 101 }, (_, i) => i);
      assert.deepEqual(await pool.map((n: number) => n * n, xs), xs.map((n) => n * n));
      assert.deepEqual(await pool.map((n: number) => n + 1, xs, { chunksize: 7 }), xs.map((n) => n + 1));
      assert.deepEqual(await pool.map((n: number) => n, []), []);
      assert.deepEqual(await pool.map((s: string) => s.toUpperCase(), new Set(["a", "b"])), ["A", "B"]);
      async function* gen() {
        yield 1;
        yield 2;
      }
      assert.deepEqual(await pool.map((n: number) => -n, gen()), [-1, -2]);
    });

    it("starmap spreads each argument list", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      assert.deepEqual(await pool.starmap((a: number, b: number) => a * b, [[1, 2], [3, 4], [5, 6]]), [2, 12, 30]);
    });

    it("apply, applyAsync with callbacks, and Python's AsyncResult methods", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      assert.equal(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
      assert.equal(await pool.apply(() => "no args"), "no args");
      let seen: unknown;
      const r = pool.applyAsync((x: number) => x * 10, [4], { callback: (v) => (seen = v) });
      assert.equal(r.ready(), false);
      assert.equal(await r.get(5), 40);
      assert.equal(seen, 40);
      assert.equal(r.ready(), true);
      assert.equal(r.successful(), true);
      let caught: unknown;
      const bad = pool.applyAsync(() => { throw new Error("nope"); }, [], { errorCallback: (e) => (caught = e) });
      await bad.wait();
      assert.equal(bad.successful(), false);
      assert.equal((caught as Error).message, "nope");
      await assert.rejects(bad, /nope/);
      const slow = pool.applyAsync((ms: number) => new Promise((res) => setTimeout(() => res("late"), ms)), [400]);
      await assert.rejects(slow.get(0.05), { name: "TimeoutError" });
      assert.equal(await slow, "late");
    });

    it("values round-trip by structured clone: Map, Set, Date, BigInt, typed arrays, cycles, Error", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const cyclic: { self?: unknown; n: number } = { n: 1 };
      cyclic.self = cyclic;
      const value = [new Map([["k", new Set([1, 2])]]), new Date(0), 2n ** 70n, new Float64Array([1.5, 2.5]), cyclic, new RangeError("r")];
      const back = (await pool.apply((v: unknown) => v, [value])) as typeof value;
      assert.deepEqual(back.slice(0, 4), value.slice(0, 4));
      const c = back[4] as typeof cyclic;
      assert.equal(c.self, c);
      assert.ok(back[5] instanceof RangeError);
    });

    it("imap yields in input order and imapUnordered in completion order", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const delay = (ms: number) => new Promise((res) => setTimeout(() => res(ms), ms));
      const ordered: unknown[] = [];
      for await (const v of pool.imap(delay, [300, 10, 20])) ordered.push(v);
      assert.deepEqual(ordered, [300, 10, 20]);
      const unordered: unknown[] = [];
      for await (const v of pool.imapUnordered(delay, [300, 10])) unordered.push(v);
      assert.deepEqual(unordered, [10, 300]);
    });

    it("imap reads an endless generator lazily, a bounded distance ahead", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      let pulled = 0;
      function* naturals() {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      }
      const got: number[] = [];
      for await (const v of pool.imap((n: number) => n * 2, naturals())) {
        got.push(v);
        if (got.length === 50) break;
      }
      assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i * 2));
      assert.ok(pulled < 50 + 2000, `read ${pulled} items ahead`);
      // Async input and chunks, too.
      async function* letters() {
        for (const c of "abcdef") yield c;
      }
      const out: string[] = [];
      for await (const v of pool.imap((s: string) => s + s, letters(), { chunksize: 4 })) out.push(v);
      assert.deepEqual(out, ["aa", "bb", "cc", "dd", "ee", "ff"]);
    });

    it("imap throws a task's error at its position", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const got: number[] = [];
      await assert.rejects(async () => {
        for await (const v of pool.imap((n: number) => { if (n === 3) throw new Error("three"); return n; }, [0, 1, 2, 3, 4])) got.push(v);
      }, /three/);
      assert.deepEqual(got, [0, 1, 2]);
    });

    it("functions from a TypeScript module, with imports, module state and currentProcess()", async () => {
      await using pool = new mp.Pool({ processes: 2, context, initializer: tasks.setGreeting, initargs: ["hello"] });
      assert.deepEqual(await pool.map(tasks.square, [1, 2, 3]), [1, 4, 9]);
      assert.equal(await pool.apply(tasks.sha1, ["abc"]), "a9993e364706816aba3e25717850c26c9cd0d89d");
      assert.equal(await pool.apply(tasks.norm, [{ x: 3, y: 4 }]), 5);
      // The initializer ran in every worker before its first task.
      assert.deepEqual(await pool.map(tasks.getGreeting, [0, 1, 2, 3], { chunksize: 1 }), ["hello", "hello", "hello", "hello"]);
      const me = await pool.apply(tasks.whoAmI);
      assert.match(me.name, /^PoolWorker-\d+$/);
      assert.equal(me.parentPid, process.pid);
      if (context === "process") assert.notEqual(me.pid, process.pid);
      else assert.equal(me.pid, process.pid);
    });

    it("maxTasksPerChild replaces a worker after N tasks", async () => {
      await using pool = new mp.Pool({ processes: 1, context, maxTasksPerChild: 2 });
      const counts: number[] = [];
      for (let i = 0; i < 6; i++) counts.push(await pool.apply(tasks.countCalls));
      assert.deepEqual(counts, [1, 2, 1, 2, 1, 2]);
    });

    // The last tasks a worker is given (maxTasksPerChild) may wait in it for their function's
    // import while the task before them runs: when that one ends, the worker must not take its
    // "exit" for "idle". Deterministic: task A runs until the worker has received "exit" (which
    // the pool sends right after B), and B's import waits for a file written once A is answered.
    for (const shape of ["applyAsync", "map chunks"] as const) {
      it(`maxTasksPerChild: a worker runs the tasks it was given that wait for an import before it exits (${shape})`, { timeout: 2 * HANG_GUARD_MS }, async (t) => {
        const dir = mkdtempSync(join(tmpdir(), "mp-gate-"));
        const gate = join(dir, "open");
        writeFileSync(gate, "");
        const gated = mp.tasksFrom<typeof import("./fixtures/gated-import.ts")>(
          `${new URL("./fixtures/gated-import.ts", import.meta.url).href}?gate=${encodeURIComponent(gate)}`,
        );
        const quota = shape === "applyAsync" ? 3 : 4;
        try {
          // Not `await using`: its close() and join() would wait for ever for a worker a failed test left waiting for the gate.
          const pool = track(t, new mp.Pool({ processes: 1, context, maxTasksPerChild: quota }));
          // The first worker: the pool learns that double is quick, so it sends one behind a running task.
          assert.deepEqual(await pool.map(gated.double, [1, 2, 3, 4].slice(0, quota), { chunksize: 1 }), [2, 4, 6, 8].slice(0, quota));
          rmSync(gate); // the next worker's import of gated-import.ts waits
          assert.equal(await pool.apply(tasks.untilToldToExit, [false]), false); // defines A's function in the second worker
          const a = pool.applyAsync(tasks.untilToldToExit, [true]); // A
          await turn(); // A leaves alone: a batch of A and B would wait for B's import as a whole
          const b = shape === "applyAsync" ? pool.applyAsync(gated.double, [5]).get() : pool.map(gated.double, [5, 6, 7, 8, 9], { chunksize: 1 });
          await a; // true when B was sent while A ran (the case of interest); false if the pool waited for A
          writeFileSync(gate, "");
          assert.deepEqual(await b, shape === "applyAsync" ? 10 : [10, 12, 14, 16, 18]);
          assert.deepEqual(await pool.map(gated.double, [1, 2], { chunksize: 1 }), [2, 4]);
          pool.close();
          await pool.join();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    it("an error thrown in a task arrives whole: class, message, stack, cause, own properties", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const err = (await pool.apply(tasks.fail, ["bad range"]).catch((e: unknown) => e)) as RangeError & { code: string; cause: Error };
      assert.ok(err instanceof RangeError);
      assert.equal(err.name, "RangeError");
      assert.equal(err.message, "bad range");
      assert.equal(err.code, "E_FIXTURE");
      assert.equal(err.cause.message, "the cause");
      assert.match(err.stack!, /at fail \(.*tasks\.ts/);
      assert.match(err.stack!, /called from[\s\S]*pool\.test\.ts/);
      class CustomError extends Error {}
      void CustomError;
      const custom = await pool.apply(() => { class MyError extends Error { override name = "MyError"; } throw new MyError("mine"); }).catch((e: Error) => e);
      assert.equal((custom as Error).name, "MyError");
      assert.equal(await pool.apply(() => { throw "a string"; }).catch((e: unknown) => e), "a string");
      assert.deepEqual(await pool.apply(() => { throw { code: 7 }; }).catch((e: unknown) => e), { code: 7 });
    });

    it("an argument that cannot be cloned is named, with its path, and the pool goes on", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      await assert.rejects(pool.apply((o: unknown) => o, [{ ok: 1, deep: { fn: () => 1 } }]), (e: Error & { path?: string }) => {
        assert.equal(e.name, "CloneError");
        assert.equal(e.path, "args[0].deep.fn");
        assert.match(e.message, /args\[0\]\.deep\.fn cannot be sent to a worker: it is a function/);
        return true;
      });
      await assert.rejects(pool.map((o: unknown) => o, [1, 2, Symbol("s")]), /item 2 cannot be sent/);
      assert.equal(await pool.apply((n: number) => n + 1, [1]), 2);
      await assert.rejects(pool.apply(() => ({ f: () => 0 })), (e: Error) => e.name === "CloneError" && /result\.f/.test(e.message));
      assert.equal(await pool.apply((n: number) => n + 1, [2]), 3);
    });

    it("an inline function that captures outer variables is rejected, naming them", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const factor = 3;
      const offset = 1;
      await assert.rejects(pool.map((n: number) => n * factor + offset, [1]), (e: Error & { captured?: string[] }) => {
        assert.equal(e.name, "ClosureError");
        assert.deepEqual(e.captured, ["factor", "offset"]);
        assert.match(e.message, /"factor", "offset"/);
        assert.match(e.message, /tasksFrom/);
        return true;
      });
    });

    it("a worker that exits mid-task fails that task with WorkerLostError; the pool goes on", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const err = (await pool.apply(() => process.exit(3)).catch((e: unknown) => e)) as mp.WorkerLostError;
      assert.equal(err.name, "WorkerLostError");
      assert.equal(err.exitCode, 3);
      assert.match(err.message, /exited with code 3 while running task \d+/);
      assert.deepEqual(await pool.map((n: number) => n * 2, [1, 2, 3, 4]), [2, 4, 6, 8]);
      await assert.rejects(pool.map((n: number) => (n === 2 ? process.exit(5) : n), [0, 1, 2, 3], { chunksize: 1 }), { name: "WorkerLostError" });
      const others = await Promise.all([1, 2, 3].map((n) => pool.apply((x: number) => x, [n])));
      assert.deepEqual(others, [1, 2, 3]);
    });

    it("an inline function is compiled once per worker, not once per task; esbuild's __name works", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const counter = function count(): number {
        const self = count as unknown as { calls?: number };
        self.calls = (self.calls ?? 0) + 1;
        return self.calls;
      };
      assert.deepEqual(await Promise.all([pool.apply(counter), pool.apply(counter), pool.apply(counter)]), [1, 2, 3]);
      // Named inner functions and classes make esbuild (under tsx) emit __name(...) calls.
      const withHelpers = (n: number) => {
        function double(x: number) {
          return x * 2;
        }
        class Box {
          constructor(readonly v: number) {}
        }
        return new Box(double(n)).v;
      };
      assert.equal(await pool.apply(withHelpers, [21]), 42);
    });

    it("`using` and `await using` work in inline functions (tsx lowers them to helpers the worker supplies)", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const disposals = async (fail: boolean) => {
        const log: string[] = [];
        try {
          await using a = { async [Symbol.asyncDispose]() { log.push("a"); } };
          using b = { [Symbol.dispose]() { log.push("b"); if (fail) throw new Error("b failed"); } };
          log.push(`body ${typeof a} ${typeof b}`);
        } catch (error) {
          log.push(`caught ${(error as Error).message}`);
        }
        return log;
      };
      assert.deepEqual(await pool.apply(disposals, [false]), ["body object object", "b", "a"]);
      assert.deepEqual(await pool.apply(disposals, [true]), ["body object object", "b", "a", "caught b failed"]);
    });

    it("timeouts and signals on map, starmap and imap too", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      await assert.rejects(pool.map(tasks.spin, [10_000, 10_000, 10_000], { timeout: 0.3, chunksize: 1 }), { name: "TimeoutError" });
      await assert.rejects(pool.starmap(tasks.slowDouble, [[1, 10_000]], { timeout: 0.2 }), { name: "TimeoutError" });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      await assert.rejects(async () => {
        for await (const _ of pool.imap(tasks.spin, [10_000, 10_000], { signal: ac.signal })) void _;
      }, { name: "AbortError" });
      assert.deepEqual(await pool.map((n: number) => n, [1, 2]), [1, 2]);
    });

    it("timeout and AbortSignal: a running task's worker is replaced, queued ones are dropped", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const started = Date.now();
      await assert.rejects(pool.apply(tasks.spin, [10_000], { timeout: 0.3 }), { name: "TimeoutError" });
      assert.ok(Date.now() - started < 30_000, "the 10 s task was stopped by the 0.3 s timeout");
      const ac = new AbortController();
      const running = pool.apply(tasks.spin, [10_000], { signal: ac.signal });
      const queued = pool.apply((n: number) => n, [1], { signal: ac.signal });
      setTimeout(() => ac.abort(), 200);
      await assert.rejects(running, { name: "AbortError" });
      await assert.rejects(queued, { name: "AbortError" });
      assert.equal(await pool.apply((n: number) => n * 3, [3]), 9);
    });

    it("close() then join() finishes queued work; terminate() rejects what is pending", async () => {
      const pool = new mp.Pool({ processes: 2, context });
      const results = [1, 2, 3, 4].map((n) => pool.apply(tasks.slowDouble, [n, 50]));
      pool.close();
      await assert.rejects(pool.apply((n: number) => n, [1]), { name: "PoolClosedError" });
      await pool.join();
      assert.deepEqual(await Promise.all(results), [2, 4, 6, 8]);

      const pool2 = new mp.Pool({ processes: 1, context });
      await assert.rejects(pool2.join(), /still running/);
      const pending = pool2.apply(tasks.slowDouble, [1, 5000]);
      const queued = pool2.apply(tasks.slowDouble, [2, 5000]);
      const rejected = Promise.all([
        assert.rejects(pending, { name: "PoolClosedError" }),
        assert.rejects(queued, { name: "PoolClosedError" }),
      ]);
      await sleep(100);
      await pool2.terminate();
      await rejected;
      await assert.rejects(pool2.map((n: number) => n, [1]), /terminated/);
    });

    it("an initializer that throws rejects the pending and following calls, without respawning", async () => {
      const pool = new mp.Pool({ processes: 2, context, initializer: tasks.fail, initargs: ["init failed"] });
      const err = (await pool.apply((n: number) => n, [1]).catch((e: unknown) => e)) as Error & { cause: Error };
      assert.equal(err.name, "InitializerError");
      assert.equal(err.cause.message, "init failed");
      await assert.rejects(pool.map((n: number) => n, [1, 2]), { name: "InitializerError" });
      await pool.terminate();
    });

    it("await using closes and joins: no worker is left", async () => {
      const before = liveChildren().length;
      {
        await using pool = new mp.Pool({ processes: 2, context });
        assert.equal(await pool.apply(() => 1), 1);
        if (context === "process") assert.equal(liveChildren().length, before + 2);
      }
      await waitFor(() => liveChildren().length === before, 3000, "children to exit");
    });

    it("bad input fails with errors that say what is wrong", async () => {
      assert.throws(() => new mp.Pool({ processes: 0, context }), /processes must be an integer >= 1, got 0/);
      assert.throws(() => new mp.Pool(-1), RangeError);
      assert.throws(() => new mp.Pool(1.5), RangeError);
      assert.throws(() => new mp.Pool({ processes: 1, context, maxTasksPerChild: 0 }), /maxTasksPerChild/);
      assert.throws(() => new mp.Pool({ processes: 1, context: "fork" as never }), /cannot fork/);
      await using pool = new mp.Pool({ processes: 1, context });
      await assert.rejects(pool.map((n: number) => n, 5 as never), /expected an iterable/);
      await assert.rejects(pool.map((n: number) => n, [1], { chunksize: 0 }), /chunksize must be an integer >= 1, got 0/);
      await assert.rejects(pool.map("square" as never, [1]), /must be a function or a module reference/);
      await assert.rejects(pool.apply((n: number) => n, [1], { timeout: -1 }), /timeout must be/);
      assert.throws(() => pool.imap((n: number) => n, null as never), TypeError);
      await assert.rejects(pool.apply(tasks.square as never, [1]).then(() => pool.apply(mp.tasksFrom<{ nope: () => void }>(new URL("./fixtures/tasks.ts", import.meta.url)).nope)), /no exported function "nope"/);
    });
  });
}

describe("Pool (thread) transfer", () => {
  it("moves an ArrayBuffer instead of copying it", async () => {
    await using pool = new mp.Pool({ processes: 1, context: "thread" });
    const data = new Float64Array(1024).fill(2);
    const sum = await pool.apply((a: Float64Array) => a.reduce((s, v) => s + v, 0), [data], { transfer: [data.buffer] });
    assert.equal(sum, 2048);
    assert.equal(data.buffer.byteLength, 0, "the parent's buffer was detached");
  });
});
