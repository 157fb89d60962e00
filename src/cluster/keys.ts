// The names of the cluster's own Redis keys, beside BullMQ's (`bull:<queue>:...`). One place, so
// that callers, workers and the dashboard agree.

export interface ClusterKeys {
  /** Hash: worker id -> JSON WorkerInfo, refreshed by each live worker. */
  readonly workers: string;
  /** Pub/sub channel: job ids whose running work must stop (timeout, abort, terminate). */
  readonly cancel: string;
  /** A caller's heartbeat: exists while the caller lives; its jobs are dropped once it is gone. */
  caller(callerId: string): string;
  /** List: a caller's results, pushed by workers, popped by the caller. */
  results(callerId: string): string;
}

export function clusterKeys(queue: string): ClusterKeys {
  const base = `multiproc:${queue}`;
  return {
    workers: `${base}:workers`,
    cancel: `${base}:cancel`,
    caller: (id) => `${base}:caller:${id}`,
    results: (id) => `${base}:results:${id}`,
  };
}

/** What a live worker says about itself in the registry. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  processes: number;
  /** Portable ids of the task modules it runs (see module-identity.ts). */
  modules: string[];
  /** Started with --allow-inline (and an authkey). */
  inline: boolean;
  /** Date.now() of its last refresh. */
  at: number;
}

/** A worker that has not refreshed its entry for this long is taken for dead. */
export const WORKER_STALE_MS = 10_000;
