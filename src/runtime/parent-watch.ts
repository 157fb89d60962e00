// A process worker must not outlive its parent, and one busy in a synchronous loop never sees
// its IPC channel's 'disconnect'. Where the kernel can do it (Linux, the native addon built,
// spawned by the parent's main thread), PR_SET_PDEATHSIG kills this process the moment the
// parent dies; it is armed as this process starts and costs loading the addon (~2 ms), no
// thread. Elsewhere a tiny thread (parent-watchdog.ts), which keeps running while the main
// thread spins, polls process.ppid; it costs a thread's start-up (~5 ms here, ~35 ms of a
// core), so it starts only once the worker is ready (start()).

import { Worker } from "node:worker_threads";
import { native } from "../memory/native.js";

export class ParentWatch {
  private readonly parentPid: number;
  private readonly kernelArmed: boolean;
  private started = false;

  /**
   * `argv`: what backends/process.ts passes the child, [parent pid, "main-thread" or
   * "worker-thread"]. Arms the kernel's signal now, synchronously: a first task spinning from
   * the start would never let an asynchronous arming run.
   */
  constructor([parentPidArg, spawnedFrom]: string[]) {
    this.parentPid = Number(parentPidArg) || process.ppid;
    this.kernelArmed = spawnedFrom === "main-thread" && this.armParentDeathSignal();
  }

  private armParentDeathSignal(): boolean {
    try {
      return native().dieWithParent?.(this.parentPid) === true;
    } catch {
      return false; // not Linux, or the addon is not built
    }
  }

  /** Starts the watchdog thread where the kernel's signal is not armed; once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.kernelArmed) return;
    const watchdog = new Worker(new URL("./parent-watchdog.js", import.meta.url), {
      execArgv: [],
      workerData: { parentPid: this.parentPid },
    });
    watchdog.on("error", () => {});
    watchdog.unref();
  }
}
