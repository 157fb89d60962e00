// Process and the current process as Python's: close() (3.7), join() with a negative timeout,
// daemon inherited from the creating process, currentProcess() / parentProcess() that answer
// as processes do, activeChildren() listing a Pool's workers, getStartMethod() in a child of
// a context, ctx.getContext(), and the Python-style repr that console.log shows.
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, track } from "./helpers.ts";
import type { Seen } from "./fixtures/process-state-tasks.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/process-state-tasks.ts")>(new URL("./fixtures/process-state-tasks.ts", import.meta.url));

describe("the main process", () => {
  it("currentProcess() answers as a Process: name, pid, daemon, isAlive(); parentProcess() is null", () => {
    const me = mp.currentProcess();
    assert.equal(me.name, "MainProcess");
    assert.equal(me.pid, process.pid);
    assert.equal(me.ident, process.pid);
    assert.equal(me.daemon, false);
    assert.equal(me.isAlive(), true);
    assert.equal(mp.parentProcess(), null);
    assert.match(inspect(me), /^<_MainProcess name='MainProcess' parent=None started>$/);
  });
});

for (const context of CONTEXTS) {
  describe(`Process state as in Python (${context})`, () => {
    const ctx = mp.getContext(context);

    it("close(): refused while running; afterwards every use throws naming the process; twice is fine", async () => {
      const p = new mp.Process({ context, target: (ms: number) => new Promise((r) => setTimeout(r, ms)), args: [300], name: "Closer" });
      p.close(); // not started: allowed, as in Python
      assert.throws(() => p.start(), (e: Error) => e.name === "ProcessStateError" && /Closer/.test(e.message) && /closed/.test(e.message));
      const q = new mp.Process({ context, target: (ms: number) => new Promise((r) => setTimeout(r, ms)), args: [300], name: "Runner" });
      q.start();
      assert.throws(() => q.close(), (e: Error) => e.name === "ProcessStateError" && /still running/.test(e.message));
      await q.join();
      q.close();
      q.close();
      assert.throws(() => q.isAlive(), /Runner.*closed/);
      assert.throws(() => q.exitCode, /closed/);
      assert.throws(() => q.pid, /closed/);
      assert.throws(() => q.terminate(), /closed/);
      await assert.rejects(q.join(), /closed/);
      assert.equal(String(q), `<Process name='Runner' parent=${process.pid} closed>`);
    });

    it("join() with a negative timeout returns at once, as join(0)", async (t) => {
      const p = track(t, new mp.Process({ context, target: (ms: number) => new Promise((r) => setTimeout(r, ms)), args: [60_000] }));
      p.start();
      await p.join(-1);
      await p.join(-0.5);
      assert.equal(p.isAlive(), true);
      p.kill();
      await p.join(null);
      assert.equal(p.exitCode, -9);
      await assert.rejects(p.join(Number.NaN), RangeError);
    });

    it("a worker sees itself and its parent as processes; its default context and daemon flag are inherited", async () => {
      for (const daemon of [false, true]) {
        const out = new ctx.Queue<Seen>();
        const p = new ctx.Process({ target: tasks.describeSelf, args: [out], name: `Seer-${daemon}`, daemon });
        p.start();
        const seen = await out.get({ timeout: 60 });
        await p.join();
        assert.equal(p.exitCode, 0);
        assert.deepEqual(
          { ...seen, pid: seen.pid > 0 },
          {
            name: `Seer-${daemon}`,
            daemon,
            alive: true,
            pid: true,
            parentName: "MainProcess",
            parentPid: process.pid,
            parentAlive: true,
            parentJoinedAt0: true,
            startMethod: context,
            grandchildDaemon: daemon,
          },
        );
      }
    });

    it("a Pool's workers are daemons, and are listed by activeChildren() as processes", async () => {
      await using pool = new ctx.Pool(2);
      const out = new ctx.Queue<Seen>();
      await pool.apply(tasks.describeSelf, [out]);
      const seen = await out.get();
      assert.equal(seen.daemon, true);
      assert.equal(seen.startMethod, context);
      const children = mp.activeChildren();
      const worker = children.find((c) => c.name === seen.name);
      assert.ok(worker, `activeChildren() lists ${seen.name}: ${children.map((c) => c.name).join(", ")}`);
      assert.ok(worker instanceof mp.Process);
      assert.equal(worker.isAlive(), true);
      assert.equal(worker.daemon, true);
      assert.equal(worker.pid, context === "process" ? seen.pid : process.pid);
      assert.match(inspect(worker), new RegExp(`^<Process name='${seen.name}' pid=\\d+ parent=${process.pid} started daemon>$`));
      pool.close();
      await pool.join();
      assert.equal(mp.activeChildren().some((c) => c.name === seen.name), false);
      assert.equal(worker.isAlive(), false);
    });

    it("ctx.getContext() as Python's ctx.get_context(); console.log shows a Process as Python's repr", async () => {
      assert.equal(ctx.getContext(), ctx);
      assert.equal(ctx.getContext(context === "process" ? "thread" : "process"), mp.getContext(context === "process" ? "thread" : "process"));
      const p = new ctx.Process({ target: () => process.exit(3), name: "Shown" });
      assert.equal(inspect(p), `<Process name='Shown' parent=${process.pid} initial>`);
      p.start();
      await p.join();
      assert.match(inspect(p), new RegExp(`^<Process name='Shown' pid=\\d+ parent=${process.pid} stopped exitcode=3>$`));
      const q = new ctx.Process({ target: () => new Promise(() => setInterval(() => {}, 1000)), daemon: true });
      q.start();
      q.terminate();
      await q.join();
      assert.match(inspect(q), /stopped exitcode=SIGTERM daemon>$/);
    });
  });
}
