// Condition: Python's multiprocessing.Condition over a few cells of shared memory plus its lock.
//
// Sleepers are served in arrival order, by ticket. wait() (holding the lock) takes ticket TAIL,
// releases the lock and sleeps until HEAD has moved past its ticket. notify(n) (holding the lock)
// moves HEAD past the next n tickets and wakes the sleepers, each of which looks at whether its
// own ticket is now behind HEAD. So a notify reaches sleepers that were waiting when it was
// called, never one that arrives later: a waiter that notifies and then waits itself (CPython's
// test_waitfor does) cannot take its own notification, which the earlier design (a count of
// wake permits that any sleeper could take) allowed, leaving the sleeper it was meant for asleep.
//
// A sleeper whose timeout passes takes the lock back first, then, under it, either finds its
// ticket released meanwhile (it was notified after all: wait() returns true) or withdraws it:
// the last ticket is taken back, one in the middle is marked in a bitmap that notify() skips,
// so a notify is never spent on a sleeper that left. Every change of HEAD, TAIL and the bitmap
// happens under the lock; sleepers only read HEAD, which is also the cell they sleep on.
//
//   cell 0  HEAD   tickets before it are released (mod 2^32)
//   cell 1  TAIL   the next ticket
//   cell 2..  WITHDRAWN  bitmap of withdrawn tickets, by ticket mod WINDOW

import { Acquirable } from "./acquirable.js";
import { kIsMine, kReleaseAll, kRestore, kRestoreSync, reviveLock, RLock, type AnyLock } from "./lock.js";
import type { SharedBlock } from "../memory/block.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";
import { blockFor, received, type ContextOption } from "../memory/shared-object.js";
import { LockNotHeldError } from "./errors.js";
import { deadlineOf, waitUntil, waitUntilSync, type AcquireOptions, type AcquireSyncOptions, type WaitPlan } from "../memory/wait-attempt.js";

const HEAD = 0;
const TAIL = 1;
const WITHDRAWN = 2;
/** Tickets that may be outstanding at once (sleepers and withdrawn ones between them). */
const WINDOW = 1 << 16;
const BYTES = (WITHDRAWN + WINDOW / 32) * 4;

/** Python's Condition: wait() releases its lock until notify() or notifyAll(), across workers. */
export class Condition extends Acquirable implements Shareable {
  readonly #block: SharedBlock;
  readonly #lock: AnyLock;
  readonly #plan: WaitPlan;

  /** A condition variable over `lock` (default: a new RLock, as in Python), in the lock's context. */
  constructor(lock?: AnyLock | null, options?: ContextOption) {
    super();
    this.#lock = lock ?? new RLock({ context: options?.context });
    this.#block = blockFor(options, BYTES, "Condition", undefined, this.#lock.context);
    if (this.#block.context !== this.#lock.context) throw new TypeError("Condition: the lock and the condition must be for the same context");
    this.#plan = { block: this.#block, index: HEAD };
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
    const { ticket, saved } = this.#enter("wait");
    let released = false;
    let failed = true;
    try {
      released = await waitUntil(this.#plan, this.#releasedFor(ticket), deadlineOf(timeout), options?.signal);
      failed = false;
    } finally {
      await this.#lock[kRestore](saved);
      if (!released) released = this.#leave(ticket);
      // Aborted, yet notified meanwhile: hand the notification on rather than lose it.
      if (failed && released) this.#release(1);
    }
    return released;
  }

  /** wait(), blocking this thread. */
  waitSync(timeout?: number | null): boolean {
    const { ticket, saved } = this.#enter("waitSync");
    let released = false;
    try {
      released = waitUntilSync(this.#plan, this.#releasedFor(ticket), deadlineOf(timeout));
    } finally {
      this.#lock[kRestoreSync](saved);
      if (!released) released = this.#leave(ticket);
    }
    return released;
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

  /** Wake up to `n` waiters (default 1), the longest waiting first. The caller must hold the lock. */
  notify(n = 1): void {
    if (!this.#lock[kIsMine]()) throw new LockNotHeldError("Condition.notify(): the caller must hold the condition's lock (Python: RuntimeError: cannot notify on un-acquired lock)");
    this.#release(n);
  }

  /** Wake every waiter. The caller must hold the lock. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** With the lock held: takes a ticket, then lets go of the lock; `saved` is the lock's recursion count to restore. */
  #enter(what: string): { ticket: number; saved: number } {
    if (!this.#lock[kIsMine]()) throw new LockNotHeldError(`Condition.${what}(): the caller must hold the condition's lock (Python: RuntimeError: cannot wait on un-acquired lock)`);
    const i32 = this.#block.i32;
    const ticket = Atomics.load(i32, TAIL);
    if ((ticket - Atomics.load(i32, HEAD)) >>> 0 >= WINDOW - 1) throw new RangeError(`Condition.${what}(): more than ${WINDOW - 2} waiters at once`);
    Atomics.store(i32, TAIL, (ticket + 1) | 0);
    return { ticket, saved: this.#lock[kReleaseAll]() };
  }

  /** The attempt of a sleeper holding `ticket`: null once released, else the HEAD to sleep on. */
  #releasedFor(ticket: number): () => number | null {
    return () => {
      const head = Atomics.load(this.#block.i32, HEAD);
      return ((ticket - head) | 0) < 0 ? null : head;
    };
  }

  /** With the lock held: releases the next `n` tickets (skipping withdrawn ones) and wakes their sleepers. */
  #release(n: number): void {
    const i32 = this.#block.i32;
    const tail = Atomics.load(i32, TAIL);
    const start = Atomics.load(i32, HEAD);
    let head = start;
    while (n > 0 && head !== tail) {
      if (!this.#unmark(head)) n--;
      head = (head + 1) | 0;
    }
    if (head === start) return;
    Atomics.store(i32, HEAD, head);
    this.#block.wake(HEAD); // all: each sleeper looks at its own ticket
  }

  /**
   * With the lock held, after a wait that ended without seeing its ticket released: true if it
   * was released meanwhile (notified after all); else withdraws the ticket and returns false.
   */
  #leave(ticket: number): boolean {
    const i32 = this.#block.i32;
    const head = Atomics.load(i32, HEAD);
    if (((ticket - head) | 0) < 0) return true;
    let tail = Atomics.load(i32, TAIL);
    if (ticket !== ((tail - 1) | 0)) {
      Atomics.or(i32, WITHDRAWN + ((ticket & (WINDOW - 1)) >>> 5), 1 << (ticket & 31));
      return false;
    }
    // The last ticket: take it back, and any withdrawn ones now at the end.
    tail = ticket;
    while (tail !== head && this.#unmark((tail - 1) | 0)) tail = (tail - 1) | 0;
    Atomics.store(i32, TAIL, tail);
    return false;
  }

  /** Clears `ticket`'s withdrawn mark; returns whether it was marked. */
  #unmark(ticket: number): boolean {
    const bit = 1 << (ticket & 31);
    return (Atomics.and(this.#block.i32, WITHDRAWN + ((ticket & (WINDOW - 1)) >>> 5), ~bit) & bit) !== 0;
  }

  [kShareable]() {
    return { type: "Condition", state: { block: this.#block.state, lock: this.#lock[kShareable]() } };
  }
}

registerShareable("Condition", (raw) => {
  const state = raw as { block: SharedBlock["state"]; lock: { type: string; state: unknown } };
  return new Condition(reviveLock(state.lock), received(state.block));
});
