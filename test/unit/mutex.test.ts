// The one futex mutex (src/memory/mutex.ts) on a SharedArrayBuffer block: its three forms, its
// timeout, and the takeover from an owner that died (a worker thread marked as exited).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { markThreadExited } from "../../src/memory/liveness.ts";
import { SharedBlock } from "../../src/memory/block.ts";
import { CellMutex } from "../../src/memory/mutex.ts";
import { GIVE_UP, SLICE, WOKE, runSync } from "../../src/memory/wait.ts";

const block = () => SharedBlock.create("thread", 16);
/** A thread id that no live thread has; marked as exited, its token (id + 1) is a dead owner's. */
const DEAD_THREAD = 16000;

describe("CellMutex", () => {
  it("lock, unlock, owner, isMine; a second lock waits and times out", async () => {
    const m = new CellMutex(block(), 0, "a test mutex");
    assert.equal(m.owner(), 0);
    assert.equal(m.lockSync(Infinity), true);
    assert.equal(m.isMine(), true);
    assert.equal(m.owner(), m.token);
    assert.equal(m.lockSync(-Infinity), false, "not reentrant");
    assert.equal(m.lockSync(performance.now() + 20), false);
    assert.equal(await m.lock(performance.now() + 20), false);
    assert.equal(m.unlock(), true);
    assert.equal(m.unlock(), false, "not locked");
    assert.equal(await m.lock(Infinity), true);
    m.unlock();
  });

  it("a waiter is woken by unlock, and the sleepers cell counts it meanwhile", async () => {
    const b = block();
    const m = new CellMutex(b, 0, "a test mutex");
    m.lockSync(Infinity);
    Atomics.store(b.i32, 0, 12345); // as if another thread held it
    const waiting = m.lock(performance.now() + 10_000);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(Atomics.load(b.i32, 1), 1);
    m.unlock();
    assert.equal(await waiting, true);
    assert.equal(Atomics.load(b.i32, 1), 0);
  });

  it("takes over from a dead owner after a slice, and says so once", async () => {
    markThreadExited(DEAD_THREAD);
    const b = block();
    const dead: number[] = [];
    const m = new CellMutex(b, 0, "a test mutex", { onTakeover: (t) => dead.push(t) });
    Atomics.store(b.i32, 0, DEAD_THREAD + 1);
    assert.equal(m.ownerDead(), true);
    assert.equal(await m.lock(performance.now() + 10_000), true);
    assert.deepEqual(dead, [DEAD_THREAD + 1]);
    assert.equal(m.isMine(), true);
    m.unlock();
    Atomics.store(b.i32, 0, 12345); // a live owner (not marked): only the timeout ends the wait
    assert.equal(m.ownerDead(), false);
    assert.equal(m.lockSync(performance.now() + 250), false);
  });

  it("lockOp: a step of a driven operation; GIVE_UP stops it, SLICE looks for a dead owner", () => {
    markThreadExited(DEAD_THREAD);
    const b = block();
    let took = 0;
    const m = new CellMutex(b, 0, "a test mutex", { spins: 3, onTakeover: () => took++ });
    assert.deepEqual(m.lockOp().next(), { done: true, value: true });
    const op = m.lockOp();
    const w = op.next();
    assert.deepEqual(w.value, { cell: 0, value: m.token }, "sleeps on the word, with the owner seen");
    assert.equal(Atomics.load(b.i32, 1), 1);
    assert.deepEqual(op.next(GIVE_UP), { done: true, value: false });
    assert.equal(Atomics.load(b.i32, 1), 0, "the sleeper count is undone");
    Atomics.store(b.i32, 0, DEAD_THREAD + 1);
    const op2 = m.lockOp();
    op2.next();
    assert.equal(op2.next(WOKE).done, false, "a wake alone does not judge the owner");
    assert.deepEqual(op2.next(SLICE), { done: true, value: true });
    assert.equal(took, 1);
    m.unlock();
    assert.equal(runSync(b, m.lockOp(), 1, () => new Error("timed out")), true);
  });
});
