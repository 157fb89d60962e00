import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, describePid, isRunning, liveChildren, waitFor } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/tasks.ts")>(new URL("./fixtures/tasks.ts", import.meta.url));
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Run a fixture script in its own Node process and capture what it prints. */
function runScript(name: string, context: string, extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", fixture(name)], {
    env: { ...process.env, MULTIPROC_START_METHOD: context, ...extraEnv },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

for (const context of CONTEXTS) {
  describe(`Process (${context})`, () => {
    it("runs its target with args; exitCode is 0; join() waits", async () => {
      const p = new mp.Process({ target: (ms: number) => new Promise((r) => setTimeout(r, ms)), args: [100], context });
      assert.equal(p.exitCode, null);
      assert.equal(p.isAlive(), false);
      assert.equal(p.pid, undefined);
      p.start();
      assert.equal(p.isAlive(), true);
      assert.equal(typeof p.pid, "number");
      if (context === "process") assert.notEqual(p.pid, process.pid);
      assert.ok(mp.activeChildren().includes(p as never));
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(p.isAlive(), false);
      assert.ok(!mp.activeChildren().includes(p as never));
    });

    it("two processes sleeping 1 s each finish in about 1 s, not 2", async () => {
      const started = performance.now();
      const ps = [1, 2].map(() => new mp.Process({ target: (ms: number) => new Promise((r) => setTimeout(r, ms)), args: [1000], context }));
      for (const p of ps) p.start();
      for (const p of ps) await p.join();
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1800, `took ${elapsed.toFixed(0)} ms`);
    });

    it("exitCode is 1 when the target throws, n after process.exit(n), -15 after terminate(), -9 after kill()", async () => {
      const throws = new mp.Process({ target: () => { throw new Error("x"); }, context, name: "Thrower" });
      const exits = new mp.Process({ target: () => process.exit(7), context });
      const spins = new mp.Process({ target: tasks.spin, args: [30_000], context });
      const spins2 = new mp.Process({ target: tasks.spin, args: [30_000], context });
      // The thrower's traceback goes to stderr, as in Python; keep this test's output clean.
      const write = process.stderr.write;
      if (context === "thread") process.stderr.write = (() => true) as never;
      try {
        for (const p of [throws, exits, spins, spins2]) p.start();
        await throws.join();
        await exits.join();
      } finally {
        process.stderr.write = write;
      }
      assert.equal(throws.exitCode, 1);
      assert.equal(exits.exitCode, 7);
      await spins.join(0.2);
      assert.equal(spins.isAlive(), true, "join(timeout) returns while it still runs");
      spins.terminate();
      spins2.kill();
      await spins.join();
      await spins2.join();
      assert.equal(spins.exitCode, -15);
      assert.equal(spins2.exitCode, -9);
    });

    it("prints the target's output and a failing target's error, as Python does", () => {
      const r = runScript("process-output.ts", context);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /hello from Process-1/);
      assert.match(r.stderr, /Process Failer:\n.*Error: it broke/);
      assert.match(r.stderr, /at /);
      assert.match(r.stdout, /exit codes 0 1/);
    });

    it("a daemon does not keep the parent alive, and dies with it", async () => {
      const r = runScript("daemon.ts", context);
      assert.equal(r.code, 0, r.stderr);
      const pid = Number(/daemon pid (\d+)/.exec(r.stdout)![1]);
      if (context === "process") {
        assert.notEqual(pid, process.pid);
        // The parent is gone; its daemon must be gone too.
        await waitFor(() => !isRunning(pid), 3000, "the daemon to die with its parent");
      }
    });

    it("currentProcess() and parentProcess() in the worker", async () => {
      assert.equal(mp.currentProcess().name, "MainProcess");
      assert.equal(mp.parentProcess(), null);
      const r = runScript("who-am-i.ts", context);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /name=Worker-7 parent=\d+ same=true/);
    });

    it("bad use fails clearly: non-function target, start() twice, join() before start()", async () => {
      assert.throws(() => new mp.Process({ target: 42 as never, context }), /target must be a function/);
      assert.throws(() => new mp.Process({ target: null as never, context }), TypeError);
      assert.throws(() => new mp.Process(undefined as never), /options object/);
      const outer = 5;
      assert.throws(() => new mp.Process({ target: () => outer, context }), { name: "ClosureError" });
      const p = new mp.Process({ target: () => 0, context });
      await assert.rejects(p.join(), { name: "ProcessStateError" });
      p.start();
      assert.throws(() => p.start(), /cannot start a process twice/);
      await p.join();
      const q = new mp.Process({ target: (f: unknown) => f, args: [() => 1], context });
      assert.throws(() => q.start(), /args\[0\] cannot be sent/);
    });
  });
}

describe("Process cleanup", () => {
  it("leaves no child process behind", async () => {
    await waitFor(() => liveChildren().length === 0, 3000, `all children to exit (${liveChildren().map(describePid).join("; ")})`);
  });
});
