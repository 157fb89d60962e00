// Which context new Processes and Pools use when none is named, as Python's
// set_start_method()/get_start_method(), and the lookup from a context's name to its backend.
// Every worker spawned through it is noted until it exits, so that activeChildren() can list
// a Pool's workers as Python's does.

import type { ContextName, ExitInfo, SpawnWorker, WorkerHandle } from "./backends/backend.js";
import { spawnProcess } from "./backends/process.js";
import { spawnThread } from "./backends/thread.js";
import { currentProcess } from "./current.js";

/** A worker that has not exited yet: its name, and a promise of how it exits. */
export interface LiveWorker {
  readonly name: string;
  readonly exited: Promise<ExitInfo>;
}

const live = new Map<WorkerHandle, LiveWorker>();

/** The workers started by this process (or thread) that have not exited yet, oldest first. */
export function liveWorkers(): ReadonlyMap<WorkerHandle, LiveWorker> {
  return live;
}

function noting(spawn: SpawnWorker): SpawnWorker {
  return (options) => {
    let exited = false;
    let onExited!: (info: ExitInfo) => void;
    const worker: LiveWorker = { name: options.name, exited: new Promise((resolve) => (onExited = resolve)) };
    let handle: WorkerHandle | undefined = undefined;
    handle = spawn({
      ...options,
      onExit: (info) => {
        exited = true;
        if (handle) live.delete(handle);
        onExited(info);
        options.onExit(info);
      },
    });
    if (!exited) live.set(handle, worker);
    return handle;
  };
}

const SPAWNERS: Record<ContextName, SpawnWorker> = { process: noting(spawnProcess), thread: noting(spawnThread) };

let startMethod: ContextName | null = null;

/** The names getContext() and setStartMethod() accept. */
export function getAllStartMethods(): ContextName[] {
  return ["process", "thread"];
}

/**
 * The default context's name: what setStartMethod() set, else, in a worker, the context that
 * started it (as Python's child inherits its parent's start method), else the
 * MULTIPROC_START_METHOD environment variable, else "process".
 */
export function getStartMethod(): ContextName {
  if (startMethod !== null) return startMethod;
  const started = currentProcess().context;
  if (started !== null) return started;
  const fromEnv = process.env.MULTIPROC_START_METHOD;
  return fromEnv ? contextName(fromEnv, "MULTIPROC_START_METHOD") : "process";
}

/**
 * Set the default context, once, as in Python (a second call throws unless `force`).
 * "spawn" is accepted as Python's name for what the "process" context does.
 */
export function setStartMethod(method: ContextName | "spawn", options?: { force?: boolean }): void {
  const name = contextName(method, "setStartMethod");
  if (startMethod !== null && !options?.force) {
    throw new Error(`setStartMethod(): the start method is already set to "${startMethod}"; pass { force: true } to change it`);
  }
  startMethod = name;
}

export function contextName(method: unknown, where: string): ContextName {
  if (method === "process" || method === "thread") return method;
  if (method === "spawn") return "process";
  if (method === "fork" || method === "forkserver") {
    throw new RangeError(
      `${where}: "${method}" is not available: Node.js cannot fork a running process. Use "process" (a fresh ` +
        `Node.js process per worker, like Python's "spawn") or "thread" (worker_threads).`,
    );
  }
  throw new RangeError(`${where}: unknown context ${JSON.stringify(method)}; use "process" or "thread"`);
}

export interface ResolvedContext {
  name: ContextName;
  spawn: SpawnWorker;
}

/** A context option (a name, a Context, or nothing for the default) to its backend. */
export function resolveContext(context: ContextName | { readonly name: ContextName } | undefined, where: string): ResolvedContext {
  // A context that brings its own backend (the cluster's, src/cluster/) uses it.
  if (typeof context === "object" && context !== null && "spawn" in context && typeof context.spawn === "function") {
    return { name: context.name, spawn: context.spawn as SpawnWorker };
  }
  const name = context === undefined ? getStartMethod() : contextName(typeof context === "object" && context !== null ? context.name : context, where);
  return { name, spawn: SPAWNERS[name] };
}
