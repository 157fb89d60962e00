// Lock and RLock: Python's multiprocessing.Lock / RLock over one mutex word in shared memory.
//
// Uncontended acquire and release are one compareExchange / exchange each, with no system call
// (a sleepers count lets release() skip the wake when nobody sleeps). Ownership is a token in
// the word (see liveness.ts), which is also how a dead owner is noticed and taken over.
//
// Lock, as Python's, may be released by anyone once locked; RLock only by its owner (a thread:
// on the main thread, every async function in it counts as the same owner, as in Python).

import { Acquirable } from "./acquirable.js";
import { LockNotHeldError } from "./errors.js";
import type { SharedBlock } from "../memory/block.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";
import { CellMutex } from "../memory/mutex.js";
import { blockFor, received, type ContextOption } from "../memory/shared-object.js";
import { deadlineOf, type AcquireOptions, type AcquireSyncOptions } from "../memory/wait-attempt.js";

// Cells: the mutex word, its sleepers count, and (RLock) the recursion count.
const WORD = 0;
const COUNT = 2;

/** What Condition needs from its lock: release it completely while waiting, and restore it. */
export const kReleaseAll = Symbol("multiproc.releaseAll");
export const kRestore = Symbol("multiproc.restore");
export const kRestoreSync = Symbol("multiproc.restoreSync");
export const kIsMine = Symbol("multiproc.isMine");

/** Python's Lock: a mutex shared by the workers it is passed to; a holder that dies releases it. */
export class Lock extends Acquirable implements Shareable {
  readonly #mutex: CellMutex;

  constructor(options?: ContextOption) {
    super();
    this.#mutex = new CellMutex(blockFor(options, 8, "Lock"), WORD, "a Lock");
  }

  /** The context this lock works across: "process" or "thread". */
  get context() {
    return this.#mutex.block.context;
  }

  /**
   * Wait until the lock is free and take it. Resolves true, or false if `timeout` seconds
   * passed (or, with `block: false`, at once if it is taken).
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    return this.#mutex.lock(deadlineOf(options?.timeout, options?.block), options?.signal);
  }

  /** acquire(), blocking this thread. Not on a thread that must stay responsive (see docs). */
  acquireSync(options?: AcquireSyncOptions): boolean {
    return this.#mutex.lockSync(deadlineOf(options?.timeout, options?.block));
  }

  /** Free the lock, waking one waiter. Throws LockNotHeldError if it is not locked. */
  release(): void {
    if (!this.#mutex.unlock()) throw new LockNotHeldError("Lock.release(): the lock is not locked (Python: ValueError: semaphore or lock released too many times)");
  }

  /** Whether someone holds the lock right now. */
  locked(): boolean {
    return this.#mutex.owner() !== 0;
  }

  [kIsMine](): boolean {
    return this.#mutex.isMine();
  }

  [kReleaseAll](): number {
    this.release();
    return 1;
  }

  async [kRestore](_count: number): Promise<void> {
    await this.#mutex.lock(Infinity);
  }

  [kRestoreSync](_count: number): void {
    this.#mutex.lockSync(Infinity);
  }

  [kShareable]() {
    return { type: "Lock", state: this.#mutex.block.state };
  }

  get [Symbol.toStringTag]() {
    return `Lock(${this.locked() ? "locked" : "unlocked"})`;
  }
}

/** Python's RLock: a Lock that its holder may acquire again, released when released as often. */
export class RLock extends Acquirable implements Shareable {
  readonly #mutex: CellMutex;
  readonly #block: SharedBlock;

  constructor(options?: ContextOption) {
    super();
    this.#block = blockFor(options, 12, "RLock");
    this.#mutex = new CellMutex(this.#block, WORD, "an RLock");
  }

  get context() {
    return this.#block.context;
  }

  /** Take the lock, or count one more level if this thread already owns it. */
  async acquire(options?: AcquireOptions): Promise<boolean> {
    if (this.#again()) return true;
    if (!(await this.#mutex.lock(deadlineOf(options?.timeout, options?.block), options?.signal))) return false;
    Atomics.store(this.#block.i32, COUNT, 1);
    return true;
  }

  acquireSync(options?: AcquireSyncOptions): boolean {
    if (this.#again()) return true;
    if (!this.#mutex.lockSync(deadlineOf(options?.timeout, options?.block))) return false;
    Atomics.store(this.#block.i32, COUNT, 1);
    return true;
  }

  /** Drop one level; the last one frees the lock. Throws LockNotHeldError unless this thread owns it. */
  release(): void {
    if (!this.#mutex.isMine()) {
      throw new LockNotHeldError("RLock.release(): the lock is not owned by this thread (Python: AssertionError: attempt to release recursive lock not owned by thread)");
    }
    if (Atomics.sub(this.#block.i32, COUNT, 1) === 1) this.#mutex.unlock();
  }

  locked(): boolean {
    return this.#mutex.owner() !== 0;
  }

  /** How many times the owner holds it (0 when free). */
  get count(): number {
    return this.locked() ? Atomics.load(this.#block.i32, COUNT) : 0;
  }

  #again(): boolean {
    if (!this.#mutex.isMine()) return false;
    Atomics.add(this.#block.i32, COUNT, 1);
    return true;
  }

  [kIsMine](): boolean {
    return this.#mutex.isMine();
  }

  [kReleaseAll](): number {
    if (!this.#mutex.isMine()) throw new LockNotHeldError("the Condition's RLock is not owned by this thread");
    const count = Atomics.exchange(this.#block.i32, COUNT, 0);
    this.#mutex.unlock();
    return count;
  }

  async [kRestore](count: number): Promise<void> {
    await this.#mutex.lock(Infinity);
    Atomics.store(this.#block.i32, COUNT, count);
  }

  [kRestoreSync](count: number): void {
    this.#mutex.lockSync(Infinity);
    Atomics.store(this.#block.i32, COUNT, count);
  }

  [kShareable]() {
    return { type: "RLock", state: this.#block.state };
  }

  get [Symbol.toStringTag]() {
    return `RLock(${this.locked() ? `count ${this.count}` : "unlocked"})`;
  }
}

/** A Lock or an RLock: what Value, Array and Condition accept as their lock. */
export type AnyLock = Lock | RLock;

/** Rebuild a lock from `{ type, state }` as kShareable() gave it (used by Condition and Value). */
export function reviveLock(desc: { type: string; state: unknown }): AnyLock {
  const state = desc.state as SharedBlock["state"];
  return desc.type === "RLock" ? new RLock(received(state)) : new Lock(received(state));
}

registerShareable("Lock", (state) => new Lock(received(state as SharedBlock["state"])));
registerShareable("RLock", (state) => new RLock(received(state as SharedBlock["state"])));
