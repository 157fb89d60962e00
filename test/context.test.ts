import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import * as mp from "multiproc";

describe("contexts and start methods", () => {
  it("getContext gives Process and Pool bound to one context", async () => {
    const ctx = mp.getContext("thread");
    assert.equal(ctx.name, "thread");
    assert.equal(mp.getContext("thread"), ctx);
    await using pool = new ctx.Pool(1);
    assert.equal(pool.context, "thread");
    assert.equal(await pool.apply(() => typeof process.pid), "number");
    const p = new ctx.Process({ target: () => 0 });
    assert.equal(p.context, "thread");
    assert.equal(mp.getContext("spawn").name, "process");
    assert.throws(() => mp.getContext("fork" as never), /cannot fork/);
    assert.throws(() => mp.getContext("banana" as never), /unknown context "banana"/);
    assert.deepEqual(mp.getAllStartMethods(), ["process", "thread"]);
  });

  it("setStartMethod sets the default once, like Python, unless forced", () => {
    const before = mp.getStartMethod();
    mp.setStartMethod("thread", { force: true });
    assert.equal(mp.getStartMethod(), "thread");
    const pool = new mp.Pool(1);
    assert.equal(pool.context, "thread");
    void pool.terminate();
    assert.throws(() => mp.setStartMethod("process"), /already set/);
    mp.setStartMethod(before, { force: true });
  });

  it("cpuCount is at least 1 and at most what the scheduler allows", () => {
    const n = mp.cpuCount();
    assert.ok(Number.isInteger(n) && n >= 1 && n <= availableParallelism());
  });
});

describe("objects made for one context", () => {
  it("a thread-context queue sent to a process-context worker fails clearly", async () => {
    const q = new mp.Queue(0, { context: "thread" });
    assert.throws(() => new mp.Process({ target: (x: unknown) => x, args: [q], context: "process" }).start(), /Queue made for the thread context/);
    await using pool = new mp.Pool({ processes: 1, context: "process" });
    await assert.rejects(pool.apply((x: unknown) => 1, [{ q }]), (e: Error) => e.name === "CloneError" && /args\[0\]\.q .*thread context/.test(e.message));
    assert.equal(await pool.apply((n: number) => n + 1, [1]), 2);
  });
});
