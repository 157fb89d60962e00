// The one futex mutex of multiproc: Lock, RLock, Barrier's internal lock, and the two locks of
// every queue ring (ring.ts) are this, so that all of them notice a dead owner the same way.
//
// Two cells of a block: `word` holds the owner's token (0: free; see liveness.ts: a pid and a
// thread on the process context, a thread on the thread context), `word + 1` counts sleepers, so
// that unlock() makes the wake system call only when someone sleeps. An owner that dies holding
// it (a process that is gone, a worker thread that exited or was terminated) is noticed by the
// next acquirer that slept a whole slice without being woken: it takes the word over with one
// compareExchange (only one contender can win) and tells its user (onTakeover): Lock warns, a
// ring marks itself broken if the dead owner was in the middle of an item.
//
// Acquiring comes in three forms over one attempt(): lock() (a Promise), lockSync() (blocks the
// thread), and lockOp(), a step of an operation that wait.ts drives (the ring's).

import { describeOwner, ownerIsDead, ownerToken } from "./liveness.js";
import type { SharedBlock } from "./block.js";
import { native } from "./native.js";
import { GIVE_UP, SLICE, WOKE, type Resume, type Wait } from "./wait.js";
import { waitUntil, waitUntilSync, wakeIfWaiting, type WaitPlan } from "./wait-attempt.js";

/** How often a blocked acquirer looks at whether the owner is still alive. */
export const OWNER_CHECK_MS = 100;

export interface MutexOptions {
  /** Called once this mutex was taken over from `deadToken`'s dead owner (now held by the caller). */
  onTakeover?: (deadToken: number) => void;
  /** Tries at a held mutex before sleeping (lockOp only): for locks held the time of one memcpy. */
  spins?: number;
}

/** Whether the owner behind `token` is certainly gone, in `block`'s context. */
export function tokenOwnerDead(block: SharedBlock, token: number): boolean {
  return ownerIsDead(block.context, token, (pid) => native().processAlive(pid));
}

const TAKEN = Promise.resolve(true);

export class CellMutex {
  readonly block: SharedBlock;
  readonly word: number;
  readonly token: number;
  readonly #plan: WaitPlan;
  readonly #onTakeover: (deadToken: number) => void;
  readonly #spins: number;
  readonly #i32: Int32Array;

  /**
   * The mutex over cells `word` and `word + 1` of `block`. `what` ("a Lock") names it in the
   * MULTIPROC_OWNER_DIED warning given on a takeover, unless options.onTakeover replaces it.
   */
  constructor(block: SharedBlock, word: number, what: string, options: MutexOptions = {}) {
    this.block = block;
    this.word = word;
    this.token = ownerToken(block.context);
    this.#i32 = block.i32;
    this.#plan = { block, index: word, waiters: word + 1, sliceMs: OWNER_CHECK_MS };
    this.#onTakeover =
      options.onTakeover ??
      ((dead) =>
        process.emitWarning(`${what} was held by ${describeOwner(block.context, dead)}, which died without releasing it; it was taken over.`, {
          code: "MULTIPROC_OWNER_DIED",
        }));
    this.#spins = options.spins ?? 0;
  }

  /** One try; with `suspicious`, also take over from a dead owner. Null: taken; else the word seen. */
  readonly attempt = (suspicious: boolean): number | null => {
    const i32 = this.block.i32;
    const seen = Atomics.compareExchange(i32, this.word, 0, this.token);
    if (seen === 0) return null;
    if (suspicious && tokenOwnerDead(this.block, seen) && Atomics.compareExchange(i32, this.word, seen, this.token) === seen) {
      this.#onTakeover(seen);
      return null;
    }
    return seen;
  };

  /** Takes the mutex, waiting until `deadline` (performance.now() ms; Infinity: no limit). False: timed out. */
  lock(deadline: number, signal?: AbortSignal): Promise<boolean> {
    // The uncontended case first, here, where V8 inlines it: through waitUntil's shared call of
    // attempt() (one call site for every primitive's attempt) it took twice as long.
    if (signal === undefined && Atomics.compareExchange(this.#i32, this.word, 0, this.token) === 0) return TAKEN;
    return waitUntil(this.#plan, this.attempt, deadline, signal);
  }

  lockSync(deadline: number): boolean {
    if (Atomics.compareExchange(this.#i32, this.word, 0, this.token) === 0) return true;
    return waitUntilSync(this.#plan, this.attempt, deadline);
  }

  /**
   * lock() as a step of an operation driven by wait.ts: returns true once held, false if
   * the driver said GIVE_UP first. A slice without a wake-up (SLICE) is when to look for a dead owner.
   */
  *lockOp(): Generator<Wait, boolean, Resume> {
    for (let spin = 0; spin < this.#spins; spin++) if (this.attempt(false) === null) return true;
    let suspicious = false;
    for (;;) {
      const seen = this.attempt(suspicious);
      if (seen === null) return true;
      Atomics.add(this.block.i32, this.word + 1, 1);
      let r: Resume;
      try {
        r = Atomics.load(this.block.i32, this.word) === seen ? yield { cell: this.word, value: seen } : WOKE;
      } finally {
        Atomics.sub(this.block.i32, this.word + 1, 1);
      }
      if (r === GIVE_UP) return false;
      suspicious = r === SLICE;
    }
  }

  /** Frees the word; returns false if it was not locked. */
  unlock(): boolean {
    if (Atomics.exchange(this.#i32, this.word, 0) === 0) return false;
    wakeIfWaiting(this.block, this.word, this.word + 1, 1);
    return true;
  }

  owner(): number {
    return Atomics.load(this.#i32, this.word);
  }

  isMine(): boolean {
    return this.owner() === this.token;
  }

  /** Whether the mutex is held by an owner that is certainly gone. */
  ownerDead(): boolean {
    const owner = this.owner();
    return owner !== 0 && owner !== this.token && tokenOwnerDead(this.block, owner);
  }
}
