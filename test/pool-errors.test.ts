// Errors keep their class across the boundary, as pickle restores exceptions by reference: a class
// a task module exports, and multiproc's own. Every multiproc error is a MultiprocError with a
// stable code, and every timeout is an mp.TimeoutError.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { ParseError, WrappedError } from "./fixtures/error-tasks.ts";
import { CONTEXTS } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/error-tasks.ts")>(new URL("./fixtures/error-tasks.ts", import.meta.url));

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected a rejection");
}

for (const context of CONTEXTS) {
  describe(`errors keep their class (${context})`, () => {
    it("an error class exported by the task's module arrives as an instance of it: instanceof, methods, own properties, causes", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const err = await caught(pool.apply(tasks.parse, ["x"]));
      assert.ok(err instanceof ParseError, `got ${Object.prototype.toString.call(err)} ${err.name}`);
      assert.equal(err.message, "not a number: x");
      assert.equal(err.line, 7);
      assert.equal(err.where(), "line 7");
      assert.match(err.stack!, /ParseError: not a number: x/);
      // In map, imap and apply alike, and a second time (the module is imported once).
      assert.ok((await caught(pool.map(tasks.parse, ["1", "y"]))) instanceof ParseError);
      assert.ok((await caught(pool.imap(tasks.parse, ["z"]).next())) instanceof ParseError);
      const outer = await caught(pool.apply(tasks.wrapped));
      assert.ok(outer instanceof WrappedError);
      assert.ok(outer instanceof TypeError);
      assert.ok(outer.cause instanceof ParseError);
      assert.equal((outer.cause as ParseError).line, 3);
    });

    it("a class the module does not export keeps its name, as before", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const err = await caught(pool.apply(tasks.privately));
      assert.equal(err.name, "PrivateError");
      assert.equal(err.message, "not exported");
      assert.equal(Object.getPrototypeOf(err), Error.prototype);
    });

    it("multiproc's own errors raised in a task arrive as themselves (mp.Empty, mp.TimeoutError)", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const empty = await caught(pool.apply(tasks.ownErrors, ["empty"]));
      assert.ok(empty instanceof mp.Empty, `${empty.name}`);
      assert.equal((empty as mp.Empty).code, "MULTIPROC_EMPTY");
      const timeout = await caught(pool.apply(tasks.ownErrors, ["timeout"]));
      assert.ok(timeout instanceof mp.TimeoutError, `${timeout.name}`);
      assert.ok(timeout instanceof DOMException);
      assert.equal(timeout.name, "TimeoutError");
      assert.match(timeout.message, /could not acquire within 0.01 s/);
    });

    it("every timeout multiproc raises is an mp.TimeoutError, named TimeoutError, a DOMException", async () => {
      const timeouts: Error[] = [];
      const pool = new mp.Pool({ processes: 1, context });
      const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
      timeouts.push(await caught(pool.applyAsync(slow, [400]).get(0.01)));
      timeouts.push(await caught(pool.apply(slow, [400], { timeout: 0.01 })));
      timeouts.push(await caught(pool.map(slow, [400], { timeout: 0.01 })));
      timeouts.push(await caught(pool.imap(slow, [400]).next({ timeout: 0.01 })));
      await pool.terminate();
      const lock = new mp.Lock({ context });
      await lock.acquire();
      timeouts.push(await caught(lock.hold({ timeout: 0.01 })));
      const jq = new mp.JoinableQueue<number>(0, { context });
      await jq.put(1);
      timeouts.push(await caught(jq.join({ timeout: 0.01 })));
      const [a] = mp.Pipe<number>(true, { context });
      timeouts.push(await caught(a.recv({ timeout: 0.01 })));
      for (const t of timeouts) {
        assert.ok(t instanceof mp.TimeoutError, `${t.name}: ${t.message}`);
        assert.ok(t instanceof DOMException);
        assert.equal(t.name, "TimeoutError");
        assert.ok(mp.isMultiprocError(t));
        assert.ok(t instanceof mp.MultiprocError);
      }
    });
  });
}

