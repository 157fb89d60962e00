// The thread context: each worker is a worker_threads Worker in this process.

import { Worker } from "node:worker_threads";
import { inheritedExecArgv, workerEntry, type SpawnWorker, type WorkerHandle } from "./backend.js";
import { livenessBuffer, markThreadExited } from "../memory/liveness.js";

/** The parent's flags that a Worker accepts, learnt once (see startWorker). */
let threadExecArgv: string[] | undefined;

/**
 * Worker threads reject process-wide flags (ERR_WORKER_INVALID_EXEC_ARGV), and which flags a
 * parent carries depends on how it was started (some Node builds list many). The error names
 * the offending flags: drop them and try again, and remember what worked.
 */
function startWorker(options: Parameters<SpawnWorker>[0]): Worker {
  let execArgv = options.execArgv ?? threadExecArgv ?? inheritedExecArgv();
  for (;;) {
    try {
      const worker = new Worker(workerEntry, {
        execArgv,
        env: options.env ?? process.env,
        resourceLimits: options.maxHeapMb === undefined ? undefined : { maxOldGenerationSizeMb: options.maxHeapMb },
        // The liveness table: how locks held by a thread that died are told apart (memory/liveness.ts).
        workerData: { multiprocName: options.name, multiprocLiveness: livenessBuffer() },
      });
      if (!options.execArgv) threadExecArgv = execArgv;
      return worker;
    } catch (error) {
      const code = (error as { code?: string }).code;
      const listed = /flags: (.*)$/s.exec((error as Error).message)?.[1];
      if (code !== "ERR_WORKER_INVALID_EXEC_ARGV" || !listed || options.execArgv) throw error;
      const invalid = new Set(listed.split(", ").map((f) => f.trim()));
      const kept = execArgv.filter((flag) => !invalid.has(flag));
      if (kept.length === execArgv.length) throw error;
      execArgv = kept;
    }
  }
}

export const spawnThread: SpawnWorker = (options) => {
  const worker = startWorker(options);
  let lastError: Error | undefined;
  let exited = false;
  let stoppedWith: string | null = null;
  worker.on("message", (msg) => options.onMessage(msg));
  // Without an 'error' listener an uncaught error in the worker would crash the parent.
  worker.on("error", (err) => {
    lastError = err;
  });
  const threadId = worker.threadId;
  worker.on("exit", (code) => {
    exited = true;
    markThreadExited(threadId);
    // A thread has no signals; report terminate()/kill() as SIGTERM/SIGKILL so both contexts read alike.
    options.onExit(stoppedWith ? { code: null, signal: stoppedWith, error: lastError } : { code, signal: null, error: lastError });
  });
  const stop = (signal: string) => {
    if (exited || stoppedWith) return;
    stoppedWith = signal;
    void worker.terminate();
  };
  const handle: WorkerHandle = {
    context: "thread",
    pid: process.pid,
    id: worker.threadId,
    send(msg, transfer) {
      if (!exited) worker.postMessage(msg, transfer as never);
    },
    terminate: () => stop("SIGTERM"),
    kill: () => stop("SIGKILL"),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
  return handle;
};
