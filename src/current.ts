// Who am I: the process-wide answers to currentProcess() and parentProcess(). Kept on
// globalThis so that a second copy of multiproc loaded in the same worker (a task module that
// resolves "multiproc" elsewhere) still sees what the runtime set.

import { threadId } from "node:worker_threads";
import type { ContextName } from "./backends/backend.js";

/** What mp.currentProcess() and mp.parentProcess() describe: a process's (or worker thread's) name, pid and more. */
export interface ProcessInfo {
  /** "MainProcess" in the parent; the Process's or pool worker's name in a worker. */
  readonly name: string;
  /** The OS process id (for a thread worker, that of the process the thread runs in). */
  readonly pid: number;
  /** The worker_threads id: 0 in a process's main thread. */
  readonly threadId: number;
  /** How this worker was started, or null in the main process. */
  readonly context: ContextName | null;
}

const KEY = Symbol.for("multiproc.currentProcess");
type Holder = { [KEY]?: { self: ProcessInfo; parent: ProcessInfo | null } };

const MAIN: ProcessInfo = Object.freeze({ name: "MainProcess", pid: process.pid, threadId, context: null });

/** The process (or thread worker) this code runs in, like Python's multiprocessing.current_process(). */
export function currentProcess(): ProcessInfo {
  return (globalThis as Holder)[KEY]?.self ?? MAIN;
}

/** The parent of this worker, or null in the main process, like Python's parent_process(). */
export function parentProcess(): ProcessInfo | null {
  return (globalThis as Holder)[KEY]?.parent ?? null;
}

/** Called by the worker runtime once it knows its name. */
export function setCurrentProcess(name: string, context: ContextName): void {
  const parentPid = context === "process" ? process.ppid : process.pid;
  (globalThis as Holder)[KEY] = {
    self: Object.freeze({ name, pid: process.pid, threadId, context }),
    parent: Object.freeze({ name: "MainProcess", pid: parentPid, threadId: 0, context: null }),
  };
}
