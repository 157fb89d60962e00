// The queue ring (src/channels/ring.ts) on one thread: its operations are generators, so a test
// can interleave a producer and a consumer step by step (wrap-around, streaming, a get whose
// timeout passes mid-item) and fake a dead lock holder.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BrokenQueueError } from "../../src/channels/errors.ts";
import { markThreadExited } from "../../src/memory/liveness.ts";
import { SharedBlock } from "../../src/memory/block.ts";
import { Ring, ringBytes, ringCapacity } from "../../src/channels/ring.ts";
import { GAVE_UP, GIVE_UP, SLICE, WOKE, runNow, runSync, type Op, type Resume } from "../../src/memory/wait.ts";

const ring = (capacity = 64) => new Ring(SharedBlock.create("thread", ringBytes(capacity)), 0, capacity);
const bytes = (n: number, seed = 0) => new Uint8Array(n).map((_, i) => (i + seed) & 0xff);
const timedOut = () => new Error("timed out");
/** Steps `op` with `resume` until it waits or ends; returns whether it ended, and its value. */
function step<T>(op: Op<T>, resume: Resume = WOKE) {
  const r = op.next(resume);
  return r.done ? { done: true as const, value: r.value } : { done: false as const };
}

describe("Ring", () => {
  it("capacity: a power of two, at least 64; bad sizes are a RangeError", () => {
    assert.equal(ringCapacity(100), 128);
    assert.equal(ringCapacity(1), 64);
    assert.throws(() => ringCapacity(0), RangeError);
    assert.throws(() => ringCapacity(1.5), RangeError);
  });

  it("messages in order across the wrap-around; count and hasData follow", () => {
    const r = ring(64);
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 3; i++) assert.notEqual(runNow(r.put(bytes(10, round * 3 + i), 0, false)), GAVE_UP);
      assert.equal(r.count, 3);
      for (let i = 0; i < 3; i++) assert.deepEqual(runSync(r.block, r.get(), 0, timedOut), bytes(10, round * 3 + i));
    }
    assert.equal(r.count, 0);
    assert.equal(r.hasData, false);
    assert.throws(() => runSync(r.block, r.get(), 0, timedOut), /timed out/);
  });

  it("a message that does not fit now makes put wait for room (runNow gives up without leaving anything)", () => {
    const r = ring(64);
    assert.notEqual(runNow(r.put(bytes(40), 0, false)), GAVE_UP);
    assert.equal(runNow(r.put(bytes(40), 0, false)), GAVE_UP);
    assert.equal(r.count, 1, "the count of the put that gave up is undone");
  });

  it("a message bigger than the ring streams through it while a consumer reads", () => {
    const r = ring(64);
    const item = bytes(1000, 7);
    assert.equal(r.streams(item.length), true);
    const put = r.put(item, 0, false);
    const get = r.get();
    let got: Uint8Array | undefined;
    let putDone = false;
    for (let i = 0; i < 1000 && !(putDone && got); i++) {
      if (!putDone) putDone = step(put).done;
      if (!got) {
        const g = step(get);
        if (g.done) got = g.value as Uint8Array;
      }
    }
    assert.deepEqual(got, item);
    assert.equal(r.count, 0);
  });

  it("a get whose timeout passes mid-item keeps what it read; the next get of this handle goes on", () => {
    const r = ring(64);
    const item = bytes(500, 3);
    const put = r.put(item, 0, false);
    step(put); // the first 64 bytes
    const first = r.get();
    assert.equal(step(first).done, false); // read what there was, waits for more
    assert.deepEqual(step(first, GIVE_UP), { done: true, value: GAVE_UP });
    let got: Uint8Array | undefined;
    for (let i = 0; i < 100 && !got; i++) {
      step(put);
      const again = r.get();
      for (let s = step(again); ; s = step(again, GIVE_UP)) {
        if (s.done) {
          if (s.value !== GAVE_UP) got = s.value as Uint8Array;
          break;
        }
      }
    }
    assert.deepEqual(got, item, "nothing lost, nothing read twice");
  });

  it("a producer that died mid-item (a thread marked exited holding the write lock) breaks the ring", () => {
    const DEAD_THREAD = 16001;
    markThreadExited(DEAD_THREAD);
    const r = ring(64);
    step(r.put(bytes(500), 0, false)); // streams, holds the write lock
    const i32 = r.block.i32;
    Atomics.store(i32, 0, DEAD_THREAD + 1); // ... as a thread that then died
    const get = r.get();
    assert.equal(step(get).done, false);
    assert.throws(() => step(get, SLICE), BrokenQueueError);
    assert.throws(() => runSync(r.block, r.put(bytes(1), 0, false), 1, timedOut), BrokenQueueError);
  });

  it("JoinableQueue counts: taskDone and join", () => {
    const r = ring(64);
    runNow(r.put(bytes(1), 0, true));
    assert.equal(r.unfinished, 1);
    const join = r.join();
    assert.equal(step(join).done, false);
    assert.equal(r.taskDone(), true);
    assert.equal(r.taskDone(), false, "once too often");
    assert.equal(step(join).done, true);
  });
});
