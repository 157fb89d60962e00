// Event: Python's multiprocessing.Event, one flag cell. set() wakes every waiter; waiters sleep
// on the flag while it is 0.

import type { SharedBlock } from "../memory/block.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";
import { blockFor, received, type ContextOption } from "../memory/shared-object.js";
import { deadlineOf, waitUntil, waitUntilSync, type WaitPlan } from "../memory/wait-attempt.js";

const FLAG = 0;

/** Python's Event: a flag that set() raises, clear() lowers, and wait() waits for, across workers. */
export class Event implements Shareable {
  readonly #block: SharedBlock;
  readonly #plan: WaitPlan;

  constructor(options?: ContextOption) {
    this.#block = blockFor(options, 4, "Event");
    this.#plan = { block: this.#block, index: FLAG };
  }

  get context() {
    return this.#block.context;
  }

  isSet(): boolean {
    return Atomics.load(this.#block.i32, FLAG) === 1;
  }

  /** Set the flag and wake every waiter, in every process or thread. */
  set(): void {
    Atomics.store(this.#block.i32, FLAG, 1);
    this.#block.wake(FLAG);
  }

  clear(): void {
    Atomics.store(this.#block.i32, FLAG, 0);
  }

  readonly #attempt = (): number | null => (Atomics.load(this.#block.i32, FLAG) === 1 ? null : 0);

  /** Resolve once the flag is set (true), or after `timeout` seconds with the flag still clear (false). */
  wait(timeout?: number | null, options?: { signal?: AbortSignal }): Promise<boolean> {
    return waitUntil(this.#plan, this.#attempt, deadlineOf(timeout), options?.signal);
  }

  /** wait(), blocking this thread. */
  waitSync(timeout?: number | null): boolean {
    return waitUntilSync(this.#plan, this.#attempt, deadlineOf(timeout));
  }

  [kShareable]() {
    return { type: "Event", state: this.#block.state };
  }
}

registerShareable("Event", (state) => new Event(received(state as SharedBlock["state"])));
