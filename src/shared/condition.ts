// Condition: Python's multiprocessing.Condition over one cell of shared memory plus its lock.
//
// The cell packs two 16-bit counts: sleepers (low half) and wake permits (high half), with
// permits <= sleepers. wait() adds a sleeper and releases the lock; notify(n) turns up to n
// sleepers into permits and wakes that many; a woken sleeper consumes a permit with
// compareExchange. Packing both counts in one word is what makes a timed-out sleeper's exit
// exact: it leaves either with a permit (then it was notified after all) or without, in one
// atomic step, so a permit is never handed to a sleeper that already left.
//
// Order is not first-come-first-served: a sleeper that arrives after a notify may take the
// permit before the one that was woken (which then sleeps on). Use wait() in a loop on a
// predicate, or waitFor(), as Python's documentation asks.

import { Acquirable } from "./acquirable.js";
import { kIsMine, kReleaseAll, kRestore, kRestoreSync, reviveLock, RLock, type AnyLock } from "./lock.js";
import type { SharedBlock } from "./memory.js";
import { kShareable, registerShareable, type Shareable } from "./shareable.js";
import { blockFor, reviveOver, type ContextOption } from "./sync-base.js";
import { LockNotHeldError } from "./sync-errors.js";
import { deadlineOf, waitUntil, waitUntilSync, type AcquireOptions, type AcquireSyncOptions, type WaitPlan } from "./waiting.js";

const STATE = 0;
const PERMIT = 0x10000;
const MAX_SLEEPERS = 0xffff;

/** Python's Condition: wait() releases its lock until notify() or notifyAll(), across workers. */
export class Condition extends Acquirable implements Shareable {
  readonly #block: SharedBlock;
  readonly #lock: AnyLock;
  readonly #plan: WaitPlan;

  /** A condition variable over `lock` (default: a new RLock, as in Python), in the lock's context. */
  constructor(lock?: AnyLock | null, options?: ContextOption) {
    super();
    this.#lock = lock ?? new RLock(options);
    this.#block = blockFor(this.#lock.context, 4, "Condition");
    if (this.#block.context !== this.#lock.context) throw new TypeError("Condition: the lock and the condition must be for the same context");
    this.#plan = { block: this.#block, index: STATE };
  }

  get context() {
    return this.#block.context;
  }

  /** The lock (Python's `_lock`). */
  get lock(): AnyLock {
    return this.#lock;
  }

  acquire(options?: AcquireOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  acquireSync(options?: AcquireSyncOptions): boolean {
    return this.#lock.acquireSync(options);
  }

  release(): void {
    this.#lock.release();
  }

  /**
   * Release the lock, sleep until notified or `timeout` seconds pass, take the lock back.
   * Resolves false if it timed out. The caller must hold the lock.
   */
  async wait(timeout?: number | null, options?: { signal?: AbortSignal }): Promise<boolean> {
    const saved = this.#enter("wait");
    let notified = false;
    try {
      notified = (await waitUntil(this.#plan, this.#take, deadlineOf(timeout), options?.signal)) || this.#leave();
    } catch (error) {
      this.#leave();
      throw error;
    } finally {
      await this.#lock[kRestore](saved);
    }
    return notified;
  }

  /** wait(), blocking this thread. */
  waitSync(timeout?: number | null): boolean {
    const saved = this.#enter("waitSync");
    try {
      return waitUntilSync(this.#plan, this.#take, deadlineOf(timeout)) || this.#leave();
    } finally {
      this.#lock[kRestoreSync](saved);
    }
  }

  /**
   * Wait until `predicate()` is truthy, re-checking after each notify; returns its last value
   * (falsy if `timeout` seconds passed first). The caller must hold the lock.
   */
  async waitFor<T>(predicate: () => T | Promise<T>, timeout?: number | null): Promise<T> {
    const deadline = deadlineOf(timeout);
    let result = await predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.wait(left === Infinity ? null : left / 1000);
      result = await predicate();
    }
    return result;
  }

  /** waitFor(), blocking this thread; `predicate` must be synchronous. */
  waitForSync<T>(predicate: () => T, timeout?: number | null): T {
    const deadline = deadlineOf(timeout);
    let result = predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      this.waitSync(left === Infinity ? null : left / 1000);
      result = predicate();
    }
    return result;
  }

  /** Wake up to `n` waiters (default 1). The caller must hold the lock. */
  notify(n = 1): void {
    if (!this.#lock[kIsMine]()) throw new LockNotHeldError("Condition.notify(): the caller must hold the condition's lock (Python: RuntimeError: cannot notify on un-acquired lock)");
    const i32 = this.#block.i32;
    for (;;) {
      const state = Atomics.load(i32, STATE);
      const sleepers = state & MAX_SLEEPERS;
      const permits = state >>> 16;
      const k = Math.min(n, sleepers - permits);
      if (k <= 0) return;
      if (Atomics.compareExchange(i32, STATE, state, (state + k * PERMIT) | 0) === state) {
        this.#block.wake(STATE, k);
        return;
      }
    }
  }

  /** Wake every waiter. The caller must hold the lock. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** Becomes a sleeper, then lets go of the lock; returns the lock's recursion count to restore. */
  #enter(what: string): number {
    if (!this.#lock[kIsMine]()) throw new LockNotHeldError(`Condition.${what}(): the caller must hold the condition's lock (Python: RuntimeError: cannot wait on un-acquired lock)`);
    if ((Atomics.add(this.#block.i32, STATE, 1) & MAX_SLEEPERS) === MAX_SLEEPERS) {
      Atomics.sub(this.#block.i32, STATE, 1);
      throw new RangeError(`Condition.${what}(): more than ${MAX_SLEEPERS - 1} waiters at once`);
    }
    return this.#lock[kReleaseAll]();
  }

  /** Consume a permit (null: notified) or report the state to sleep on. */
  readonly #take = (): number | null => {
    const i32 = this.#block.i32;
    for (;;) {
      const state = Atomics.load(i32, STATE);
      if (state >>> 16 === 0) return state;
      if (Atomics.compareExchange(i32, STATE, state, (state - PERMIT - 1) | 0) === state) return null;
    }
  };

  /** Stop being a sleeper after a timeout: with a permit if one is there (true), else without. */
  #leave(): boolean {
    const i32 = this.#block.i32;
    for (;;) {
      const state = Atomics.load(i32, STATE);
      const permit = state >>> 16 > 0;
      if (Atomics.compareExchange(i32, STATE, state, (state - 1 - (permit ? PERMIT : 0)) | 0) === state) return permit;
    }
  }

  [kShareable]() {
    return { type: "Condition", state: { block: this.#block.state, lock: this.#lock[kShareable]() } };
  }
}

registerShareable("Condition", (raw) => {
  const state = raw as { block: SharedBlock["state"]; lock: { type: string; state: unknown } };
  const lock = reviveLock(state.lock);
  return reviveOver(state.block, () => new Condition(lock));
});
