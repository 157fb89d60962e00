// mp.Manager() on both contexts: every factory and its proxy's methods, proxies passed to
// Process targets, Pool tasks and initargs (reaching the same object), nested proxies, errors
// that cross whole, and a manager that goes away while calls are pending.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, isRunning, waitFor, track } from "./helpers.ts";

const run = promisify(execFile);

for (const context of CONTEXTS) {
  describe(`SyncManager (${context})`, () => {
    let manager: mp.SyncManager;
    before(async () => {
      manager = await mp.Manager({ context });
    });
    after(() => manager.shutdown());

    it("dict: items, get with a default, KeyError from the item accessor, Map-like and Python methods", async () => {
      const d = await manager.dict<string, number>({ a: 1 });
      await d.set("b", 2);
      await d.setItem("c", 3);
      assert.equal(await d.get("a"), 1);
      assert.equal(await d.get("zz"), undefined);
      assert.equal(await d.get("zz", 42), 42);
      assert.equal(await d.getItem("b"), 2);
      await assert.rejects(d.getItem("missing"), (e: Error) => e instanceof mp.KeyError && e.name === "KeyError" && e.message === "'missing'");
      await assert.rejects(d.delItem("missing"), mp.KeyError);
      assert.equal(await d.has("a"), true);
      assert.equal(await d.len(), 3);
      assert.deepEqual(await d.keys(), ["a", "b", "c"]);
      assert.deepEqual(await d.values(), [1, 2, 3]);
      assert.deepEqual(await d.items(), [["a", 1], ["b", 2], ["c", 3]]);
      await d.update({ d: 4 });
      await d.update(new Map([["e", 5]]));
      await d.update([["f", 6]]);
      assert.equal(await d.pop("f"), 6);
      assert.equal(await d.pop("f", -1), -1);
      await assert.rejects(d.pop("f"), mp.KeyError);
      assert.deepEqual(await d.popitem(), ["e", 5]);
      assert.equal(await d.setdefault("g", 7), 7);
      assert.equal(await d.setdefault("g", 8), 7);
      assert.equal(await d.delete("g"), true);
      assert.equal(await d.delete("g"), false);
      await d.delItem("d");
      const keys: string[] = [];
      for await (const k of d) keys.push(k);
      assert.deepEqual(keys, ["a", "b", "c"]);
      assert.deepEqual(await d.copy(), new Map([["a", 1], ["b", 2], ["c", 3]]));
      await assert.rejects(d.set([1] as unknown as string, 1), /unhashable/);
      await d.clear();
      assert.equal(await d.len(), 0);
    });

    it("list: Python's list methods, negative indices, IndexError and ValueError, sort with an inline key", async () => {
      const l = await manager.list<number>([3, 1, 2]);
      await l.append(5);
      await l.extend([4, 1]);
      assert.equal(await l.len(), 6);
      assert.equal(await l.getItem(-1), 1);
      assert.equal(await l.get(0), 3);
      await assert.rejects(l.getItem(10), (e: Error) => e instanceof mp.IndexError && /out of range/.test(e.message));
      assert.equal(await l.count(1), 2);
      assert.equal(await l.index(1), 1);
      assert.equal(await l.index(1, 2), 5);
      await assert.rejects(l.index(99), mp.ValueError);
      await l.remove(1);
      await l.insert(0, 0);
      await l.setItem(1, 30);
      assert.deepEqual(await l.copy(), [0, 30, 2, 5, 4, 1]);
      await l.sort();
      assert.deepEqual(await l.copy(), [0, 1, 2, 4, 5, 30]);
      await l.sort({ reverse: true });
      assert.deepEqual(await l.slice(0, 2), [30, 5]);
      await l.sort({ key: (n: number) => n % 3 });
      assert.deepEqual(await l.copy(), [30, 0, 4, 1, 5, 2]);
      assert.equal(await l.pop(), 2);
      assert.equal(await l.pop(0), 30);
      await l.delItem(-1);
      await l.reverse();
      const seen: number[] = [];
      for await (const x of l) seen.push(x);
      assert.deepEqual(seen, [1, 4, 0]);
      await l.clear();
      await assert.rejects(l.pop(), mp.IndexError);
      await assert.rejects(l.sort({ key: (n: number) => n * seen.length }), { name: "ClosureError" });
    });

    it("Namespace: get, set, delete, a missing attribute, toObject", async () => {
      const ns = await manager.Namespace<{ x: number; y?: string }>({ x: 1 });
      await ns.set("y", "hello");
      assert.equal(await ns.get("x"), 1);
      assert.equal(await ns.get("y"), "hello");
      assert.deepEqual(await ns.toObject(), { x: 1, y: "hello" });
      await ns.delete("y");
      assert.equal(await ns.has("y"), false);
      await assert.rejects(ns.get("y"), mp.AttributeError);
      assert.equal(await ns.get("y", "dflt"), "dflt");
    });

    it("Python's docs example: f(d, l) in a Process changes the manager's dict and list", async () => {
      const d = await manager.dict<number | string, string | number | null>();
      const l = await manager.list(Array.from({ length: 10 }, (_, i) => i));
      const f = async (d: mp.DictProxy<number | string, string | number | null>, l: mp.ListProxy<number>) => {
        await d.set(1, "1");
        await d.set("2", 2);
        await d.set(0.25, null);
        await l.reverse();
      };
      const p = new mp.Process({ context, target: f, args: [d, l] });
      p.start();
      await p.join();
      assert.deepEqual(await d.copy(), new Map<number | string, string | number | null>([[1, "1"], ["2", 2], [0.25, null]]));
      assert.deepEqual(await l.copy(), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    });

    it("proxies passed to a Process reach the same objects", async () => {
      const d = await manager.dict<string, number>();
      const l = await manager.list<number>();
      const ns = await manager.Namespace<{ x: number; y?: number }>({ x: 10 });
      const p = new mp.Process({
        context,
        target: async (d: mp.DictProxy<string, number>, l: mp.ListProxy<number>, ns: mp.NamespaceProxy<{ x: number; y?: number }>) => {
          await d.set("pid", process.pid);
          await l.extend([1, 2, 3]);
          await ns.set("y", (await ns.get("x")) + 1);
        },
        args: [d, l, ns],
      });
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(typeof (await d.get("pid")), "number");
      assert.deepEqual(await l.copy(), [1, 2, 3]);
      assert.equal(await ns.get("y"), 11);
    });

    it("proxies cross contexts: this manager's proxies work in a worker of the other context", async () => {
      const other = context === "process" ? "thread" : "process";
      const l = await manager.list<string>();
      const p = new mp.Process({ context: other, target: async (l: mp.ListProxy<string>, other: string) => void (await l.append(other)), args: [l, other] });
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.deepEqual(await l.copy(), [other]);
    });

    it("proxies in Pool tasks and initargs reach the same objects", async () => {
      const d = await manager.dict<number, number>();
      const counter = await manager.Value("i", 0);
      const lock = await manager.Lock();
      await using pool = new mp.Pool({
        processes: 2,
        context,
        initializer: (c: mp.ValueProxy<number>, lock: mp.LockProxy) => {
          (globalThis as Record<string, unknown>).shared = { c, lock };
        },
        initargs: [counter, lock],
      });
      await pool.map(async (args: [mp.DictProxy<number, number>, number]) => {
        const [d, n] = args;
        await d.set(n, n * n);
        const { c, lock } = (globalThis as Record<string, unknown>).shared as { c: mp.ValueProxy<number>; lock: mp.LockProxy };
        await lock.withLock(async () => c.set((await c.get()) + 1));
      }, [1, 2, 3, 4, 5, 6].map((n) => [d, n] as [mp.DictProxy<number, number>, number]), { chunksize: 1 });
      assert.deepEqual(new Map([...(await d.copy())].sort((a, b) => a[0] - b[0])), new Map([[1, 1], [2, 4], [3, 9], [4, 16], [5, 25], [6, 36]]));
      assert.equal(await counter.get(), 6);
    });

    it("nested proxies stay proxies; a plain object stored is a copy (Python 3.6+)", async () => {
      const outer = await manager.list<unknown>();
      const inner = await manager.dict<string, number>();
      await outer.append(inner);
      await outer.append({ plain: 1 });
      const back = (await outer.getItem(0)) as mp.DictProxy<string, number>;
      assert.ok(back instanceof mp.DictProxy);
      await back.set("seen", 1);
      assert.equal(await inner.get("seen"), 1, "mutating the inner proxy is seen through the original");
      const plain = (await outer.getItem(1)) as { plain: number };
      plain.plain = 2; // changes the local copy only, as in Python
      assert.deepEqual(await outer.getItem(1), { plain: 1 });
      await outer.setItem(1, plain); // store the change back
      assert.deepEqual(await outer.getItem(1), { plain: 2 });
      // A child reads the nested proxy from the list and mutates the inner dict.
      const p = new mp.Process({
        context,
        target: async (outer: mp.ListProxy<unknown>) => {
          const d = (await outer.getItem(0)) as mp.DictProxy<string, number>;
          await d.set("child", 2);
        },
        args: [outer],
      });
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(await inner.get("child"), 2);
    });

    it("Queue and JoinableQueue: put/get, Empty and Full, timeouts, taskDone/join across a Process", async () => {
      const q = await manager.Queue<number>(2);
      await q.put(1);
      await q.putNowait(2);
      assert.equal(await q.full(), true);
      await assert.rejects(q.put(3, { timeout: 0.05 }), mp.Full);
      await assert.rejects(q.putNowait(3), mp.Full);
      assert.equal(await q.qsize(), 2);
      assert.equal(await q.get(), 1);
      assert.equal(await q.getNowait(), 2);
      assert.equal(await q.empty(), true);
      await assert.rejects(q.get({ timeout: 0.05 }), mp.Empty);
      await assert.rejects(q.get({ block: false }), mp.Empty);
      const jq = await manager.JoinableQueue<number | null>();
      const results = await manager.list<number>();
      const worker = new mp.Process({
        context,
        target: async (jq: mp.JoinableQueueProxy<number | null>, results: mp.ListProxy<number>) => {
          for (;;) {
            const n = await jq.get();
            if (n !== null) await results.append(n * 2);
            await jq.taskDone();
            if (n === null) return;
          }
        },
        args: [jq, results],
      });
      worker.start();
      for (const n of [1, 2, 3]) await jq.put(n);
      await jq.put(null);
      await jq.join();
      assert.deepEqual(await results.copy(), [2, 4, 6]);
      assert.equal(await jq.unfinishedTasks(), 0);
      await assert.rejects(jq.taskDone(), RangeError);
      await worker.join();
    });

    it("Lock, RLock, Semaphore, BoundedSemaphore", async () => {
      const lock = await manager.Lock();
      assert.equal(await lock.acquire(), true);
      assert.equal(await lock.locked(), true);
      assert.equal(await lock.acquire({ block: false }), false);
      assert.equal(await lock.acquire({ timeout: 0.05 }), false);
      const waiting = lock.acquire({ timeout: 30 });
      await lock.release();
      assert.equal(await waiting, true);
      await lock.release();
      await assert.rejects(lock.release(), mp.LockNotHeldError);
      {
        await using _held = await lock.hold();
        assert.equal(await lock.locked(), true);
      }
      assert.equal(await lock.locked(), false);

      const rlock = await manager.RLock();
      assert.equal(await rlock.acquire(), true);
      assert.equal(await rlock.acquire(), true, "reentrant for its owner");
      await rlock.release();
      await rlock.release();
      await assert.rejects(rlock.release(), mp.LockNotHeldError);

      const sem = await manager.Semaphore(2);
      assert.equal(await sem.acquire(), true);
      assert.equal(await sem.acquire(), true);
      assert.equal(await sem.acquire({ block: false }), false);
      assert.equal(await sem.getValue(), 0);
      await sem.release(2);
      assert.equal(await sem.getValue(), 2);
      const bsem = await manager.BoundedSemaphore(1);
      await assert.rejects(bsem.release(), mp.TooManyReleasesError);
    });

    it("an RLock held by another process cannot be taken or released here", async () => {
      const rlock = await manager.RLock();
      const took = await manager.Event();
      const go = await manager.Event();
      const p = new mp.Process({
        context,
        target: async (rlock: mp.AcquirerProxy, took: mp.EventProxy, go: mp.EventProxy) => {
          await rlock.acquire();
          await took.set();
          await go.wait(30);
          await rlock.release();
        },
        args: [rlock, took, go],
      });
      p.start();
      assert.equal(await took.wait(30), true);
      assert.equal(await rlock.acquire({ block: false }), false);
      await assert.rejects(rlock.release(), mp.LockNotHeldError);
      await go.set();
      assert.equal(await rlock.acquire({ timeout: 30 }), true);
      await rlock.release();
      await p.join();
    });

    it("an RLock belongs to the calling thread, not to a connection: a second connection of this thread re-enters it", async () => {
      await using tcp = await mp.Manager({ context, address: ["127.0.0.1", 0] });
      const rlock = await tcp.RLock();
      const port = (tcp.address as [string, number])[1];
      // The same lock reached over another connection of this thread ("localhost" is another client).
      const other = new mp.AcquirerProxy({ typeid: "RLock", address: ["localhost", port], id: rlock.id, exposed: [...rlock.exposed], authkey: tcp.authkey });
      assert.equal(await rlock.acquire(), true);
      assert.equal(await other.acquire({ block: false }), true);
      await other.release();
      await rlock.release();
      assert.equal(await other.acquire({ block: false }), true);
      await rlock.release();
    });

    it("Condition, Event and Barrier across processes", async () => {
      const cond = await manager.Condition();
      const state = await manager.Namespace<{ ready: boolean }>({ ready: false });
      const ev = await manager.Event();
      const barrier = await manager.Barrier(3);
      assert.equal(await barrier.parties(), 3);
      const child = (async (cond: mp.ConditionProxy, state: mp.NamespaceProxy<{ ready: boolean }>, ev: mp.EventProxy, barrier: mp.BarrierProxy) => {
        await cond.withLock(async () => {
          await state.set("ready", true);
          await cond.notifyAll();
        });
        await ev.wait(30);
        await barrier.wait(30);
      });
      const ps = [1, 2].map(() => new mp.Process({ context, target: child, args: [cond, state, ev, barrier] }));
      await cond.acquire();
      ps.forEach((p) => p.start());
      const ready = await cond.waitFor(() => state.get("ready"), 30);
      assert.equal(ready, true);
      await cond.release();
      await assert.rejects(cond.notify(), mp.LockNotHeldError);
      assert.equal(await ev.isSet(), false);
      await ev.set();
      const index = await barrier.wait(30);
      assert.ok(index >= 0 && index < 3);
      for (const p of ps) await p.join();
      assert.deepEqual(ps.map((p) => p.exitCode), [0, 0]);
      assert.equal(await ev.wait(0), true);
      await ev.clear();
      assert.equal(await ev.wait(0.01), false);
      assert.equal(await cond.acquire(), true);
      assert.equal(await cond.wait(0.01), false, "a wait with nobody notifying times out");
      await cond.release();
      const b2 = await manager.Barrier(2);
      await assert.rejects(b2.wait(0.05), mp.BrokenBarrierError);
      assert.equal(await b2.broken(), true);
      await b2.reset();
      assert.equal(await b2.broken(), false);
      assert.equal(await b2.nWaiting(), 0);
    });

    it("a Condition over a managed Lock", async () => {
      const lock = await manager.Lock();
      const cond = await manager.Condition(lock);
      await cond.acquire();
      assert.equal(await lock.locked(), true);
      await cond.release();
      assert.equal(await lock.locked(), false);
    });

    it("Value and Array: get and set, type codes checked, iteration", async () => {
      const v = await manager.Value("d", 1.5);
      await v.set(2.5);
      assert.equal(await v.get(), 2.5);
      await assert.rejects(manager.Value("i", 2 ** 40), RangeError);
      await assert.rejects(v.set("x" as unknown as number), TypeError);
      const a = await manager.Array<number>("i", [1, 2, 3]);
      await a.set(0, 10);
      assert.equal(await a.get(-1), 3);
      assert.equal(await a.len(), 3);
      const seen: number[] = [];
      for await (const x of a) seen.push(x);
      assert.deepEqual(seen, [10, 2, 3]);
      assert.deepEqual(await (await manager.Array("d", 2)).toArray(), [0, 0]);
      await assert.rejects(a.set(0, 1.5), TypeError);
    });

    it("Pool: apply, map, starmap, imap, imapUnordered in the manager's workers", async () => {
      const pool = await manager.Pool(2);
      assert.equal(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
      assert.deepEqual(await pool.map((n: number) => n * n, [1, 2, 3]), [1, 4, 9]);
      assert.deepEqual(await pool.starmap((a: number, b: number) => a * b, [[1, 2], [3, 4]]), [2, 12]);
      const out: number[] = [];
      for await (const r of pool.imap((n: number) => n + 1, [1, 2, 3])) out.push(r);
      assert.deepEqual(out, [2, 3, 4]);
      const unordered: number[] = [];
      for await (const r of pool.imapUnordered((n: number) => n + 1, [1, 2, 3])) unordered.push(r);
      assert.deepEqual(unordered.sort(), [2, 3, 4]);
      await assert.rejects(pool.apply(() => { throw new RangeError("in the pool"); }), (e: Error) => e.name === "RangeError" && e.message === "in the pool");
      await pool.close();
      await pool.join();
    });

    it("errors raised in the manager arrive whole; unexposed methods are refused", async () => {
      const d = await manager.dict();
      await assert.rejects(d._callMethod("constructor"), mp.AttributeError);
      await assert.rejects(d._callMethod("nope"), (e: Error) => e instanceof mp.AttributeError && /not exposed/.test(e.message));
      await assert.rejects(manager.create("NoSuchType"), mp.AttributeError);
      await assert.rejects(d.set("fn", (() => 1) as unknown as never), (e: Error) => e instanceof mp.CloneError && /args\[1\] cannot be sent to the manager: it is a function/.test(e.message));
      assert.equal(await d.len(), 0, "the manager is still serving");
    });

    it("a proxy's toString names its type, and a Process may hold many proxies of one manager", async () => {
      const d = await manager.dict();
      assert.match(String(d), /DictProxy object, typeid 'dict'/);
      const many = await Promise.all(Array.from({ length: 20 }, () => manager.list<number>()));
      const p = new mp.Process({ context, target: async (ls: mp.ListProxy<number>[]) => { await Promise.all(ls.map((l, i) => l.append(i))); }, args: [many] });
      p.start();
      await p.join();
      assert.deepEqual(await Promise.all(many.map((l) => l.copy())), many.map((_, i) => [i]));
    });
  });

  describe(`a manager that goes away (${context})`, () => {
    it("a script that never shuts its manager down still ends, and its manager with it", async () => {
      const script = new URL("./fixtures/manager-forgotten.ts", import.meta.url).pathname;
      const { stdout } = await run(process.execPath, ["--import", "tsx", script, context], { timeout: 60_000 });
      const match = /^value 1 pid (\d+|thread)$/m.exec(stdout);
      assert.ok(match, stdout);
      if (match[1] !== "thread") await waitFor(() => !isRunning(Number(match[1])), 30_000, "the manager's process to end with its parent");
    });

    it("pending and later calls reject with ManagerClosedError, never hang", async (t) => {
      const manager = track(t, await mp.Manager({ context }));
      const q = await manager.Queue();
      const pending = assert.rejects(q.get(), mp.ManagerClosedError); // blocks in the manager until it goes
      const pendingElsewhere = assert.rejects((await manager.Event()).wait(), mp.ManagerClosedError);
      await manager.shutdown();
      await pending;
      await pendingElsewhere;
      await assert.rejects(q.put(1), (e: Error) => e instanceof mp.ManagerClosedError && /cannot reach the manager/.test(e.message));
      await assert.rejects(manager.dict(), /start\(\) or connect\(\)/);
    });

    if (context === "process") {
      it("a manager process killed with SIGKILL: pending calls reject, later ones too", async (t) => {
        const manager = track(t, await mp.Manager({ context }));
        const q = await manager.Queue();
        const pending = assert.rejects(q.get(), mp.ManagerClosedError);
        const pid = manager.pid!;
        assert.ok(isRunning(pid));
        process.kill(pid, "SIGKILL");
        await pending;
        await assert.rejects(q.get(), mp.ManagerClosedError);
        await waitFor(() => !isRunning(pid), 30_000, "the killed manager to be gone");
        await manager.shutdown();
      });
    }
  });
}
