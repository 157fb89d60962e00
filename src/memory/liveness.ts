// Telling that the thread which holds a lock is gone (and a few cells all threads of a process share).
//
// A process can be asked whether it is alive (the addon's processAlive), a worker thread cannot:
// its threadId means nothing to the OS. So this process keeps one table in a SharedArrayBuffer,
// shared by all its threads: when a worker thread exits (or is terminated, or crashes), the
// thread that started it writes the dead threadId into slot `threadId % SLOTS`. A lock owned by
// thread T is abandoned when slot T % SLOTS holds T. threadIds only grow, so a later thread that
// lands in the same slot overwrites T, and T looks alive again: the error is always towards
// "alive" (wait, time out), never towards taking a lock from a live owner.
//
// The table reaches thread workers through workerData (see backends/thread.ts), so nested pools
// share it too. Threads started outside multiproc are never marked: their locks only time out.

import { threadId, workerData } from "node:worker_threads";

const SLOTS = 16384;
/** A few cells after the slots that every thread of this process shares (see processCells). */
const PROCESS_CELLS = 4;

const inherited = (workerData as { multiprocLiveness?: unknown } | null)?.multiprocLiveness;
const table = new Int32Array(inherited instanceof SharedArrayBuffer ? inherited : new SharedArrayBuffer((SLOTS + PROCESS_CELLS) * 4));
const shared = new Int32Array(table.buffer, SLOTS * 4, PROCESS_CELLS);

/** Cells that all threads of this process see, for state that must be one per process. */
export function processCells(): Int32Array {
  return shared;
}
/** processCells()[TRACKER_CELL]: the segment tracker's pipe, as fd + 1 (segment-tracker.ts). */
export const TRACKER_CELL = 0;

/** The table to hand to a new worker thread. */
export function livenessBuffer(): SharedArrayBuffer {
  return table.buffer as SharedArrayBuffer;
}

/** Called by the thread backend once a worker thread has exited. */
export function markThreadExited(id: number): void {
  if (id > 0) Atomics.store(table, id % SLOTS, id);
}

export function threadExited(id: number): boolean {
  return id > 0 && Atomics.load(table, id % SLOTS) === id;
}

// ---- owner tokens ------------------------------------------------------------------------------
//
// A lock word holds its owner's token, never 0. Thread context: threadId + 1 (unique in the
// process). Process context: the pid (below 2^22, Linux's pid_max ceiling) with the low 10 bits
// of the threadId above it, so threads of one process are told apart by RLock. A dead owner is
// a process that no longer exists (processAlive), or a thread marked above.

const PID_BITS = 22;
const PID_MASK = (1 << PID_BITS) - 1;

export function ownerToken(context: "process" | "thread"): number {
  return context === "thread" ? threadId + 1 : (process.pid | ((threadId & 0x3ff) << PID_BITS)) | 0;
}

/** "pid 1234" or "thread 5", for messages. */
export function describeOwner(context: "process" | "thread", token: number): string {
  return context === "thread" ? `thread ${token - 1}` : `pid ${token & PID_MASK}`;
}

/**
 * Whether the owner behind `token` is certainly gone. Conservative: a reused pid looks alive.
 * A thread of this very process, in the process context, is never judged (it only times out).
 */
export function ownerIsDead(context: "process" | "thread", token: number, processAlive: (pid: number) => boolean): boolean {
  if (token === 0) return false;
  if (context === "thread") return threadExited(token - 1);
  const pid = token & PID_MASK;
  return pid !== process.pid && !processAlive(pid);
}