describe("MultiprocError", () => {
  it("every error class multiproc exports is one, with a stable code, keeping its base class", () => {
    const made: [Error, string][] = [
      [new mp.WorkerLostError("m", { exitCode: 1, signal: null, workerId: 1, task: "t" }), "MULTIPROC_WORKER_LOST"],
      [new mp.PoolClosedError("m"), "MULTIPROC_POOL_CLOSED"],
      [new mp.InitializerError("m"), "MULTIPROC_INITIALIZER_FAILED"],
      [new mp.ClosureError("m", []), "MULTIPROC_CLOSURE"],
      [new mp.CloneError("m", "args[0]"), "MULTIPROC_CLONE"],
      [new mp.ProcessStateError("m"), "MULTIPROC_PROCESS_STATE"],
      [new mp.Empty(), "MULTIPROC_EMPTY"],
      [new mp.Full(), "MULTIPROC_FULL"],
      [new mp.ClosedError("m"), "MULTIPROC_CLOSED"],
      [new mp.EOFError(), "MULTIPROC_EOF"],
      [new mp.BrokenPipeError(), "EPIPE"],
      [new mp.BrokenQueueError(), "MULTIPROC_BROKEN_QUEUE"],
      [new mp.LockNotHeldError("m"), "MULTIPROC_LOCK_NOT_HELD"],
      [new mp.TooManyReleasesError("m"), "MULTIPROC_TOO_MANY_RELEASES"],
      [new mp.BrokenBarrierError("m"), "MULTIPROC_BROKEN_BARRIER"],
      [new mp.TypecodeError("m"), "MULTIPROC_TYPECODE"],
      [new mp.NativeAddonUnavailableError("m"), "ERR_MULTIPROC_NATIVE_UNAVAILABLE"],
      [new mp.KeyError("m"), "MULTIPROC_KEY"],
      [new mp.IndexError("m"), "MULTIPROC_INDEX"],
      [new mp.ValueError("m"), "MULTIPROC_VALUE"],
      [new mp.AttributeError("m"), "MULTIPROC_ATTRIBUTE"],
      [new mp.ManagerClosedError("m"), "MULTIPROC_MANAGER_CLOSED"],
      [new mp.ClusterConnectionError("m"), "MULTIPROC_REDIS_UNAVAILABLE"],
      [new mp.ForbiddenTaskError("m"), "MULTIPROC_TASK_FORBIDDEN"],
      [new mp.JobTooLargeError("m", 2, 1), "MULTIPROC_JOB_TOO_LARGE"],
      [new mp.JobLostError("m"), "MULTIPROC_JOB_LOST"],
      [new mp.CancelledError("m"), "MULTIPROC_CANCELLED"],
      [new mp.BrokenExecutor("m"), "MULTIPROC_BROKEN_EXECUTOR"],
      [new mp.BrokenProcessPool("m"), "MULTIPROC_BROKEN_PROCESS_POOL"],
      [new mp.BrokenThreadPool("m"), "MULTIPROC_BROKEN_THREAD_POOL"],
      [new mp.AuthenticationError("m"), "MULTIPROC_AUTHENTICATION"],
      [new mp.BufferTooShort("m", Buffer.alloc(0)), "MULTIPROC_BUFFER_TOO_SHORT"],
    ];
    for (const [err, code] of made) {
      assert.ok(err instanceof mp.MultiprocError, err.name);
      assert.ok(mp.isMultiprocError(err), err.name);
      assert.equal((err as Error & { code: string }).code, code, err.name);
      assert.ok(err instanceof Error);
    }
    // Each exported *Error class of the package is in the list above.
    const exported = Object.entries(mp).filter(([k, v]) => typeof v === "function" && /^[A-Z]/.test(k) && /(Error|^Empty|^Full|^Broken\w+|^BufferTooShort)$/.test(k) && k !== "MultiprocError" && k !== "TimeoutError");
    const names = new Set(made.map(([e]) => e.constructor.name));
    for (const [k] of exported) assert.ok(names.has(k), `${k} is exported but not checked`);
    // Base classes that callers rely on stay.
    assert.ok(new mp.ClosureError("m", []) instanceof TypeError);
    assert.ok(new mp.CloneError("m", "") instanceof TypeError);
    assert.ok(new mp.TypecodeError("m") instanceof TypeError);
    assert.ok(new mp.AttributeError("m") instanceof TypeError);
    assert.ok(new mp.IndexError("m") instanceof RangeError);
    assert.ok(new mp.JobTooLargeError("m", 2, 1) instanceof RangeError);
    // Subclasses keep the ordinary instanceof: a PoolClosedError is no Empty.
    assert.ok(!(new mp.PoolClosedError("m") instanceof mp.Empty));
    assert.ok(!(new Error("m") instanceof mp.MultiprocError));
    assert.ok(!mp.isMultiprocError(new TypeError("m")));
    assert.ok(!(new DOMException("m", "TimeoutError") instanceof mp.TimeoutError));
  });
});
