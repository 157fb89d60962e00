// Batching and dispatch (src/pool/scheduler.ts): many tiny tasks travel together, and that
// must never change what each caller gets back.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { ChildProcess } from "node:child_process";
import { Worker } from "node:worker_threads";
import { CONTEXTS } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/tasks.ts")>(new URL("./fixtures/tasks.ts", import.meta.url));

for (const context of CONTEXTS) {
  describe(`batching (${context})`, () => {
    it("thousands of tiny tasks in bursts: each caller gets its own result, in order", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      for (let round = 0; round < 3; round++) {
        const n = 5000;
        const results = await Promise.all(Array.from({ length: n }, (_, i) => pool.apply((x: number, r: number) => x * 3 + r, [i, round])));
        assert.deepEqual(results, Array.from({ length: n }, (_, i) => i * 3 + round));
      }
    });

    it("errors inside a batch reach exactly their own callers", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 3000 }, (_, i) =>
          pool.apply((x: number) => {
            if (x % 7 === 3) throw new RangeError(`bad ${x}`);
            return -x;
          }, [i]),
        ),
      );
      outcomes.forEach((o, i) => {
        if (i % 7 === 3) {
          assert.equal(o.status, "rejected");
          assert.equal((o as PromiseRejectedResult).reason.message, `bad ${i}`);
        } else {
          assert.deepEqual(o, { status: "fulfilled", value: -i });
        }
      });
    });

    it("in one batch, thrown errors and results that cannot be cloned each reach their own caller", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      await Promise.all(Array.from({ length: 500 }, (_, i) => pool.apply((x: number) => x, [i])));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 600 }, (_, i) =>
          pool.apply((x: number) => {
            if (x % 5 === 1) throw new Error(`thrown ${x}`);
            if (x % 5 === 3) return { x, fn: () => x };
            return x;
          }, [i]),
        ),
      );
      outcomes.forEach((o, i) => {
        if (i % 5 === 1) assert.equal((o as PromiseRejectedResult).reason.message, `thrown ${i}`);
        else if (i % 5 === 3) assert.equal((o as PromiseRejectedResult).reason.name, "CloneError", `task ${i}`);
        else assert.deepEqual(o, { status: "fulfilled", value: i });
      });
    });

    it("a crash in the middle of a batch loses no other task's result", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      // Warm up so that the pool knows the tasks are tiny and batches them.
      await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.apply((x: number) => x, [i])));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 2000 }, (_, i) => pool.apply((x: number) => (x === 1234 ? process.exit(9) : x + 1), [i])),
      );
      outcomes.forEach((o, i) => {
        if (i === 1234) {
          assert.equal(o.status, "rejected");
          assert.equal((o as PromiseRejectedResult).reason.name, "WorkerLostError");
          assert.equal((o as PromiseRejectedResult).reason.exitCode, 9);
        } else {
          assert.deepEqual(o, { status: "fulfilled", value: i + 1 });
        }
      });
    });

    it("a pool warmed up by tiny tasks does not batch a new, heavy function", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      await bothWorkersReady(pool);
      await Promise.all(Array.from({ length: 3000 }, (_, i) => pool.apply((x: number) => x, [i])));
      // One slow task and four quick ones: the worker that takes the slow one must not also
      // have been handed quick ones up front. The slow one lasts until the other worker has run
      // all four (no clock involved: on a busy machine the quick ones may take any time).
      const done = new mp.Value("i", 0, { context, lock: false });
      const args: ["slow" | "quick", mp.Value<"i">, number][] = [["slow", done, 4], ...Array.from({ length: 4 }, () => ["quick", done, 4] as ["quick", mp.Value<"i">, number])];
      const ran = await pool.starmap(tasks.placed, args, { chunksize: 1 });
      assert.equal(ran.filter((w) => w === ran[0]).length, 1, `workers: ${ran.join(", ")}`);
    });

    it("a lone task leaves at once, while a burst is in flight", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      assert.equal(await pool.apply(() => "first"), "first");
      const burst = Promise.all(Array.from({ length: 5000 }, (_, i) => pool.apply((x: number) => x, [i])));
      const lone = await pool.apply(() => "lone");
      assert.equal(lone, "lone");
      assert.equal((await burst).length, 5000);
    });

    it("a lone call and its result travel as one flat array each; an unclonable lone result still says why", async () => {
      const sent: unknown[] = [];
      const received: unknown[] = [];
      const restore = spyOnMessages(sent, received);
      try {
        await using pool = new mp.Pool({ processes: 1, context });
        const double = (x: number) => x * 2;
        assert.equal(await pool.apply(double, [1]), 2); // the first call also defines the function
        sent.length = 0;
        received.length = 0;
        assert.equal(await pool.apply(double, [21]), 42);
        const [tag, id, value] = received[0] as [number, number, unknown];
        assert.deepEqual([received.length, tag, value], [1, 1, 42]);
        // A child process's send() is its own, not the prototype's: only threads show what went out.
        if (context === "thread") assert.deepEqual(sent, [[0, id, (sent[0] as number[])[2], 0, 21]]);
        const err = await pool.apply(() => Symbol("no")).catch((e: unknown) => e);
        assert.ok(err instanceof mp.CloneError, String(err));
        assert.equal(err.path, "result");
      } finally {
        restore();
      }
    });

    it("retries: worker losses are retried; thrown errors only with retryErrors", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const flaky = (marker: string) => {
        // Fails the first time in each worker, by design: a fresh worker has no marker.
        const g = globalThis as { seen?: Set<string> };
        g.seen ??= new Set();
        if (!g.seen.has(marker)) {
          g.seen.add(marker);
          throw new Error("first try fails");
        }
        return "second try works";
      };
      await assert.rejects(pool.apply(flaky, ["a"], { retries: 2 }), /first try fails/);
      assert.equal(await pool.apply(flaky, ["b"], { retries: 2, retryErrors: true }), "second try works");
    });

    it("a callback or errorCallback that throws rejects that call only; the pool goes on", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const bad = pool.applyAsync((x: number) => x, [1], { callback: () => { throw new Error("callback broke"); } });
      await assert.rejects(bad, /callback broke/);
      const bad2 = pool.applyAsync(() => { throw new Error("task"); }, [], { errorCallback: () => { throw new Error("errorCallback broke"); } });
      await assert.rejects(bad2, /errorCallback broke/);
      assert.equal(await pool.apply((x: number) => x * 2, [21]), 42);
    });

    it("an error whose parts cannot be cloned still arrives as an error", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const err = (await pool.apply(() => {
        const e = new Error("with a function inside") as Error & { handler?: unknown };
        e.handler = () => 1;
        throw e;
      }).catch((e: unknown) => e)) as Error & { handler?: unknown };
      assert.ok(err instanceof Error);
      assert.equal(err.message, "with a function inside");
      assert.equal(typeof err.handler, "string");
      const thrownFn = await pool.apply(() => { throw () => 1; }).catch((e: unknown) => e);
      assert.equal(typeof thrownFn, "string");
    });
  });
}

