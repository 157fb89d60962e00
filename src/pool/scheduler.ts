// The engine behind Pool: the task queue, the workers, batching, and what happens when a
// worker dies. Pool (pool.ts) is the public face; it validates calls and shapes results.
//
// Dispatch: a worker that has nothing to do gets a task at once, so a lone task never waits;
// tiny tasks that queue up travel in batches (batching.ts says how many go where,
// encode-batch.ts how they travel). Idle workers do not keep the parent alive (keep-alive.ts).
//
// Death: a worker runs its tasks in the order they were sent. When it dies, the task it was
// running (the one it named on its way down, else the first one without a result) fails with
// WorkerLostError, or is retried if the caller asked for retries; the tasks behind it never
// started and go back to the front of the queue. A replacement is started.

import type { ContextName, ExitInfo, SpawnWorker } from "../backends/backend.js";
import { CloneError, InitializerError, PoolClosedError, WorkerLostError } from "../errors.js";
import { deserializeError, loadErrorClasses, pointAtCaller, type WireError } from "../wire/errors.js";
import { holdEventLoop } from "../hold-event-loop.js";
import { logDebug, loggingForWorkers } from "../log.js";
import { type FnSpec, type FromWorker, type WireResults } from "../wire/messages.js";
import { tasksToSend } from "./batching.js";
import { encodeBatch, findUnsendable } from "./encode-batch.js";
import { KeepAlive } from "./keep-alive.js";
import type { PoolMonitor } from "./stats.js";
import type { Task } from "./task.js";
import { Fifo } from "./fifo.js";
import { describeExit, workerLostError } from "./worker-lost.js";
import { WorkerSlot } from "./worker-slot.js";

/** A pool whose workers die this many times in a row before any becomes ready stops trying. */
const MAX_START_FAILURES = 3;

export interface SchedulerOptions {
  size: number;
  context: ContextName;
  spawn: SpawnWorker;
  initializer?: FnSpec;
  initargs?: unknown[];
  /** initargs hold shareable objects to rebuild in each worker. */
  reviveInitargs?: boolean;
  maxTasksPerChild?: number;
  maxHeapMb?: number;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Counters, histograms and events (stats.ts). */
  monitor: PoolMonitor;
}

let workerCounter = 0;

export class Scheduler {
  readonly #opts: SchedulerOptions;
  readonly #queue = new Fifo<Task>();
  readonly #slots = new Set<WorkerSlot>();
  readonly #keepAlive = new KeepAlive(
    () => [...this.#slots].map((slot) => slot.handle),
    () => this.#queue.length === 0 && !this.#busy(),
  );
  /**
   * Moving average of how long one task takes in a worker, per function: a pool warmed up by tiny
   * tasks must not batch the first calls of a heavy function (that would split them statically
   * between workers); a function without an estimate goes one task at a time.
   */
  readonly #avgTaskMs = new Map<number, number>();
  #state: "running" | "closing" | "terminated" = "running";
  #broken: Error | null = null;
  #startFailures = 0;
  /** Jobs that may still submit tasks after close() (an imap still reading its input), each with what to call when the pool closes or stops. */
  readonly #openJobs = new Set<() => void>();
  #exitWaiters: (() => void)[] = [];

