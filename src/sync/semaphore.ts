// Semaphore and BoundedSemaphore: Python's multiprocessing.Semaphore over a counter cell.
//
// acquire() decrements the counter if it is positive (compareExchange, no system call), else
// sleeps on it until a release() adds to it. A holder that dies keeps its permit: unlike a lock,
// a semaphore has no owner to check, so every wait takes a timeout for that case.

import { Acquirable } from "./acquirable.js";
import type { SharedBlock } from "../memory/block.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";
import { blockFor, received, type ContextOption } from "../memory/shared-object.js";
import { TooManyReleasesError } from "./errors.js";
import { deadlineOf, waitUntil, waitUntilSync, wakeIfWaiting, type AcquireOptions, type AcquireSyncOptions, type WaitPlan } from "../memory/wait-attempt.js";

// Cells: the counter, its sleepers count, and the bound (0: unbounded).
const VALUE = 0;
const WAITERS = 1;
const BOUND = 2;

/** Python's Semaphore: a counter that acquire() decrements (waiting at zero) and release() increments, across workers. */
export class Semaphore extends Acquirable implements Shareable {
  readonly #block: SharedBlock;
  readonly #plan: WaitPlan;

  /** A semaphore whose counter starts at `value` (default 1, as in Python). */
  constructor(value = 1, options?: ContextOption) {
    super();
    const where = new.target.name;
    this.#block = blockFor(options, 12, where, (block) => {
      if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
        throw new RangeError(`${where}(value): value must be an integer from 0 to 2147483647, got ${String(value)}`);
      }
      Atomics.store(block.i32, VALUE, value);
      if (this instanceof BoundedSemaphore) Atomics.store(block.i32, BOUND, value);
    });
    this.#plan = { block: this.#block, index: VALUE, waiters: WAITERS };
  }

  get context() {
    return this.#block.context;
  }

  readonly #attempt = (): number | null => {
    const i32 = this.#block.i32;
    for (;;) {
      const v = Atomics.load(i32, VALUE);
      if (v <= 0) return v;
      if (Atomics.compareExchange(i32, VALUE, v, v - 1) === v) return null;
    }
  };

  /** Take one permit, waiting while there is none. Resolves false on timeout. */
  acquire(options?: AcquireOptions): Promise<boolean> {
    return waitUntil(this.#plan, this.#attempt, deadlineOf(options?.timeout, options?.block), options?.signal);
  }

  acquireSync(options?: AcquireSyncOptions): boolean {
    return waitUntilSync(this.#plan, this.#attempt, deadlineOf(options?.timeout, options?.block));
  }

  /** Give back `n` permits (default 1), waking as many waiters. */
  release(n = 1): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${this.constructor.name}.release(n): n must be a positive integer, got ${String(n)}`);
    const i32 = this.#block.i32;
    const bound = Atomics.load(i32, BOUND);
    if (bound === 0) {
      Atomics.add(i32, VALUE, n);
    } else {
      for (;;) {
        const v = Atomics.load(i32, VALUE);
        if (v + n > bound) {
          throw new TooManyReleasesError(
            `BoundedSemaphore.release(): released too many times (value ${v} + ${n} would pass its bound ${bound}; Python: ValueError)`,
          );
        }
        if (Atomics.compareExchange(i32, VALUE, v, v + n) === v) break;
      }
    }
    wakeIfWaiting(this.#block, VALUE, WAITERS, n);
  }

  /** The counter now (Python's get_value()). */
  getValue(): number {
    return Atomics.load(this.#block.i32, VALUE);
  }

  [kShareable]() {
    return { type: this instanceof BoundedSemaphore ? "BoundedSemaphore" : "Semaphore", state: this.#block.state };
  }
}

/** A Semaphore that throws TooManyReleasesError when released above its initial value. */
export class BoundedSemaphore extends Semaphore {}

// The counter and the bound are in the received block: the value given here is not used.
registerShareable("Semaphore", (state) => new Semaphore(0, received(state as SharedBlock["state"])));
registerShareable("BoundedSemaphore", (state) => new BoundedSemaphore(0, received(state as SharedBlock["state"])));