describe("transferResult (thread)", () => {
  it("moves the result's buffer back instead of copying it; without it the worker keeps its own", async () => {
    await using pool = new mp.Pool({ processes: 1, context: "thread" });
    const copied = await pool.apply(tasks.keepAndReturn, [1024]);
    assert.equal(copied[1023], 2);
    assert.equal(await pool.apply(tasks.keptBytes), 8192, "copied: the worker's array is intact");
    const moved = await pool.apply(tasks.keepAndReturn, [1024], { transferResult: true });
    assert.equal(moved[1023], 2);
    assert.equal(await pool.apply(tasks.keptBytes), 0, "transferred: the worker's buffer is detached");
  });
});

/** Until both workers of a 2-worker pool answer (a loaded machine can start one much later). */
async function bothWorkersReady(pool: mp.Pool): Promise<void> {
  const whoAfter = async (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end);
    return `${process.pid}/${(await import("node:worker_threads")).threadId}`;
  };
  for (let i = 0; i < 100; i++) {
    if (new Set(await pool.map(whoAfter, [30, 30], { chunksize: 1 })).size === 2) return;
  }
  throw new Error("the pool's second worker never answered");
}

type Methods = Record<string, (...a: unknown[]) => unknown>;

/** Records what the parent posts to thread workers and what any worker sends it; returns the undo. */
function spyOnMessages(sent: unknown[], received: unknown[]): () => void {
  const worker = Worker.prototype as unknown as Methods;
  const postMessage = worker.postMessage!;
  worker.postMessage = function (this: unknown, msg: unknown, ...rest: unknown[]) {
    sent.push(msg);
    return postMessage.call(this, msg, ...rest);
  };
  const emits = [Worker.prototype, ChildProcess.prototype].map((proto) => {
    const p = proto as unknown as Methods;
    const emit = p.emit!;
    p.emit = function (this: unknown, event: unknown, ...args: unknown[]) {
      if (event === "message") received.push(args[0]);
      return emit.call(this, event, ...args);
    };
    return () => (p.emit = emit);
  });
  return () => {
    worker.postMessage = postMessage;
    for (const undo of emits) undo();
  };
}
