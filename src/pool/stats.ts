// What a monitoring user reads from a pool: counters, run-time and wait-time histograms
// (Node's perf_hooks histograms, as piscina reports them), and the pool's events. The
// scheduler calls these hooks at the few points where a task or a worker changes state; each
// is a counter or a histogram record, cheap enough to be always on (bench W1/W2 show it).

import type { EventEmitter } from "node:events";
import { createHistogram, performance, type RecordableHistogram } from "node:perf_hooks";
import type { ExitInfo } from "../backends/backend.js";
import type { Task } from "./task.js";
import { describeExit } from "./worker-lost.js";
import type { WorkerSlot } from "./worker-slot.js";

/** A histogram's summary, in milliseconds. Percentiles are p50, p90, p99 (and min, max). */
export interface HistogramSummary {
  /** Values recorded. */
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
}

/** `pool.stats()`: a snapshot. A map chunk counts as one task. */
export interface PoolStats {
  /** Workers alive now (including ones starting up or retiring). */
  workers: number;
  /** Workers running tasks now. */
  busy: number;
  /** Workers ready and waiting for a task. */
  idle: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks that finished with a result. */
  completed: number;
  /** Tasks that finished with an error (thrown, worker lost, timed out, cancelled, pool terminated). */
  failed: number;
  /** Times a task was run again (the `retries` option). */
  retried: number;
  /** Workers started to replace one that died, was stopped (timeout, abort) or retired (maxTasksPerChild). */
  replaced: number;
  /** Share of the workers' time spent running tasks since the pool started, 0 to 1. */
  utilization: number;
  /** Seconds since the pool was created. */
  uptime: number;
  /** How long tasks ran in a worker, in ms (a batch of tiny tasks counts its average for each). */
  runTime: HistogramSummary;
  /** How long tasks waited between their call and being sent to a worker, in ms. */
  waitTime: HistogramSummary;
}

/** A worker, as events name it. */
export interface WorkerInfo {
  /** "PoolWorker-3", as `currentProcess().name` says in the worker. */
  name: string;
  /** Its pid (process context) or threadId (thread context). */
  id: number;
}

/** Why a worker exited: it was told to (close, maxTasksPerChild), stopped (timeout, abort, terminate) or it died. */
export type WorkerExitReason = "retired" | "stopped" | "died";

export interface WorkerExitEvent extends WorkerInfo {
  reason: WorkerExitReason;
  exitCode: number | null;
  signal: string | null;
  /** "exited with code 1", "was killed by SIGKILL". */
  description: string;
  /** What the worker reported on its way down, if anything (an uncaught error, out of memory). */
  error?: Error;
}

/** The pool's "workerReplace" event: a worker went and another was started in its place. */
export interface WorkerReplaceEvent {
  /** The worker that went. */
  old: WorkerInfo;
  /** The one started in its place. */
  new: WorkerInfo;
  reason: WorkerExitReason;
}

/** The events a Pool emits (`pool.on("workerExit", (e) => ...)`). */
export interface PoolEvents {
  /** A worker is ready for tasks (its initializer has run). */
  workerStart: [worker: WorkerInfo];
  workerExit: [event: WorkerExitEvent];
  workerReplace: [event: WorkerReplaceEvent];
  /** The pool had work and now has none queued or running. */
  drain: [];
}

/** The counters and histograms of one pool, fed by its scheduler. */
export class PoolMonitor {
  #completed = 0;
  #failed = 0;
  #retried = 0;
  #replaced = 0;
  #busyMs = 0;
  #working = false;
  readonly #startedAt = performance.now();
  /** In nanoseconds: histograms hold integers, and tiny tasks take microseconds. */
  readonly #runTime: RecordableHistogram = createHistogram();
  readonly #waitTime: RecordableHistogram = createHistogram();

  constructor(private readonly events: EventEmitter<PoolEvents>) {}

  submitted(task: Task): void {
    task.queuedAt = performance.now();
  }

  sent(batch: readonly Task[]): void {
    const now = performance.now();
    for (const t of batch) this.#waitTime.record(toNs(now - t.queuedAt));
  }

  /** A worker answered `count` tasks after `busyMs` of work. */
  ran(busyMs: number, count: number): void {
    this.#busyMs += busyMs;
    const each = toNs(busyMs / count);
    for (let i = 0; i < count; i++) this.#runTime.record(each);
  }

  settled(ok: boolean): void {
    if (ok) this.#completed++;
    else this.#failed++;
  }

  retried(): void {
    this.#retried++;
  }

  /** Spawned (the "workerStart" event waits for workerReady: listeners added after `new Pool()` see the first workers too). */
  workerStarted(slot: WorkerSlot, replacing: WorkerSlot | undefined): void {
    if (replacing) this.#replaced++;
    if (replacing && this.events.listenerCount("workerReplace") > 0) {
      this.events.emit("workerReplace", { old: info(replacing), new: info(slot), reason: exitReason(replacing) });
    }
  }

  /** Its initializer ran; it takes tasks. */
  workerReady(slot: WorkerSlot): void {
    if (this.events.listenerCount("workerStart") > 0) this.events.emit("workerStart", info(slot));
  }

  workerExited(slot: WorkerSlot, exit: ExitInfo): void {
    if (this.events.listenerCount("workerExit") === 0) return;
    const event: WorkerExitEvent = {
      ...info(slot),
      reason: exitReason(slot),
      exitCode: exit.code,
      signal: exit.signal,
      description: describeExit(exit),
    };
    if (exit.error) event.error = exit.error;
    this.events.emit("workerExit", event);
  }

  /** Whether the pool has work queued or running, after each dispatch: "drain" when that ends. */
  working(working: boolean): void {
    if (this.#working && !working && this.events.listenerCount("drain") > 0) this.events.emit("drain");
    this.#working = working;
  }

  snapshot(workers: { workers: number; busy: number; idle: number }, queued: number, size: number): PoolStats {
    const uptimeMs = performance.now() - this.#startedAt;
    return {
      ...workers,
      queued,
      completed: this.#completed,
      failed: this.#failed,
      retried: this.#retried,
      replaced: this.#replaced,
      utilization: uptimeMs > 0 ? Math.min(1, this.#busyMs / (uptimeMs * size)) : 0,
      uptime: uptimeMs / 1000,
      runTime: summarize(this.#runTime),
      waitTime: summarize(this.#waitTime),
    };
  }
}

function info(slot: WorkerSlot): WorkerInfo {
  return { name: slot.name, id: slot.handle.id };
}

function exitReason(slot: WorkerSlot): WorkerExitReason {
  if (slot.stopped) return "stopped";
  if (slot.retiring) return "retired";
  return "died";
}

function toNs(ms: number): number {
  return Math.max(1, Math.round(ms * 1e6));
}

function summarize(h: RecordableHistogram): HistogramSummary {
  const count = h.count;
  if (count === 0) return { count: 0, min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 };
  const ms = (ns: number) => ns / 1e6;
  return {
    count,
    min: ms(h.min),
    max: ms(h.max),
    mean: ms(h.mean),
    stddev: ms(h.stddev),
    p50: ms(h.percentile(50)),
    p90: ms(h.percentile(90)),
    p99: ms(h.percentile(99)),
  };
}
