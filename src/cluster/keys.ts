// The names of the cluster's own Redis keys, beside BullMQ's (`bull:<queue>:...`). One place, so
// that callers, workers and the dashboard agree.

export interface ClusterKeys {
  /** Hash: worker id -> JSON WorkerInfo, refreshed by each live worker. */
  readonly workers: string;
  /** Pub/sub channel: job ids whose running work must stop (timeout, abort, terminate). */
  readonly cancel: string;
  /** Held (SET NX PX) by the one worker sweeping dead callers' jobs out of the queue this round. */
  readonly sweep: string;
  /** BullMQ's list of the queue's waiting job ids (its default prefix). */
  readonly waiting: string;
  /** BullMQ's hash of one job (gone once the job completed, or was removed). */
  job(jobId: string): string;
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
    sweep: `${base}:sweep`,
    waiting: `bull:${queue}:wait`,
    job: (id) => `bull:${queue}:${id}`,
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

/** The caller a job id belongs to (ids are `<caller id>-<n>`), or null for jobs queued by others. */
export function callerOfJob(jobId: string): string | null {
  const m = /^([0-9a-f]{16})-\d+$/.exec(jobId);
  return m ? m[1]! : null;
}

/** A worker that has not refreshed its entry for this long is taken for dead. */
export const WORKER_STALE_MS = 10_000;
