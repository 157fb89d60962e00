// What Lock, RLock, Semaphore, BoundedSemaphore and Condition share: scoped holding that
// releases on every path, for `await using` / `using`, and a callback form.

import type { AcquireOptions, AcquireSyncOptions } from "../memory/wait-attempt.js";
import { waitTimeoutError } from "./errors.js";

/** What hold() returns: disposing it (or calling release()) releases once, however often it is called. */
export interface Held {
  release(): void;
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}

export abstract class Acquirable {
  abstract acquire(options?: AcquireOptions): Promise<boolean>;
  abstract acquireSync(options?: AcquireSyncOptions): boolean;
  abstract release(): void;

  /**
   * Acquire, and return a handle that releases when disposed:
   * `await using held = await lock.hold();`. With a timeout that passes, or `block: false` that
   * fails, it throws a TimeoutError instead of returning a handle that holds nothing.
   */
  async hold(options?: AcquireOptions): Promise<Held> {
    if (!(await this.acquire(options))) throw waitTimeoutError(this, options);
    return this.#held();
  }

  /** hold(), blocking this thread: `using held = lock.holdSync();`. */
  holdSync(options?: AcquireSyncOptions): Held {
    if (!this.acquireSync(options)) throw waitTimeoutError(this, options);
    return this.#held();
  }

  /** Run `body` while holding this, and release however it ends (Python's `with lock:`). */
  async withLock<T>(body: () => T | Promise<T>, options?: AcquireOptions): Promise<Awaited<T>> {
    await using _held = await this.hold(options);
    return await body();
  }

  /** withLock, blocking this thread while it waits; `body` must be synchronous. */
  withLockSync<T>(body: () => T, options?: AcquireSyncOptions): T {
    using _held = this.holdSync(options);
    return body();
  }

  #held(): Held {
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.release();
    };
    return { release, [Symbol.dispose]: release, [Symbol.asyncDispose]: async () => release() };
  }
}
