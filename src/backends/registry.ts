// From a context's name to the backend that spawns its workers, and the workers spawned so far.
// Every worker spawned through here is noted until it exits, so that activeChildren() can list
// a Pool's workers as Python's does. Only code that starts workers (Process, Pool, a manager)
// imports this module, and with it both backends.

import type { ContextName, ExitInfo, SpawnWorker, WorkerHandle } from "./backend.js";
import { spawnProcess } from "./process.js";
import { spawnThread } from "./thread.js";
import { contextNameOf, type ContextChoice } from "../start-method.js";

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

export interface ResolvedContext {
  name: ContextName;
  spawn: SpawnWorker;
}

/** A context option (a name, a Context, or nothing for the default) to its backend. */
export function resolveContext(context: ContextChoice | undefined, where: string): ResolvedContext {
  // A context that brings its own backend (the cluster's, src/cluster/) uses it.
  if (typeof context === "object" && context !== null && "spawn" in context && typeof context.spawn === "function") {
    return { name: context.name, spawn: context.spawn as SpawnWorker };
  }
  const name = contextNameOf(context, where);
  return { name, spawn: SPAWNERS[name] };
}
