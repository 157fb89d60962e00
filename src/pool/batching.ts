// How many tasks a worker should be sent now: the batching policy. A worker with nothing to do
// gets a task at once. Once a function's tasks have proved tiny (by the moving average of how
// long that function's tasks take in the workers), they travel in batches sized to carry about
// BATCH_TARGET_MS of work, shared fairly among the ready workers, and each worker holds a
// second batch so it never idles while the next one crosses the wire. Short tasks get one task
// queued ahead; slow ones, and a function not seen yet, go one at a time to whichever worker is
// free, as in Python's Pool.

/** Tasks faster than this (ms, moving average) are batched. */
const TINY_TASK_MS = 0.5;
/** Tasks faster than this get a second task queued in their worker. */
const SHORT_TASK_MS = 10;
/** How much work (ms) one batch should carry, and the most tasks it may hold. */
const BATCH_TARGET_MS = 2;
const MAX_BATCH = 512;

export interface RoomInput {
  /** Moving average of one task's time in a worker, once known. */
  avgTaskMs: number | undefined;
  queued: number;
  readyWorkers: number;
  /** This worker's tasks sent and not yet answered. */
  inflight: number;
  /** maxTasksPerChild, and how many this worker has been sent. */
  maxTasksPerChild: number | undefined;
  assigned: number;
}

export function tasksToSend({ avgTaskMs: avg, queued, readyWorkers, inflight, maxTasksPerChild: max, assigned }: RoomInput): number {
  let batch = 1;
  let capacity = 1;
  if (avg !== undefined && avg < TINY_TASK_MS) {
    batch = Math.min(MAX_BATCH, Math.max(1, Math.floor(BATCH_TARGET_MS / Math.max(avg, 0.0005))));
    batch = Math.min(batch, Math.ceil(queued / Math.max(1, readyWorkers)));
    capacity = 2 * batch;
  } else if (avg !== undefined && avg < SHORT_TASK_MS) {
    capacity = 2;
  }
  if (max !== undefined) capacity = Math.min(capacity, max - assigned + inflight);
  return Math.min(batch, capacity - inflight);
}
