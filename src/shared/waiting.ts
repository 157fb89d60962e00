// The one waiting loop behind every blocking call of the sync primitives.
//
// Each primitive keeps its state in 32-bit cells of a SharedBlock and knows how to *try* once
// (take the lock, decrement the semaphore, ...). When a try fails it says which cell to sleep
// on and the value it saw there; we sleep until that cell changes (futex / Atomics.wait
// semantics: no lost wake-up, since the kernel compares before sleeping) and try again.
//
// Sleeping is cut into slices when the primitive must look around now and then (is the lock's
// owner still alive?) or when an AbortSignal must be heard: a process-context waitAsync runs on
// a native thread and cannot be cancelled, so an abort wakes the cell and, should that wake land
// before the native thread sleeps, the slice bounds the delay.

import { abortError } from "../errors.js";
import type { SharedBlock } from "./memory.js";

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

const SIGNAL_SLICE_MS = 100;

/** The absolute deadline (performance.now() ms) for a timeout in seconds; -Infinity: don't wait. */
export function deadlineOf(timeout: number | null | undefined, block = true): number {
  if (!block) return -Infinity;
  if (timeout === null || timeout === undefined || timeout === Infinity) return Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) throw new TypeError(`timeout must be a number of seconds or null, got ${String(timeout)}`);
  return performance.now() + Math.max(0, timeout) * 1000;
}

/** Sleeps and retries `attempt` until it succeeds (true) or the deadline passes (false). */
export async function waitUntil(plan: WaitPlan, attempt: Attempt, deadline: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) throw abortError(signal);
  let seen = attempt(false);
  if (seen === null) return true;
  if (deadline === -Infinity) return attempt(true) === null;
  const { block, index, waiters } = plan;
  const slice = signal ? Math.min(plan.sliceMs ?? Infinity, SIGNAL_SLICE_MS) : (plan.sliceMs ?? Infinity);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    block.wake(index);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  // A pending Atomics.waitAsync does not keep Node's event loop alive (the addon's does): without
  // this timer a program whose only work is waiting for a worker would exit mid-wait.
  const keepAlive = block.context === "thread" ? setInterval(() => {}, 1 << 30) : undefined;
  if (waiters !== undefined) Atomics.add(block.i32, waiters, 1);
  try {
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return attempt(true) === null;
      const result = await block.waitAsync(index, seen, Math.min(left, slice));
      if (aborted) throw abortError(signal!);
      seen = attempt(result === "timed-out");
      if (seen === null) return true;
    }
  } finally {
    if (waiters !== undefined) Atomics.sub(block.i32, waiters, 1);
    signal?.removeEventListener("abort", onAbort);
    clearInterval(keepAlive);
  }
}

/** waitUntil, blocking this thread (Atomics.wait / futex). Never on a thread that must stay responsive. */
export function waitUntilSync(plan: WaitPlan, attempt: Attempt, deadline: number): boolean {
  let seen = attempt(false);
  if (seen === null) return true;
  if (deadline === -Infinity) return attempt(true) === null;
  const { block, index, waiters } = plan;
  const slice = plan.sliceMs ?? Infinity;
  if (waiters !== undefined) Atomics.add(block.i32, waiters, 1);
  try {
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return attempt(true) === null;
      const result = block.wait(index, seen, Math.min(left, slice));
      seen = attempt(result === "timed-out");
      if (seen === null) return true;
    }
  } finally {
    if (waiters !== undefined) Atomics.sub(block.i32, waiters, 1);
  }
}

/** Wakes sleepers on `index` only if the `waiters` cell says there are some (saves a syscall). */
export function wakeIfWaiting(block: SharedBlock, index: number, waiters: number, count = Infinity): void {
  if (Atomics.load(block.i32, waiters) > 0) block.wake(index, count);
}
