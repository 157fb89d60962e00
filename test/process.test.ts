import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as mp from "multiproc";
import { CONTEXTS, HANG_GUARD_MS, describePid, isRunning, liveChildren, waitFor, track } from "./helpers.ts";

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

    it("start() lets go of the target and args, as Python's deletes _target and _args: an argument is collected while the Process lives on; run() then throws", async () => {
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as () => void;
      let arg: number[] | null = [1, 2, 3];
      const ref = new WeakRef(arg);
      const p = new mp.Process({ target: (a: number[]) => a.length, args: [arg], context });
      arg = null;
      p.start();
      await p.join();
      // deref() keeps its target alive until the end of the job it runs in: collect in another one.
      const tick = () => new Promise((r) => setTimeout(r, 20));
      let collected = false;
      for (const deadline = Date.now() + HANG_GUARD_MS; !collected && Date.now() < deadline; ) {
        await tick();
        gc();
        await tick();
        collected = ref.deref() === undefined;
      }
      assert.ok(collected, "the argument is still held");
      assert.equal(p.exitCode, 0);
      assert.throws(() => p.run(), { name: "ProcessStateError", message: /run\(\) after start\(\)/ });
      assert.throws(() => p.start(), { name: "ProcessStateError", message: /twice/ });
      assert.match(String(p), /stopped exitcode=0/);
    });

    it("two processes sleeping 1 s each sleep at the same time (their recorded intervals overlap)", async () => {
      // Each child stamps the start and the end of its sleep (wall clock, shared by processes).
      const stamps = new mp.Array("d", 4, { context, lock: false });
      const ps = [0, 1].map((i) => new mp.Process({
        target: async (at: mp.Array<"d">, slot: number, ms: number) => {
          at.set(2 * slot, Date.now());
          await new Promise((r) => setTimeout(r, ms));
          at.set(2 * slot + 1, Date.now());
        },
        args: [stamps, i, 1000],
        context,
      }));
      for (const p of ps) p.start();
      for (const p of ps) await p.join();
      const [s0, e0, s1, e1] = [0, 1, 2, 3].map((i) => stamps.get(i));
      assert.ok(Math.max(s0!, s1!) < Math.min(e0!, e1!), `sleeps [${s0}, ${e0}] and [${s1}, ${e1}] do not overlap`);
      if (process.env.MULTIPROC_TIMING_TESTS) assert.ok(Math.max(e0!, e1!) - Math.min(s0!, s1!) < 1800);
    });

    it("exitCode is 1 when the target throws, n after process.exit(n), -15 after terminate(), -9 after kill()", async (t) => {
      const throws = new mp.Process({ target: () => { throw new Error("x"); }, context, name: "Thrower" });
      const exits = new mp.Process({ target: () => process.exit(7), context });
      const spins = track(t, new mp.Process({ target: tasks.spin, args: [30_000], context }));
      const spins2 = track(t, new mp.Process({ target: tasks.spin, args: [30_000], context }));
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
      assert.throws(() => new mp.Process(42 as never), /options object/);
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

  describe(`Process subclass (${context})`, () => {
    const ctx = mp.getContext(context);

    it("runs an overridden async run() in the worker: this's data, a helper method, a getter, a Queue, a Value and a Lock, name and pid", async () => {
      class Worker extends ctx.Process {
        constructor(readonly q: mp.Queue<unknown>, readonly n: number, readonly total: mp.Value<"i">, readonly lock: mp.Lock) {
          super();
        }
        override async run() {
          for (let i = 0; i < this.n; i++) await this.q.put(this.helper(i));
          await this.lock.acquire();
          try {
            this.total.value += this.n;
          } finally {
            this.lock.release();
          }
          await this.q.put({ label: this.label, name: this.name, pid: this.pid, daemon: this.daemon, keys: Object.keys(this) });
        }
        helper(i: number) {
          return i * i;
        }
        get label() {
          return `${this.name} x${this.n}`;
        }
      }
      const q = new ctx.Queue<unknown>();
      const total = new ctx.Value("i", 100);
      const w = new Worker(q, 10, total, new ctx.Lock());
      w.start();
      const got: unknown[] = [];
      for (let i = 0; i < 11; i++) got.push(await q.get({ timeout: 120 })); // a hang guard (the first includes the worker's start)
      await w.join();
      assert.equal(w.exitCode, 0);
      assert.deepEqual(got.slice(0, 10), [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
      const report = got[10] as { label: string; name: string; pid: number; daemon: boolean; keys: string[] };
      assert.equal(report.name, w.name);
      assert.equal(report.label, `${w.name} x10`);
      assert.equal(report.daemon, false);
      // The worker's own pid: another process in the process context, this one for a thread.
      assert.equal(report.pid, w.pid);
      if (context === "process") assert.notEqual(report.pid, process.pid);
      else assert.equal(report.pid, process.pid);
      assert.deepEqual(report.keys.slice(0, 4), ["q", "n", "total", "lock"]);
      assert.equal(total.value, 110, "the Value is the parent's, shared");
    });

    it("a synchronous run(), methods from a base class and super calls, options through super(), a plain Process()", async () => {
      class Base extends mp.Process {
        scale(x: number) {
          return x * 10;
        }
        *range(n: number) {
          for (let i = 0; i < n; i++) yield i;
        }
      }
      class Summer extends Base {
        constructor(readonly out: mp.Value<"i">, readonly items: number[]) {
          super({ name: "Summer-1", context });
        }
        override scale(x: number) {
          return super.scale(x) + 1;
        }
        override run() {
          super.run(); // Process's own run(): nothing to do without a target
          let sum = 0;
          // A named arrow: tsx compiles it into __name(...), which the worker supplies.
          const add = (a: number, b: number) => a + b;
          for (const i of this.range(this.items.length)) sum = add(sum, this.scale(this.items[i]!));
          this.out.value = sum + (this.constructor.name === "Summer" ? 1000 : 0);
        }
      }
      const out = new ctx.Value("i", 0);
      const s = new Summer(out, [1, 2, 3]);
      assert.equal(s.name, "Summer-1");
      s.start();
      await s.join();
      assert.equal(s.exitCode, 0);
      assert.equal(out.value, 63 + 1000);
      // Python's Process() with no target: run() does nothing, and the process exits 0.
      const idle = new ctx.Process();
      idle.start();
      await idle.join();
      assert.equal(idle.exitCode, 0);
      const idle2 = new mp.Process({ context });
      idle2.start();
      await idle2.join();
      assert.equal(idle2.exitCode, 0);
      // Called directly, Process's run() calls the target here, as Python's does.
      assert.equal(new mp.Process({ target: (a: number) => a * 2, args: [21], context }).run(), 42);
      assert.equal(await new mp.Process({ target: tasks.square, args: [7], context }).run(), 49);
    });

    it("run() that throws: exitCode 1, and `Process <name>:` with the stack on stderr, as a throwing target", () => {
      const r = runScript("process-subclass-output.ts", context);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /hello from Process-1/);
      assert.match(r.stderr, /Process SubFailer:\n.*Error: run broke\n\s+at /);
      assert.match(r.stdout, /exit codes 0 1/);
    });

    it("fails at start(), before any worker, on what cannot travel: a captured variable, a function property, a #private field", () => {
      const limit = 3;
      class Captures extends ctx.Process {
        override run() {
          return this.check(1); // what run() returns is ignored, and typed unknown
        }
        check(x: number) {
          return x < limit;
        }
      }
      const c = new Captures();
      assert.throws(() => c.start(), (e: unknown) => {
        assert.ok(e instanceof mp.ClosureError);
        assert.deepEqual(e.captured, ["limit"]);
        assert.match(e.message, /the method "check" of class Captures uses "limit" from outside its own body/);
        return true;
      });
      assert.equal(c.pid, undefined);
      assert.equal(c.isAlive(), false);

      class WithHandler extends ctx.Process {
        handler = (x: number) => x + 1;
        override run() {
          this.handler(1);
        }
      }
      const h = new WithHandler();
      assert.throws(() => h.start(), (e: unknown) => {
        assert.ok(e instanceof mp.CloneError);
        assert.equal(e.path, "this.handler");
        assert.match(e.message, /this\.handler cannot be sent to the worker: it is a function/);
        return true;
      });
      assert.equal(h.pid, undefined);

      class WithPrivate extends ctx.Process {
        #count = 0;
        override run() {
          this.#count++;
        }
      }
      assert.throws(() => new WithPrivate().start(), (e: unknown) => {
        assert.ok(e instanceof mp.CloneError);
        assert.equal(e.path, "this.#count");
        assert.match(e.message, /the method "run" of class WithPrivate uses this\.#count/);
        return true;
      });

      class WithTarget extends mp.Process {
        override run() {}
      }
      assert.throws(() => new WithTarget({ target: () => 0, context }), /WithTarget overrides run\(\), so it takes no target/);
    });
  });
}

describe("Process cleanup", () => {
  it("leaves no child process behind", async () => {
    await waitFor(() => liveChildren().length === 0, 3000, `all children to exit (${liveChildren().map(describePid).join("; ")})`);
  });
});
