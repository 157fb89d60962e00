// The locks, semaphores, conditions, events and barriers that a SyncManager serves: Python's
// threading objects, living in the manager and driven by proxy calls. Their blocking calls
// park the caller (wait-list.ts) instead of blocking the server. Method names and positional
// parameters are Python's (acquire(blocking, timeout)), which the proxies translate to.

import { BrokenBarrierError, LockNotHeldError, TooManyReleasesError } from "../sync/errors.js";
import { currentCaller } from "./caller.js";
import { deadlineAfter, WaitList } from "./wait-list.js";

/** Lock (reentrant: false) or RLock (true). The owner is the calling connection (caller.ts). */
export class LockServant {
  #owner = 0;
  #count = 0;
  readonly #waiters = new WaitList();
  constructor(readonly reentrant: boolean) {}

  acquire(blocking = true, timeout: number | null = null): Promise<boolean> | boolean {
    return this.acquireAs(currentCaller(), blocking, timeout);
  }

  /** @internal acquire() for a known owner (a Condition taking its lock back after an await). */
  acquireAs(owner: number, blocking: boolean, timeout: number | null, count = 1): Promise<boolean> | boolean {
    if (this.#tryAcquire(owner, count)) return true;
    if (!blocking) return false;
    return this.#acquireSlow(owner, deadlineAfter(timeout), count);
  }

  async #acquireSlow(owner: number, deadline: number | null, count: number): Promise<boolean> {
    for (;;) {
      if (!(await this.#waiters.park(deadline))) return this.#tryAcquire(owner, count);
      if (this.#tryAcquire(owner, count)) return true;
    }
  }

  #tryAcquire(owner: number, count: number): boolean {
    if (this.#count === 0) {
      this.#owner = owner;
      this.#count = count;
      return true;
    }
    if (this.reentrant && this.#owner === owner) {
      this.#count += count;
      return true;
    }
    return false;
  }

  release(): void {
    this.releaseAs(currentCaller(), false);
  }

  /** @internal Release once, or (all) the whole recursion level, returning how many levels were held. */
  releaseAs(owner: number, all: boolean): number {
    if (this.#count === 0) throw new LockNotHeldError(`release of an unlocked ${this.reentrant ? "RLock" : "Lock"}`);
    if (this.reentrant && this.#owner !== owner) throw new LockNotHeldError("cannot release an RLock that this thread does not own (a manager's RLock belongs to the process or worker thread that acquired it)");
    const released = all ? this.#count : 1;
    this.#count -= released;
    if (this.#count === 0) {
      this.#owner = 0;
      this.#waiters.wakeOne();
    }
    return released;
  }

  locked(): boolean {
    return this.#count > 0;
  }

  /** @internal Whether `owner` may wait on a Condition over this lock. */
  heldBy(owner: number): boolean {
    return this.#count > 0 && (!this.reentrant || this.#owner === owner);
  }
}

/** Semaphore, or BoundedSemaphore (bounded: release past the initial value throws). */
export class SemaphoreServant {
  #value: number;
  readonly #initial: number;
  readonly #waiters = new WaitList();

  constructor(value = 1, readonly bounded = false) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`Semaphore: the initial value must be an integer >= 0, got ${value}`);
    this.#value = this.#initial = value;
  }

  acquire(blocking = true, timeout: number | null = null): Promise<boolean> | boolean {
    if (this.#value > 0) {
      this.#value--;
      return true;
    }
    if (!blocking) return false;
    return this.#acquireSlow(deadlineAfter(timeout));
  }

  async #acquireSlow(deadline: number | null): Promise<boolean> {
    for (;;) {
      const woken = await this.#waiters.park(deadline);
      if (this.#value > 0) {
        this.#value--;
        return true;
      }
      if (!woken) return false;
    }
  }

  release(n = 1): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Semaphore.release: n must be an integer >= 1, got ${n}`);
    if (this.bounded && this.#value + n > this.#initial) throw new TooManyReleasesError("BoundedSemaphore released too many times");
    this.#value += n;
    for (let i = 0; i < n; i++) this.#waiters.wakeOne();
  }

  getValue(): number {
    return this.#value;
  }
}

/** Condition over a LockServant (an RLock of its own by default, as in Python). */
export class ConditionServant {
  readonly #waiters = new WaitList();
  constructor(readonly lock: LockServant = new LockServant(true)) {}

  acquire(blocking = true, timeout: number | null = null) {
    return this.lock.acquire(blocking, timeout);
  }

  release(): void {
    this.lock.release();
  }

  /** Release the lock, wait for a notify (or the timeout), take the lock back; true unless timed out. */
  async wait(timeout: number | null = null): Promise<boolean> {
    const me = currentCaller();
    if (!this.lock.heldBy(me)) throw new LockNotHeldError("cannot wait on a Condition without holding its lock");
    const parked = this.#waiters.park(deadlineAfter(timeout));
    const levels = this.lock.releaseAs(me, true);
    const woken = await parked;
    await this.lock.acquireAs(me, true, null, levels);
    return woken;
  }

  notify(n = 1): void {
    if (!this.lock.heldBy(currentCaller())) throw new LockNotHeldError("cannot notify on a Condition without holding its lock");
    for (let i = 0; i < n && this.#waiters.wakeOne(); i++);
  }

  notifyAll(): void {
    if (!this.lock.heldBy(currentCaller())) throw new LockNotHeldError("cannot notify on a Condition without holding its lock");
    this.#waiters.wakeAll();
  }
}

export class EventServant {
  #flag = false;
  readonly #waiters = new WaitList();

  isSet(): boolean {
    return this.#flag;
  }

  set(): void {
    this.#flag = true;
    this.#waiters.wakeAll();
  }

  clear(): void {
    this.#flag = false;
  }

  async wait(timeout: number | null = null): Promise<boolean> {
    if (this.#flag) return true;
    await this.#waiters.park(deadlineAfter(timeout));
    return this.#flag;
  }
}

/** Python's threading.Barrier: parties callers meet; wait() answers each a distinct index. */
export class BarrierServant {
  #count = 0;
  #generation = 0;
  #broken = false;
  readonly #waiters = new WaitList();

  constructor(readonly partiesCount: number, readonly defaultTimeout: number | null = null) {
    if (!Number.isInteger(partiesCount) || partiesCount < 1) throw new RangeError(`Barrier: parties must be an integer >= 1, got ${partiesCount}`);
  }

  async wait(timeout: number | null = null): Promise<number> {
    if (this.#broken) throw new BrokenBarrierError("the barrier is broken");
    const generation = this.#generation;
    const index = this.#count++;
    if (this.#count === this.partiesCount) {
      this.#count = 0;
      this.#generation++;
      this.#waiters.wakeAll();
      return index;
    }
    const woken = await this.#waiters.park(deadlineAfter(timeout ?? this.defaultTimeout));
    if (this.#generation !== generation) return index;
    if (!woken) this.abort();
    throw new BrokenBarrierError("the barrier is broken");
  }

  abort(): void {
    this.#broken = true;
    this.#count = 0;
    this.#waiters.wakeAll();
  }

  reset(): void {
    if (this.#count > 0) this.abort();
    this.#broken = false;
    this.#count = 0;
  }

  parties(): number {
    return this.partiesCount;
  }

  nWaiting(): number {
    return this.#count;
  }

  broken(): boolean {
    return this.#broken;
  }
}
