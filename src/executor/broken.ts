// concurrent.futures' BrokenExecutor family: an executor that can run nothing more. multiproc
// breaks one only when no worker can start (the initializer fails, or workers die before they
// are ready); a worker that dies under a task fails that task's future alone (WorkerLostError),
// and the pool replaces the worker, where Python would break the whole executor.

import { MultiprocError, multiprocErrors } from "../errors.js";

/** The executor can run no more tasks; `cause` says why. Every pending future fails with it, and so does submit(). */
export class BrokenExecutor extends MultiprocError {
  override name = "BrokenExecutor";
  override readonly code: string = "MULTIPROC_BROKEN_EXECUTOR";
}

/** A ProcessPoolExecutor that can run no more tasks (Python's concurrent.futures.process.BrokenProcessPool). */
export class BrokenProcessPool extends BrokenExecutor {
  override name = "BrokenProcessPool";
  override readonly code = "MULTIPROC_BROKEN_PROCESS_POOL";
}

/** A ThreadPoolExecutor that can run no more tasks (Python's concurrent.futures.thread.BrokenThreadPool). */
export class BrokenThreadPool extends BrokenExecutor {
  override name = "BrokenThreadPool";
  override readonly code = "MULTIPROC_BROKEN_THREAD_POOL";
}

multiprocErrors(BrokenExecutor, BrokenProcessPool, BrokenThreadPool);
