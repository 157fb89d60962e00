// The sync primitives' side of the one wait engine (wait.ts).
//
// Each primitive keeps its state in 32-bit cells of a SharedBlock and knows how to *try* once
// (take the lock, decrement the semaphore, see its ticket released, ...). When a try fails it
// says the value it saw in the cell to sleep on; attemptOp() turns that into an operation of the
// wait engine, which sleeps until that cell changes (futex / Atomics.wait semantics: no lost
// wake-up, since the kernel compares before sleeping) and tries again. Slices (plan.sliceMs) are
// for primitives that must look around now and then (is the lock's owner still alive?): the try
// after a slice that passed without a wake-up is "suspicious".

import type { SharedBlock } from "./block.js";
import { GAVE_UP, GIVE_UP, WOKE, deadlineOf, driveAsync, driveSync, type Op, type Resume } from "./wait.js";

export { deadlineOf };

/** Options of every asynchronous acquire/wait. Timeouts are in seconds, as in Python. */
export interface AcquireOptions {
  /** false: try once and return at once (Python's block=False). */
  block?: boolean;
  /** Seconds to wait at most; null or undefined: forever. */
  timeout?: number | null;
  /** Abort the wait: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of the synchronous forms (no signal: nothing can run while the thread is blocked). */
export type AcquireSyncOptions = Omit<AcquireOptions, "signal">;

/**
 * One try. `suspicious` is true after a slice ran out without a wake-up: the time to check
 * for a dead owner. Returns null on success, else the value seen in the cell to sleep on.
 */
export type Attempt = (suspicious: boolean) => number | null;

export interface WaitPlan {
  block: SharedBlock;
  /** The cell to sleep on. */
  index: number;
  /** A cell counting sleepers, so that wakers can skip the wake call when nobody sleeps. */
  waiters?: number;
  /** Wake up this often (ms) to call attempt(true), e.g. to detect a dead owner. */
  sliceMs?: number;
}

/** `attempt` retried until it succeeds, as an operation of the wait engine; at GIVE_UP, one last try. */
function* attemptOp(plan: WaitPlan, attempt: Attempt, seen: number): Op<true> {
  const { block, index, waiters } = plan;
  if (waiters !== undefined) Atomics.add(block.i32, waiters, 1);
  try {
    for (;;) {
      const r: Resume = yield { cell: index, value: seen };
      const next = attempt(r !== WOKE);
      if (next === null) return true;
      if (r === GIVE_UP) return GAVE_UP;
      seen = next;
    }
  } finally {
    if (waiters !== undefined) Atomics.sub(block.i32, waiters, 1);
  }
}

/** Sleeps and retries `attempt` until it succeeds (true) or the deadline passes (false). */
export async function waitUntil(plan: WaitPlan, attempt: Attempt, deadline: number, signal?: AbortSignal): Promise<boolean> {
  signal?.throwIfAborted();
  const seen = attempt(false);
  if (seen === null) return true; // uncontended: no operation, no promise but this one
  if (deadline === -Infinity) return attempt(true) === null;
  return (await driveAsync(plan.block, attemptOp(plan, attempt, seen), deadline, signal, plan.sliceMs ?? Infinity)) !== GAVE_UP;
}

/** waitUntil, blocking this thread (Atomics.wait / futex). Never on a thread that must stay responsive. */
export function waitUntilSync(plan: WaitPlan, attempt: Attempt, deadline: number): boolean {
  const seen = attempt(false);
  if (seen === null) return true;
  if (deadline === -Infinity) return attempt(true) === null;
  return driveSync(plan.block, attemptOp(plan, attempt, seen), deadline, plan.sliceMs ?? Infinity) !== GAVE_UP;
}

/** Wakes sleepers on `index` only if the `waiters` cell says there are some (saves a syscall). */
export function wakeIfWaiting(block: SharedBlock, index: number, waiters: number, count = Infinity): void {
  if (Atomics.load(block.i32, waiters) > 0) block.wake(index, count);
}
