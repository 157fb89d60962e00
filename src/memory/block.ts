// The one primitive every queue, lock and shared value is built on: a block of memory that
// several workers see at once, viewed as 32-bit cells that can be waited on and woken.
//
// Thread context: a SharedArrayBuffer, with Atomics.wait / waitAsync / notify.
// Process context: a POSIX shared-memory segment mapped by the native addon (native.ts), with
// futex wait / wake across processes. Atomics.load/store/add/compareExchange work on both.
//
// Lifetime (process context): the creator unlinks the segment's name when its own object is
// garbage-collected or when its process exits, and a tracker process (segment-tracker.ts) does
// it when the creator was killed; workers that mapped it keep their mapping until they drop it.
// Leftovers of older versions or of a killed tracker are removed by removeStaleSegments(),
// which the first block created in a process runs.

import type { ContextName } from "../backends/backend.js";
import { createSegment, native, removeStaleSegments, type WaitResult } from "./native.js";
import { disownSegment, ownSegment } from "./segment-tracker.js";

export type { WaitResult };

/** What a worker needs to map the same block: travels inside a shareable's state. */
export type SharedBlockState = { kind: "sab"; buffer: SharedArrayBuffer } | { kind: "shm"; name: string };

const unlinkWhenCollected = new FinalizationRegistry<string>((name) => disownSegment(name, true));
let staleRemoved = false;

/** `name` is the segment of the block `owner`: unlinked when `owner` is collected, or when this process ends. */
function ownBlockSegment(name: string, owner: object): void {
  if (!staleRemoved) {
    staleRemoved = true;
    try {
      removeStaleSegments();
    } catch {}
  }
  ownSegment(name);
  unlinkWhenCollected.register(owner, name);
}

/**
 * Work that this thread must go on doing while it blocks in wait(): moving the local buffers of
 * unbounded queues into their rings (feeder.ts), which only this thread can do (Python has a
 * feeder thread for it). It returns whether some buffer still waits for room; wait() then sleeps
 * in slices of BLOCKED_WORK_SLICE_MS and calls it after each.
 */
let blockedWork: (() => boolean) | null = null;
const BLOCKED_WORK_SLICE_MS = 2;

export function whileBlocked(work: () => boolean): void {
  blockedWork = work;
}

export class SharedBlock {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** The whole block as 32-bit cells: the cells to wait on, and Atomics on any of them. */
  readonly i32: Int32Array;
  readonly #state: SharedBlockState;

  private constructor(buffer: ArrayBuffer | SharedArrayBuffer, state: SharedBlockState) {
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer);
    this.#state = state;
  }

  /** A new zero-filled block of `byteLength` bytes (rounded up to a multiple of 4) for `context`. */
  static create(context: ContextName, byteLength: number): SharedBlock {
    const size = Math.max(4, Math.ceil(byteLength / 4) * 4);
    if (context === "thread") {
      const buffer = new SharedArrayBuffer(size);
      return new SharedBlock(buffer, { kind: "sab", buffer });
    }
    const { name, buffer } = createSegment(size);
    const block = new SharedBlock(buffer, { kind: "shm", name });
    ownBlockSegment(name, block);
    return block;
  }

  /** In a worker: map the block that `state` describes. */
  static revive(state: SharedBlockState): SharedBlock {
    if (state.kind === "sab") return new SharedBlock(state.buffer, state);
    return new SharedBlock(native().open(state.name), state);
  }

  /** The cloneable description of this block, for a shareable's wire state. */
  get state(): SharedBlockState {
    return this.#state;
  }

  get context(): ContextName {
    return this.#state.kind === "sab" ? "thread" : "process";
  }

  /**
   * Block this thread while i32[index] === expected, until woken or `timeoutMs` passes
   * (Infinity: no limit). May return "ok" spuriously: callers re-check their condition.
   */
  wait(index: number, expected: number, timeoutMs = Infinity): WaitResult {
    if (!blockedWork?.()) return this.#wait(index, expected, timeoutMs);
    const end = performance.now() + timeoutMs;
    for (;;) {
      const left = end - performance.now();
      const r = this.#wait(index, expected, Math.max(0, Math.min(left, BLOCKED_WORK_SLICE_MS)));
      if (r !== "timed-out" || left <= BLOCKED_WORK_SLICE_MS) return r;
      if (!blockedWork()) return this.#wait(index, expected, Math.max(0, end - performance.now()));
    }
  }

  #wait(index: number, expected: number, timeoutMs: number): WaitResult {
    if (this.#state.kind === "sab") return Atomics.wait(this.i32, index, expected, timeoutMs);
    return native().wait(this.buffer as ArrayBuffer, index * 4, expected, timeoutMs);
  }

  /** Like wait, without blocking the thread. */
  waitAsync(index: number, expected: number, timeoutMs = Infinity): Promise<WaitResult> {
    if (this.#state.kind === "sab") {
      const r = Atomics.waitAsync(this.i32, index, expected, timeoutMs);
      return r.async ? r.value : Promise.resolve(r.value);
    }
    return native().waitAsync(this.buffer as ArrayBuffer, index * 4, expected, timeoutMs);
  }

  /** Wake up to `count` waiters on i32[index] (Infinity: all). Returns how many were woken. */
  wake(index: number, count = Infinity): number {
    if (this.#state.kind === "sab") return Atomics.notify(this.i32, index, count);
    return native().wake(this.buffer as ArrayBuffer, index * 4, count);
  }
}
