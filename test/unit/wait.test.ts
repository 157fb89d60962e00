// The wait engine (src/memory/wait-attempt.ts, src/memory/wait.ts): deadlines, the slices in
// which a dead peer is looked for, timeouts offered once, and operations run without waiting.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SharedBlock } from "../../src/memory/block.ts";
import { GAVE_UP, GIVE_UP, SLICE, runAsync, runNow, runSync, timeLeft, type Op, type Resume, type Wait } from "../../src/memory/wait.ts";
import { deadlineOf, waitUntil, waitUntilSync } from "../../src/memory/wait-attempt.ts";

const timedOut = () => new Error("timed out");

/** An op that waits on cell 0 until it holds `target`; it records what each wait was resumed with. */
function* until(block: SharedBlock, target: number, seen: Resume[], stoppable = true): Op<string> {
  for (;;) {
    const v = Atomics.load(block.i32, 0);
    if (v === target) return "done";
    const r: Resume = yield { cell: 0, value: v } satisfies Wait;
    seen.push(r);
    if (r === GIVE_UP && stoppable) return GAVE_UP;
  }
}

describe("wait engine", () => {
  it("deadlineOf: seconds to an absolute deadline; block false; bad timeouts", () => {
    assert.equal(deadlineOf(undefined), Infinity);
    assert.equal(deadlineOf(null), Infinity);
    assert.equal(deadlineOf(5, false), -Infinity);
    const d = deadlineOf(1);
    assert.ok(d > performance.now() + 900 && d <= performance.now() + 1000);
    assert.ok(deadlineOf(-3) <= performance.now());
    assert.throws(() => deadlineOf(Number.NaN), TypeError);
  });

  it("timeLeft: what remains of a timeout", () => {
    assert.equal(timeLeft(null, performance.now()), null);
    assert.equal(timeLeft(undefined, 0), undefined);
    assert.equal(timeLeft(1, performance.now() - 5000), 0);
  });

  it("waitUntil / waitUntilSync: retry on each change, true once the attempt succeeds, false past the deadline", async () => {
    const block = SharedBlock.create("thread", 8);
    const attempt = () => (Atomics.load(block.i32, 0) === 2 ? null : Atomics.load(block.i32, 0));
    assert.equal(waitUntilSync({ block, index: 0 }, attempt, performance.now() + 20), false);
    assert.equal(await waitUntil({ block, index: 0 }, attempt, -Infinity), false);
    setTimeout(() => {
      Atomics.store(block.i32, 0, 1);
      block.wake(0);
      setTimeout(() => {
        Atomics.store(block.i32, 0, 2);
        block.wake(0);
      }, 10);
    }, 10);
    assert.equal(await waitUntil({ block, index: 0, waiters: 1 }, attempt, performance.now() + 10_000), true);
    assert.equal(Atomics.load(block.i32, 1), 0, "the waiters count is undone");
  });

  it("waitUntil: the attempt hears 'suspicious' after a slice with no wake-up; a signal aborts", async () => {
    const block = SharedBlock.create("thread", 8);
    const calls: boolean[] = [];
    const attempt = (suspicious: boolean) => (calls.push(suspicious), suspicious ? null : 0);
    assert.equal(await waitUntil({ block, index: 0, sliceMs: 10 }, attempt, Infinity), true);
    assert.deepEqual(calls, [false, true]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10);
    await assert.rejects(waitUntil({ block, index: 0 }, () => 0, Infinity, ac.signal), { name: "AbortError" });
  });

  it("runSync / runAsync: SLICE when a slice passes, GIVE_UP offered once at the timeout", async () => {
    const block = SharedBlock.create("thread", 8);
    const seen: Resume[] = [];
    assert.throws(() => runSync(block, until(block, 1, seen), 0.25, timedOut), /timed out/);
    assert.ok(seen.includes(SLICE) && seen.at(-1) === GIVE_UP, seen.join(","));
    const seen2: Resume[] = [];
    await assert.rejects(runAsync(block, until(block, 1, seen2), 0.05, timedOut), /timed out/);
    assert.equal(seen2.at(-1), GIVE_UP);
    setTimeout(() => {
      Atomics.store(block.i32, 0, 1);
      block.wake(0);
    }, 10);
    assert.equal(await runAsync(block, until(block, 1, []), null, timedOut), "done");
  });

  it("an op that cannot stop goes on past GIVE_UP (offered once), and finishes", () => {
    const block = SharedBlock.create("thread", 8);
    const seen: Resume[] = [];
    let slices = 0;
    function* stubborn(): Op<string> {
      for (;;) {
        const r: Resume = yield { cell: 0, value: 0 };
        seen.push(r);
        if (r === SLICE && ++slices === 3) return "finished";
      }
    }
    assert.equal(runSync(block, stubborn(), 0.05, timedOut), "finished");
    assert.equal(seen.filter((r) => r === GIVE_UP).length, 1);
  });

  it("runNow: no wait at all; an op that cannot stop is an internal error", () => {
    const block = SharedBlock.create("thread", 8);
    assert.equal(runNow(until(block, 0, [])), "done");
    assert.equal(runNow(until(block, 1, [])), GAVE_UP);
    assert.throws(() => runNow(until(block, 1, [], false)), /internal error/);
  });
});
