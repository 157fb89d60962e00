// Who am I: the process-wide answers to currentProcess() and parentProcess(). Kept on
// globalThis so that a second copy of multiproc loaded in the same worker (a task module that
// resolves "multiproc" elsewhere) still sees what the runtime set.
//
// Both answer as a Process does (name, pid, daemon, isAlive(); the parent also join()), as
// Python's current_process() and parent_process() return process objects.

import { inspect } from "node:util";
import { threadId } from "node:worker_threads";
import type { ContextName } from "./backends/backend.js";

/** What mp.currentProcess() and mp.parentProcess() describe: a process's (or worker thread's) name, pid and more. */
export interface ProcessInfo {
  /** "MainProcess" in the parent; the Process's or pool worker's name in a worker. */
  readonly name: string;
  /** The OS process id (for a thread worker, that of the process the thread runs in). */
  readonly pid: number;
  /** Python's name for pid. */
  readonly ident: number;
  /** The worker_threads id: 0 in a process's main thread. */
  readonly threadId: number;
  /** How this worker was started, or null in the main process. */
  readonly context: ContextName | null;
  /** Whether it is a daemon: a pool worker is, a Process is if started with `daemon: true`; the main process is not. */
  readonly daemon: boolean;
  /** Whether it is still running: always true for the current process. */
  isAlive(): boolean;
}

/** What parentProcess() returns: the process that started this worker, which can be watched and joined. */
export interface ParentProcessInfo extends ProcessInfo {
  /** Waits until the parent has exited, or until `timeout` seconds have passed (then check isAlive()). */
  join(timeout?: number | null): Promise<void>;
}

/** What the worker runtime tells about this worker. */
export interface WorkerIdentity {
  name: string;
  context: ContextName;
  daemon?: boolean;
  /** The name of the process that started it ("MainProcess" unless it was a worker itself). */
  parentName?: string;
}

const KEY = Symbol.for("multiproc.currentProcess");
type Holder = { [KEY]?: { self: ProcessInfo; parent: ParentProcessInfo | null } };

class Me implements ProcessInfo {
  readonly pid = process.pid;
  readonly threadId = threadId;
  constructor(
    readonly name: string,
    readonly context: ContextName | null,
    readonly daemon: boolean,
  ) {
    Object.freeze(this);
  }
  get ident(): number {
    return this.pid;
  }
  isAlive(): boolean {
    return true;
  }
  [inspect.custom](): string {
    return `<${this.context === null ? "_MainProcess" : "Process"} name='${this.name}' parent=${parentProcess()?.pid ?? "None"} started${this.daemon ? " daemon" : ""}>`;
  }
}

const POLL_MS = 100;

class Parent implements ParentProcessInfo {
  readonly threadId = 0;
  readonly context = null;
  readonly daemon = false;
  /** Whether our parent is another thread of this process (the thread context). */
  readonly #sameProcess: boolean;
  constructor(
    readonly name: string,
    readonly pid: number,
    sameProcess: boolean,
  ) {
    this.#sameProcess = sameProcess;
    Object.freeze(this);
  }
  get ident(): number {
    return this.pid;
  }
  isAlive(): boolean {
    // A thread outlives nothing: Node stops a worker thread when the thread that started it ends.
    if (this.#sameProcess) return true;
    // Reparented (to init or a subreaper) means the parent is gone, even if its pid was reused.
    return process.ppid === this.pid;
  }
  async join(timeout?: number | null): Promise<void> {
    const deadline = typeof timeout === "number" ? performance.now() + Math.max(0, timeout) * 1000 : Infinity;
    while (this.isAlive() && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - performance.now()))));
    }
  }
  [inspect.custom](): string {
    return `<_ParentProcess name='${this.name}' parent=None ${this.isAlive() ? "started" : "stopped"}>`;
  }
}

const MAIN: ProcessInfo = new Me("MainProcess", null, false);

/** The process (or thread worker) this code runs in, like Python's multiprocessing.current_process(). */
export function currentProcess(): ProcessInfo {
  return (globalThis as Holder)[KEY]?.self ?? MAIN;
}

/** The parent of this worker, or null in the main process, like Python's parent_process(). */
export function parentProcess(): ParentProcessInfo | null {
  return (globalThis as Holder)[KEY]?.parent ?? null;
}

/** Called by the worker runtime once it knows who it is. */
export function setCurrentProcess(identity: WorkerIdentity): void {
  const { name, context } = identity;
  const parentPid = context === "process" ? process.ppid : process.pid;
  (globalThis as Holder)[KEY] = {
    self: new Me(name, context, identity.daemon ?? false),
    parent: new Parent(identity.parentName ?? "MainProcess", parentPid, context === "thread"),
  };
}
