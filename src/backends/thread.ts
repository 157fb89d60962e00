// The thread context: each worker is a worker_threads Worker in this process.

import { Worker } from "node:worker_threads";
import { inheritedExecArgv, workerEntry, type SpawnWorker, type WorkerHandle } from "./backend.js";

export const spawnThread: SpawnWorker = (options) => {
  const worker = new Worker(workerEntry, {
    execArgv: options.execArgv ?? inheritedExecArgv(),
    env: options.env ?? process.env,
    resourceLimits: options.maxHeapMb === undefined ? undefined : { maxOldGenerationSizeMb: options.maxHeapMb },
    workerData: { multiprocName: options.name },
  });
  let lastError: Error | undefined;
  let exited = false;
  let stoppedWith: string | null = null;
  worker.on("message", (msg) => options.onMessage(msg));
  // Without an 'error' listener an uncaught error in the worker would crash the parent.
  worker.on("error", (err) => {
    lastError = err;
  });
  worker.on("exit", (code) => {
    exited = true;
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