  constructor(opts: SchedulerOptions) {
    this.#opts = opts;
    for (let i = 0; i < opts.size; i++) this.#spawn();
    this.#keepAlive.update(false);
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  get state(): "running" | "closing" | "terminated" {
    return this.#state;
  }

  /** Workers alive, running tasks, and ready with nothing to do, for Pool.stats(). */
  workerCounts(): { workers: number; busy: number; idle: number } {
    let busy = 0;
    let idle = 0;
    for (const s of this.#slots) {
      if (s.inflightCount > 0) busy++;
      else if (s.ready && !s.retiring && !s.stopped) idle++;
    }
    return { workers: this.#slots.size, busy, idle };
  }

  /** Why calls fail at once, if they do: the pool was closed, terminated, or its initializer failed. */
  refusal(where: string, internal = false): Error | null {
    if (this.#broken) return this.#broken;
    if (this.#state === "terminated") return new PoolClosedError(`${where}: the pool has been terminated`);
    if (this.#state === "closing" && !internal) return new PoolClosedError(`${where}: the pool has been closed`);
    return null;
  }

  submit(task: Task): void {
    const refusal = this.refusal(task.where, true);
    if (refusal) {
      this.#settle(task, false, refusal);
      return;
    }
    this.#queue.push(task);
    this.#opts.monitor.submitted(task);
    // Dispatch after the caller's synchronous code: a lone task still leaves within
    // microseconds, and a loop that submits thousands is seen whole and batched.
    if (!this.#pumpScheduled) {
      this.#pumpScheduled = true;
      queueMicrotask(this.#scheduledPump);
    }
  }

  #pumpScheduled = false;
  readonly #scheduledPump = () => {
    this.#pumpScheduled = false;
    this.#pump();
  };

  /**
   * Settle a task with `reason` now. A queued task never runs. A running one is left to finish
   * (its result is ignored) unless `stopRunning`, which stops its worker and starts another.
   */
  cancel(task: Task, reason: unknown, stopRunning: boolean): void {
    if (task.state === "settled") return;
    const slot = task.slot;
    if (task.state === "running" && slot && stopRunning) this.#stopSlot(slot, task);
    this.#settle(task, false, reason);
    // A closing pool may have been waiting only for this one (a queued task's cancellation leaves it in the queue).
    this.#maybeFinishClose();
  }

  /**
   * A job that may submit tasks after close(). `onPoolChange` is called when the pool closes,
   * terminates or breaks: the job then reads the rest of its input without waiting for its
   * consumer (close() must finish everything submitted) or stops (see refusal()). Returns the
   * function that ends the job; close() completes only when every job has ended.
   */
  openJob(onPoolChange: () => void): () => void {
    const job = () => onPoolChange();
    this.#openJobs.add(job);
    return () => {
      if (this.#openJobs.delete(job)) this.#maybeFinishClose();
    };
  }

  close(): void {
    if (this.#state !== "running") return;
    this.#state = "closing";
    this.#notifyJobs();
    this.#maybeFinishClose();
  }

  #notifyJobs(): void {
    for (const job of [...this.#openJobs]) job();
  }

  /**
   * Stop every worker now; every call not finished rejects. `kill`: SIGKILL for processes, also
   * to the workers still alive after an earlier terminate() (one that ignores SIGTERM).
   */
  terminate(how: "terminate" | "kill" = "terminate"): Promise<void> {
    const stop = (slot: WorkerSlot) => (how === "kill" ? slot.handle.kill() : slot.handle.terminate());
    if (this.#state !== "terminated") {
      this.#state = "terminated";
      this.#failAll(new PoolClosedError("The pool was terminated before this task finished"), stop);
    } else if (how === "kill") {
      for (const slot of this.#slots) stop(slot);
    }
    return this.allExited();
  }

  /** Resolves once every worker has exited (after close() or terminate()). */
  allExited(): Promise<void> {
    if (this.#slots.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#exitWaiters.push(resolve));
  }

  // ---- workers ----------------------------------------------------------------------------

  #spawn(replacing?: WorkerSlot): void {
    const slot = new WorkerSlot(`PoolWorker-${++workerCounter}`);
    slot.handle = this.#opts.spawn({
      name: slot.name,
      execArgv: this.#opts.execArgv,
      env: this.#opts.env,
      maxHeapMb: this.#opts.maxHeapMb,
      onMessage: (msg) => this.#onMessage(slot, msg),
      onExit: (info) => this.#onExit(slot, info),
    });
    this.#slots.add(slot);
    const { initializer, initargs, reviveInitargs } = this.#opts;
    slot.handle.send({ t: "init", name: slot.name, index: workerCounter, initializer, initargs, revive: reviveInitargs, log: loggingForWorkers() });
    if (!this.#keepAlive.referenced) slot.handle.unref();
    this.#opts.monitor.workerStarted(slot, replacing);
    const id = this.#opts.context === "thread" ? "thread" : "pid";
    if (replacing) logDebug("added worker %s (%s %d), replacing %s", slot.name, id, slot.handle.id, replacing.name);
    else logDebug("added worker %s (%s %d)", slot.name, id, slot.handle.id);
  }

  #onMessage(slot: WorkerSlot, msg: FromWorker): void {
    if (Array.isArray(msg)) {
      this.#onResults(slot, { ids: [msg[1]], values: [msg[2]] }, msg[3]);
      return;
    }
    switch (msg.t) {
      case "results":
        this.#onResults(slot, msg, msg.busyMs);
        return;
      case "ready":
        slot.ready = true;
        this.#startFailures = 0;
        this.#opts.monitor.workerReady(slot);
        this.#pump();
        return;
      case "init-error":
        this.#breakPool(
          new InitializerError(`The pool's initializer failed in worker ${slot.name}: ${msg.error.message}`, {
            cause: deserializeError(msg.error),
          }),
        );
        return;
      case "dying":
        slot.dying = { taskId: msg.taskId, reason: msg.reason };
        return;
    }
  }

  #onResults(slot: WorkerSlot, results: WireResults, busyMs: number): void {
    const { ids, values, errors } = results;
    const perTask = busyMs / ids.length;
    this.#opts.monitor.ran(busyMs, ids.length);
    let learnt = -1;
    let e = 0;
    for (let i = 0; i < ids.length; i++) {
      const task = slot.answered(ids[i]!);
      if (task && task.fn.id !== learnt) {
        learnt = task.fn.id;
        const avg = this.#avgTaskMs.get(learnt);
        this.#avgTaskMs.set(learnt, avg === undefined ? perTask : avg * 0.7 + perTask * 0.3);
      }
      const failed = errors !== undefined && e < errors.length && errors[e]![0] === i;
      const error = failed ? errors[e++]![1] : undefined;
      if (!task || task.state === "settled") continue;
      // A task whose remote worker process died (results.lost) is retried as a local death is.
      if (error && task.retriesLeft > 0 && (task.retryErrors || results.lost?.includes(i))) {
        task.retriesLeft--;
        this.#opts.monitor.retried();
        task.state = "queued";
        task.slot = null;
        this.#queue.unshiftAll([task]);
      } else if (error) this.#settleFailed(task, error);
      else this.#settle(task, true, values[i]);
    }
    this.#pump();
    this.#maybeFinishClose();
  }

  /** A task's error, rebuilt; when its class comes from a task module not yet imported here, once it is. */
  #settleFailed(task: Task, error: WireError): void {
    const loading = loadErrorClasses(error);
    if (!loading) return this.#settle(task, false, deserializeError(error, task.caller?.stack));
    task.slot = null; // answered: a cancel meanwhile must not stop the worker
    const release = holdEventLoop(); // the pool may be idle while the import runs
    void loading.then(() => {
      release();
      this.#settle(task, false, deserializeError(error, task.caller?.stack));
    });
  }

  #onExit(slot: WorkerSlot, info: ExitInfo): void {
    this.#slots.delete(slot);
    this.#opts.monitor.workerExited(slot, info);
    logDebug("worker %s %s", slot.name, describeExit(info));
    const unanswered = slot.takeUnanswered().filter((t) => t.state === "running");
    // A worker that dies before it is ready counts as a failure to start, unless it was killed
    // from outside (SIGKILL, SIGTERM): that says nothing about whether the next one can start.
    const killedFromOutside = info.signal === "SIGKILL" || info.signal === "SIGTERM";
    if (!slot.ready && !slot.stopped && !slot.retiring && !killedFromOutside && !this.#broken && this.#state !== "terminated") {
      this.#startFailures++;
    }
    if (unanswered.length > 0) {
      const culprit = (slot.dying && unanswered.find((t) => t.id === slot.dying!.taskId)) || unanswered[0]!;
      const rest = unanswered.filter((t) => t !== culprit);
      for (const t of rest) t.state = "queued";
      if (culprit.retriesLeft > 0) {
        culprit.retriesLeft--;
        this.#opts.monitor.retried();
        culprit.state = "queued";
        rest.unshift(culprit);
      } else {
        this.#settle(culprit, false, workerLostError(slot, info, culprit, this.#opts.context, this.#opts.maxHeapMb));
      }
      this.#queue.unshiftAll(rest);
    }
    if (this.#startFailures >= MAX_START_FAILURES && !this.#broken) {
      this.#breakPool(
        new WorkerLostError(`The pool's workers keep dying before they are ready: the last one ${describeExit(info)}`, {
          exitCode: info.code,
          signal: info.signal,
          workerId: slot.handle.id,
          task: "starting up",
          cause: info.error,
        }),
      );
    }
    if (this.#needsWorkers()) this.#spawn(slot);
    this.#pump();
    this.#maybeFinishClose();
    if (this.#slots.size === 0) for (const resolve of this.#exitWaiters.splice(0)) resolve();
  }

  /** Keep `size` workers that take tasks, while there is or may be work. */
  #needsWorkers(): boolean {
    if (this.#broken || this.#state === "terminated") return false;
    if (this.#state === "closing" && this.#queue.length === 0 && this.#openJobs.size === 0) return false;
    let active = 0;
    for (const s of this.#slots) if (!s.retiring && !s.stopped) active++;
    return active < this.#opts.size;
  }

  /** Stop a worker on purpose; the tasks behind `except` go back to the queue. */
  #stopSlot(slot: WorkerSlot, except: Task): void {
    slot.stopped = true;
    const requeue = slot.takeUnanswered().filter((t) => t !== except && t.state === "running");
    for (const t of requeue) t.state = "queued";
    this.#queue.unshiftAll(requeue);
    slot.handle.kill();
    if (this.#needsWorkers()) this.#spawn(slot);
  }

  #breakPool(error: Error): void {
    if (this.#broken) return;
    this.#broken = error;
    this.#failAll(error, (slot) => slot.handle.kill());
  }

  /** Reject every queued and running task with `error`, and stop every worker with `stop`. */
  #failAll(error: Error, stop: (slot: WorkerSlot) => void): void {
    for (const task of this.#queue.drain()) this.#settle(task, false, error);
    for (const slot of this.#slots) {
      for (const task of slot.takeUnanswered()) this.#settle(task, false, error);
      slot.stopped = true;
      stop(slot);
    }
    this.#notifyJobs();
    this.#shutdown();
  }

  // ---- dispatch ---------------------------------------------------------------------------

  #pump(): void {
    if (this.#queue.length > 0) {
      let readySlots = 0;
      for (const s of this.#slots) if (s.ready && !s.retiring && !s.stopped) readySlots++;
      for (const slot of this.#slots) {
        if (!slot.ready || slot.retiring || slot.stopped) continue;
        while (this.#queue.length > 0) {
          const room = tasksToSend({
            avgTaskMs: this.#avgTaskMs.get(this.#queue.peek()?.fn.id ?? -1),
            queued: this.#queue.length,
            readyWorkers: readySlots,
            inflight: slot.inflightCount,
            maxTasksPerChild: this.#opts.maxTasksPerChild,
            assigned: slot.assigned,
          });
          if (room <= 0) break;
          const batch = this.#take(room);
          if (batch.length === 0) break;
          this.#send(slot, batch);
        }
      }
    }
    const working = this.#queue.length > 0 || this.#busy();
    this.#keepAlive.update(working);
    this.#opts.monitor.working(working);
  }

  #take(n: number): Task[] {
    const batch: Task[] = [];
    while (batch.length < n) {
      const task = this.#queue.shift();
      if (!task) break;
      if (task.state === "queued") batch.push(task);
    }
    return batch;
  }

  #send(slot: WorkerSlot, batch: Task[]): void {
    const { msg, transfer, defs } = encodeBatch(batch, slot.known);
    try {
      slot.handle.send(msg, transfer);
    } catch (error) {
      this.#sendFailed(slot, batch, error);
      return;
    }
    if (defs) for (const [id] of defs) slot.known.add(id);
    for (const t of batch) {
      t.state = "running";
      t.slot = slot;
    }
    slot.sent(batch);
    this.#opts.monitor.sent(batch);
    const max = this.#opts.maxTasksPerChild;
    if (max !== undefined && slot.assigned >= max) {
      slot.retiring = true;
      slot.handle.send({ t: "exit" });
      if (this.#needsWorkers()) this.#spawn(slot);
    }
  }

  /** A batch could not be cloned: fail the tasks whose data cannot travel, send the others. */
  #sendFailed(slot: WorkerSlot, batch: Task[], error: unknown): void {
    const good: Task[] = [];
    for (const t of batch) {
      const bad = findUnsendable(t, this.#opts.context);
      if (bad) {
        const msg = `${t.where}: ${bad.path} cannot be sent to a worker: it ${bad.reason}. Tasks take plain data ` +
          `(primitives, objects, arrays, Map, Set, Date, typed arrays, Error, ...) and multiproc's shared objects.`;
        this.#settle(t, false, pointAtCaller(new CloneError(msg, bad.path, error), t.caller?.stack));
      } else good.push(t);
    }
    if (good.length === batch.length) {
      for (const t of batch) this.#settle(t, false, error);
    } else if (good.length > 0) {
      this.#send(slot, good);
    }
  }

  #settle(task: Task, ok: boolean, value: unknown): void {
    if (task.state === "settled") return;
    task.state = "settled";
    task.slot = null;
    this.#opts.monitor.settled(ok);
    task.done(ok, value);
  }

  #busy(): boolean {
    for (const s of this.#slots) if (s.inflightCount > 0) return true;
    return false;
  }

  #maybeFinishClose(): void {
    // Cancelled tasks stay in the queue until dispatch skips them: they are not work left.
    while (this.#queue.peek()?.state === "settled") this.#queue.shift();
    if (this.#state !== "closing" || this.#queue.length > 0 || this.#openJobs.size > 0 || this.#busy()) return;
    for (const slot of this.#slots) {
      if (slot.retiring) continue;
      slot.retiring = true;
      slot.handle.send({ t: "exit" });
    }
    this.#shutdown();
  }

  /** From now on the workers keep the parent alive until they exit, so join() can see them go. */
  #shutdown(): void {
    this.#keepAlive.pin();
  }
}
