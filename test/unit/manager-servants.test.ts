// The objects a manager serves, driven directly (no server, no sockets): the parked waits of
// locks, conditions, events, barriers and queues, ownership by caller, and the dict and list
// methods' Python semantics.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runAs } from "../../src/managers/caller.ts";
import { DictServant } from "../../src/managers/dict-servant.ts";
import { ListServant, pyCompare } from "../../src/managers/list-servant.ts";
import { JoinableQueueServant, QueueServant } from "../../src/managers/queue-servant.ts";
import { BarrierServant, ConditionServant, EventServant, LockServant, SemaphoreServant } from "../../src/managers/sync-servants.ts";
import { ArrayServant, ValueServant } from "../../src/managers/value-servants.ts";
import { publicMethods } from "../../src/managers/server.ts";

describe("manager servants", () => {
  it("LockServant: a waiter gets the lock on release, a timed one gives up; an RLock belongs to its caller", async () => {
    const lock = new LockServant(false);
    assert.equal(runAs(1, () => lock.acquire()), true);
    const waiting = runAs(2, () => lock.acquire(true, 30));
    assert.equal(await runAs(3, () => lock.acquire(true, 0.01)), false);
    runAs(1, () => lock.release());
    assert.equal(await waiting, true);
    const rlock = new LockServant(true);
    assert.equal(runAs(1, () => rlock.acquire()), true);
    assert.equal(runAs(1, () => rlock.acquire()), true);
    assert.equal(runAs(2, () => rlock.acquire(false)), false);
    assert.throws(() => runAs(2, () => rlock.release()), { name: "LockNotHeldError" });
    runAs(1, () => rlock.release());
    runAs(1, () => rlock.release());
    assert.equal(rlock.locked(), false);
  });

  it("SemaphoreServant and its bound", async () => {
    const sem = new SemaphoreServant(1, true);
    assert.equal(sem.acquire(), true);
    const waiting = sem.acquire(true, 30);
    sem.release();
    assert.equal(await waiting, true);
    sem.release();
    assert.throws(() => sem.release(), { name: "TooManyReleasesError" });
    assert.throws(() => new SemaphoreServant(-1), RangeError);
  });

  it("ConditionServant: wait releases the whole RLock and takes it back at the same depth", async () => {
    const cond = new ConditionServant();
    runAs(1, () => cond.acquire());
    runAs(1, () => cond.acquire());
    const waiting = runAs(1, () => cond.wait(30));
    assert.equal(cond.lock.locked(), false, "released while waiting");
    runAs(2, () => cond.acquire());
    runAs(2, () => cond.notify());
    runAs(2, () => cond.release());
    assert.equal(await waiting, true);
    assert.equal(cond.lock.heldBy(1), true);
    runAs(1, () => cond.release());
    assert.equal(cond.lock.heldBy(1), true, "still held once: the depth came back");
    runAs(1, () => cond.release());
    assert.equal(cond.lock.locked(), false);
    await assert.rejects(async () => runAs(3, () => cond.wait(0)), { name: "LockNotHeldError" });
  });

  it("EventServant and BarrierServant", async () => {
    const ev = new EventServant();
    const waiting = ev.wait(30);
    ev.set();
    assert.equal(await waiting, true);
    ev.clear();
    assert.equal(await ev.wait(0.01), false);
    const barrier = new BarrierServant(2);
    const first = barrier.wait(30);
    const second = barrier.wait(30);
    assert.deepEqual((await Promise.all([first, second])).sort(), [0, 1]);
    const alone = barrier.wait(30);
    barrier.reset();
    await assert.rejects(alone, { name: "BrokenBarrierError" });
    assert.equal(barrier.broken(), false);
  });

  it("QueueServant: order, bounds, timeouts; JoinableQueueServant's join", async () => {
    const q = new QueueServant(1);
    q.put("a");
    const blocked = q.put("b", true, 30);
    assert.equal(q.get(), "a");
    await blocked;
    assert.equal(q.get(), "b");
    await assert.rejects(Promise.resolve().then(() => q.get(true, 0.01)), { name: "Empty" });
    assert.throws(() => q.get(false), { name: "Empty" });
    const jq = new JoinableQueueServant();
    jq.put(1);
    const joined = jq.join(30);
    jq.get();
    jq.taskDone();
    await joined;
    assert.throws(() => jq.taskDone(), RangeError);
  });

  it("DictServant and ListServant follow Python", () => {
    const d = new DictServant([["a", 1]]);
    assert.throws(() => d.getItem("b"), { name: "KeyError", message: "'b'" });
    assert.equal(d.get("b", 0), 0);
    assert.throws(() => d.set({}, 1), /unhashable/);
    d.set(2, "two");
    assert.deepEqual(d.popitem(), [2, "two"]);
    const l = new ListServant([{ a: 1 }, [1, 2], "x"]);
    assert.equal(l.index([1, 2]), 1, "by value");
    assert.equal(l.count({ a: 1 }), 1);
    assert.throws(() => l.getItem(3), { name: "IndexError" });
    assert.equal(l.getItem(-1), "x");
    assert.deepEqual(l.slice(-2), [[1, 2], "x"]);
    assert.throws(() => pyCompare(1, "a"), /not supported/);
    assert.equal(pyCompare([1, 2], [1, 3]), -1);
  });

  it("ValueServant and ArrayServant check known type codes and hold anything for others", () => {
    assert.throws(() => new ValueServant("i", 1.5), TypeError);
    assert.equal(new ValueServant("c_char_p", "hello").get(), "hello");
    const a = new ArrayServant("d", 3);
    a.set(-1, 2.5);
    assert.deepEqual(a.toArray(), [0, 0, 2.5]);
  });

  it("publicMethods: methods up the prototype chain, not constructor or _private", () => {
    class A {
      a() {}
      _p() {}
    }
    class B extends A {
      b() {}
    }
    assert.deepEqual(publicMethods(new B()).sort(), ["a", "b"]);
    assert.deepEqual(publicMethods({ f() {}, x: 1 }), ["f"]);
  });
});
