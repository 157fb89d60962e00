// Who is calling: the server runs each request with the id of its caller, so that an RLock or a
// Condition knows its owner. As in Python, where a thread's calls go over a connection of its
// own, the owner is the calling thread: a process's main thread, or one of its worker threads
// (the thread context). Each thread's client says who it is when it connects (`identity`), so
// that every connection of one thread (a second address for the same manager, a reconnection)
// is the same owner.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { threadId } from "node:worker_threads";

/** This thread, as a manager's clients name it: host, pid, thread id and a random tag (pids repeat across machines and time). */
export const CALLER_IDENTITY = `${hostname()}/${process.pid}/${threadId}/${randomBytes(6).toString("hex")}`;

let current = 0;

/** The caller's id, read at the start of a call (before any await). */
export function currentCaller(): number {
  return current;
}

/** Run `fn` as `caller`: its synchronous part sees currentCaller() === caller. */
export function runAs<T>(caller: number, fn: () => T): T {
  const before = current;
  current = caller;
  try {
    return fn();
  } finally {
    current = before;
  }
}
