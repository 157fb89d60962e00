// The one wait engine of multiproc. Every blocking operation on shared memory is written once,
// as a generator that yields "wait while cell i32[cell] still holds `value`" and is resumed with
// why the wait ended: ring operations (ring.ts) directly, and the sync primitives through
// wait-attempt.ts, which makes such an operation of a "try once" function. driveSync() drives one
// with a blocking wait (for workers: getSync, acquireSync, ...); driveAsync() with waitAsync (for
// Promises: get, acquire, ...). Writing each operation twice, once per style, is how the two
// copies drift apart; and the deadline, the slices, the AbortSignal and the keep-alive timer are
// here and nowhere else.
//
// Every wait is cut into slices (SLICE_MS unless told otherwise), so that:
//   - a timeout or an AbortSignal is noticed even when nobody wakes us;
//   - the operation can look, every slice, whether a peer that holds a lock is still alive
//     (a dead lock owner must not hang everyone forever);
//   - a wake that went to someone who then gave up costs at most one slice, never a hang.

import { abortError } from "../errors.js";
import type { SharedBlock } from "./block.js";

/** Wait while i32[cell] === value. */
export interface Wait {
  readonly cell: number;
  readonly value: number;
}

/** Why a wait ended, as the operation sees it when resumed. */
export const WOKE = 0; // woken or the value changed: re-check
export const SLICE = 1; // a slice passed with nothing new: re-check, and look for dead peers
export const GIVE_UP = 2; // the caller's timeout passed or its signal fired: stop if you can
export type Resume = typeof WOKE | typeof SLICE | typeof GIVE_UP;

/** What an operation returns when it stopped because of GIVE_UP. */
export const GAVE_UP: unique symbol = Symbol("gave up");
export type Op<T> = Generator<Wait, T | typeof GAVE_UP, Resume>;

export const SLICE_MS = 100;
/** How often a wait that has nothing to look at still wakes when an AbortSignal must be heard. */
const SIGNAL_SLICE_MS = 100;
const noop = (): void => {};

/** The absolute deadline (performance.now() ms) for a timeout in seconds; -Infinity: don't wait (block false). */
export function deadlineOf(timeout: number | null | undefined, block = true): number {
  if (!block) return -Infinity;
  if (timeout === null || timeout === undefined || timeout === Infinity) return Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) throw new TypeError(`timeout must be a number of seconds or null, got ${String(timeout)}`);
  return performance.now() + Math.max(0, timeout) * 1000;
}

/** What is left at `now` of a `timeout` (seconds; null/undefined: no limit) that started at `since` (ms). */
export function timeLeft<T extends number | null | undefined>(timeout: T, since: number): T {
  return (typeof timeout === "number" ? Math.max(0, timeout - (performance.now() - since) / 1000) : timeout) as T;
}

/**
 * Runs `op` until `deadline` (performance.now() ms), blocking this thread in its waits, which
 * are cut into slices of `sliceMs`. At the deadline the op is offered GIVE_UP, once: an op in
 * the middle of moving a large item cannot stop, and must not spin. Returns what the op returns.
 */
export function driveSync<T>(block: SharedBlock, op: Op<T>, deadline: number, sliceMs = SLICE_MS): T | typeof GAVE_UP {
  let r = op.next(WOKE);
  while (!r.done) {
    const left = deadline - performance.now();
    if (left <= 0) {
      deadline = Infinity;
      r = op.next(GIVE_UP);
      continue;
    }
    const res = block.wait(r.value.cell, r.value.value, Math.min(left, sliceMs));
    r = op.next(res === "timed-out" ? SLICE : WOKE);
  }
  return r.value;
}

/**
 * driveSync without blocking the event loop. `signal` stops it like the deadline (the op is
 * offered GIVE_UP); if the op then gave up, it rejects with the signal's reason.
 */
export async function driveAsync<T>(block: SharedBlock, op: Op<T>, deadline: number, signal?: AbortSignal, sliceMs = SLICE_MS): Promise<T | typeof GAVE_UP> {
  signal?.throwIfAborted();
  const slice = signal ? Math.min(sliceMs, SIGNAL_SLICE_MS) : sliceMs;
  let offered = false;
  let r = op.next(WOKE); // the fast path (room, an item, a free lock right now) finishes here, synchronously
  while (!r.done) {
    const { cell, value } = r.value;
    const left = deadline - performance.now();
    if (!offered && (left <= 0 || signal?.aborted)) {
      offered = true;
      deadline = Infinity;
      r = op.next(GIVE_UP);
      continue;
    }
    const ms = Math.min(left, slice);
    // Atomics.waitAsync does not keep Node's event loop alive (the addon's wait does): a timer
    // does, for as long as we wait, or a program whose only work is this wait would exit mid-wait.
    // It must outlive the wait whatever happens, so it never fires: V8 resolves a waitAsync's
    // timeout through a task of its own, which on a busy machine came more than 50 ms late, after
    // a timer of the slice + 50 ms had let the loop end (a script's buffered puts were lost).
    const keepAlive = block.context === "thread" ? setTimeout(noop, 2 ** 31 - 1) : undefined;
    const onAbort = (): void => void block.wake(cell); // a spurious wake for others is harmless
    signal?.addEventListener("abort", onAbort, { once: true });
    let res;
    try {
      res = await block.waitAsync(cell, value, ms);
    } finally {
      clearTimeout(keepAlive);
      signal?.removeEventListener("abort", onAbort);
    }
    r = op.next(res === "timed-out" ? SLICE : WOKE);
  }
  if (r.value === GAVE_UP && signal?.aborted) throw abortError(signal);
  return r.value;
}

/**
 * Runs `op`, blocking this thread in its waits. `timeout` in seconds (0: do not wait at all;
 * null/undefined: no limit). Throws `timedOut()` when the timeout passed and the op stopped.
 */
export function runSync<T>(block: SharedBlock, op: Op<T>, timeout: number | null | undefined, timedOut: () => Error): T {
  const r = driveSync(block, op, deadlineOf(timeout));
  if (r === GAVE_UP) throw timedOut();
  return r;
}

/**
 * Runs `op` without waiting at all: where it would wait, it is offered GIVE_UP at once. Only for
 * ops that can stop there (a put of a message that fits in the ring whole, never a stream).
 */
export function runNow<T>(op: Op<T>): T | typeof GAVE_UP {
  let r = op.next(WOKE);
  if (!r.done) r = op.next(GIVE_UP);
  if (!r.done) throw new Error("multiproc internal error: an operation that cannot stop was run without waiting");
  return r.value;
}

/**
 * Like runSync, without blocking the event loop. `signal` stops it like a timeout, and then it
 * rejects with the signal's reason.
 */
export async function runAsync<T>(
  block: SharedBlock,
  op: Op<T>,
  timeout: number | null | undefined,
  timedOut: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  const r = await driveAsync(block, op, deadlineOf(timeout), signal);
  if (r === GAVE_UP) throw timedOut();
  return r;
}

/**
 * Runs async operations of one handle in the order they were started, even when the caller
 * does not await each one: Python's puts from one process arrive in order, so ours must too.
 * The first of a burst starts at once (synchronously, so a put with room finishes at once).
 */
export class InOrder {
  #inFlight = 0;
  #last: Promise<void> = Promise.resolve();

  async run(op: () => Promise<void>): Promise<void> {
    const before = this.#inFlight > 0 ? this.#last : null;
    const done = before ? before.catch(() => {}).then(op) : op();
    this.#last = done;
    this.#inFlight++;
    try {
      await done;
    } finally {
      this.#inFlight--;
    }
  }
}
