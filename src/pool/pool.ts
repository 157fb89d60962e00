// Python's multiprocessing.Pool, with Promises and AsyncIterables. The scheduling lives in
// scheduler.ts; this file checks calls, splits input into chunks and assembles results.

import { inspect } from "node:util";
import { EventEmitter } from "node:events";
import type { ContextName } from "../backends/backend.js";
import { cpuCount } from "../cpu.js";
import { CloneError } from "../errors.js";
import type { Context } from "../context.js";
import { whileAwaited } from "../hold-event-loop.js";
import { logDebug } from "../log.js";
import { resolveContext } from "../backends/registry.js";
import { prepareFunction, type PreparedFunction, type TaskFunction } from "../fn/task-function.js";
import { encodeShareables, sharesAnything } from "../memory/shareable.js";
import { findUncloneable } from "../wire/clone-check.js";
import { TaskKind } from "../wire/messages.js";
import { AsyncResult } from "./async-result.js";
import { armCancellation, checkCallOptions, checkChunksize, type CallOptions, type MapOptions } from "./call-options.js";
import { imapIterator, type IMapIterator } from "./imap.js";
import { checkProgress, knownLength, ProgressTracker, trackIterator } from "./progress.js";
import { PoolMonitor, type PoolEvents, type PoolStats } from "./stats.js";
import { Scheduler } from "./scheduler.js";
import { newTaskId, type Caller, type Task } from "./task.js";

type Fn = (...args: never[]) => unknown;

/** apply calls made while this many tasks are queued skip capturing the caller's stack. */
const CALLER_STACK_QUEUE_LIMIT = 16;
/** Frames of the caller's stack kept for errors: the call site and a few above it. */
const CALLER_FRAMES = 6;

/** Options of `new mp.Pool(options)`: the number of workers, their context, initializer and limits. */
export interface PoolOptions {
  /** Number of workers; defaults to mp.cpuCount(). */
  processes?: number;
  /** Runs once in each worker before its first task, with `initargs`. If it throws, the pool stops and every call rejects with an InitializerError. */
  initializer?: TaskFunction<Fn>;
  initargs?: unknown[];
  /** Replace a worker after it has run this many tasks (map chunks count as one each). */
  maxTasksPerChild?: number;
  /** "process" (default: child processes) or "thread" (worker_threads), or a context from getContext(). */
  context?: ContextName | Context;
  /** Heap limit per worker in MB; a worker that exceeds it fails its task with WorkerLostError. */
  maxHeapMb?: number;
  /** Node flags for the workers; default: the parent's, less loaders, test and inspector flags. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /**
   * Add the caller's stack to errors from tasks (default true). Capturing it costs about 15 µs
   * per call; turn it off for loops of tiny, latency-bound calls.
   */
  callerStacks?: boolean;
}

/** Options of applyAsync: CallOptions plus Python's callback and errorCallback. */
export interface ApplyAsyncOptions<R> extends CallOptions {
  /** Called with the result, as in Python. If it throws, the AsyncResult rejects with that error. */
  callback?: (result: R) => void;
  /** Called with the error, as in Python. */
  errorCallback?: (error: unknown) => void;
}

/** Options of mapAsync and starmapAsync: MapOptions plus Python's callback and errorCallback. */
export interface MapAsyncOptions<R> extends MapOptions {
  callback?: (results: R[]) => void;
  errorCallback?: (error: unknown) => void;
}

type ArgsOf<A extends unknown[]> = A extends [] ? [args?: A, options?: CallOptions] : [args: A, options?: CallOptions];
type ArgsAsyncOf<A extends unknown[], R> = A extends []
  ? [args?: A, options?: ApplyAsyncOptions<R>]
  : [args: A, options?: ApplyAsyncOptions<R>];

/** Emits the events of PoolEvents (stats.ts): workerStart, workerExit, workerReplace, drain. */
export class Pool extends EventEmitter<PoolEvents> implements AsyncDisposable {
  /** Number of workers. */
  readonly processes: number;
  readonly context: ContextName;
  readonly #scheduler: Scheduler;
  /** Shareable objects in initargs stay alive as long as the pool: new workers receive them. */
  readonly #initargs: unknown[];
  readonly #callerStacks: boolean;
  readonly #monitor: PoolMonitor = new PoolMonitor(this);

  /** `new Pool(4)`, `new Pool({ processes: 4, initializer, ... })` or `new Pool(4, { ... })`. */
  constructor(processesOrOptions?: number | PoolOptions, options?: PoolOptions) {
    super();
    const opts: PoolOptions =
      typeof processesOrOptions === "object" && processesOrOptions !== null
        ? processesOrOptions
        : { ...options, processes: processesOrOptions ?? options?.processes };
    const processes = opts.processes ?? cpuCount();
    if (!(typeof processes === "number" && Number.isInteger(processes) && processes >= 1)) {
      throw new RangeError(`Pool: processes must be an integer >= 1, got ${String(processes)}`);
    }
    const max = opts.maxTasksPerChild;
    if (max !== undefined && max !== null && !(Number.isInteger(max) && max >= 1)) {
      throw new RangeError(`Pool: maxTasksPerChild must be an integer >= 1, got ${String(max)}`);
    }
    if (opts.maxHeapMb !== undefined && !(Number.isFinite(opts.maxHeapMb) && opts.maxHeapMb > 0)) {
      throw new RangeError(`Pool: maxHeapMb must be a number of megabytes > 0, got ${String(opts.maxHeapMb)}`);
    }
    const initargs = opts.initargs ?? [];
    if (!Array.isArray(initargs)) throw new TypeError("Pool: initargs must be an array");
    const bad = findUncloneable(initargs, "initargs");
    if (bad) throw new CloneError(`Pool: ${bad.path} cannot be sent to the workers: it ${bad.reason}`, bad.path);
    const initializer = opts.initializer === undefined ? undefined : prepareFunction(opts.initializer, "Pool initializer").spec;
    const sharedInitargs = encodeShareables(initargs);
    const ctx = resolveContext(opts.context, "Pool");
    this.processes = processes;
    this.context = ctx.name;
    this.#initargs = initargs;
    this.#callerStacks = opts.callerStacks ?? true;
    this.#scheduler = new Scheduler({
      size: processes,
      context: ctx.name,
      spawn: ctx.spawn,
      initializer,
      initargs: sharedInitargs.value,
      reviveInitargs: sharedInitargs.found,
      maxTasksPerChild: max ?? undefined,
      maxHeapMb: opts.maxHeapMb,
      execArgv: opts.execArgv,
      env: opts.env,
      monitor: this.#monitor,
    });
  }

  /** Counters, utilization and run/wait-time percentiles: see PoolStats. */
  stats(): PoolStats {
    return this.#monitor.snapshot(this.#scheduler.workerCounts(), this.#scheduler.queued, this.processes);
  }

  /** fn(...args) in a worker; resolves with its result. */
  apply<A extends unknown[], R>(fn: TaskFunction<(...args: A) => R>, ...[args, options]: ArgsOf<A>): Promise<Awaited<R>> {
    return this.#applyAsync(this.apply, fn as TaskFunction<Fn>, args, options) as Promise<Awaited<R>>;
  }

  /** Like apply, returning Python's AsyncResult: a Promise that also has get(timeout), wait(), ready(), successful(). */
  applyAsync<A extends unknown[], R>(fn: TaskFunction<(...args: A) => R>, ...[args, options]: ArgsAsyncOf<A, Awaited<R>>): AsyncResult<Awaited<R>> {
    return this.#applyAsync(this.applyAsync, fn as TaskFunction<Fn>, args, options as ApplyAsyncOptions<unknown>) as AsyncResult<Awaited<R>>;
  }

  #applyAsync(entry: Function, fn: TaskFunction<Fn>, args: unknown[] | undefined, options: ApplyAsyncOptions<unknown> | undefined): AsyncResult<unknown> {
    const where = entry === this.apply ? "Pool.apply" : "Pool.applyAsync";
    // Bursts of apply calls (many tasks already queued) skip the stack: see captureCaller.
    const caller = this.#callerStacks && this.#scheduler.queued < CALLER_STACK_QUEUE_LIMIT ? captureCaller(entry) : undefined;
    return new AsyncResult<unknown>((resolve, reject) => {
      const settle = withCallbacks(resolve, reject, options);
      try {
        checkCallOptions(where, options);
        if (args !== undefined && !Array.isArray(args)) throw new TypeError(`${where}: args must be an array, got ${typeof args}`);
        const prepared = prepareFunction(fn, where);
        const refusal = this.#scheduler.refusal(where);
        if (refusal) throw refusal;
        let disarm = noop;
        const task = this.#task(prepared, TaskKind.Apply, args ?? [], 0, where, caller, options, (ok, value) => {
          disarm();
          settle(ok, value);
        });
        disarm = armCancellation(where, options, (reason) => this.#scheduler.cancel(task, reason, true));
        if (task.state === "queued") this.#scheduler.submit(task);
      } catch (error) {
        settle(false, error);
      }
    }, entry !== this.apply);
  }

  /** fn over every item, in chunks; resolves with the results in input order. */
  map<T, R>(fn: TaskFunction<(item: T) => R>, iterable: Iterable<T> | AsyncIterable<T>, options?: MapOptions): Promise<Awaited<R>[]> {
    return this.#mapAll("Pool.map", TaskKind.MapChunk, fn as TaskFunction<Fn>, iterable, options) as Promise<Awaited<R>[]>;
  }

  /** Like map, returning an AsyncResult, with Python's callback and errorCallback. */
  mapAsync<T, R>(fn: TaskFunction<(item: T) => R>, iterable: Iterable<T> | AsyncIterable<T>, options?: MapAsyncOptions<Awaited<R>>): AsyncResult<Awaited<R>[]> {
    return new AsyncResult<Awaited<R>[]>((resolve, reject) => {
      const settle = withCallbacks(resolve, reject, options);
      this.map(fn, iterable, options).then((v) => settle(true, v), (e) => settle(false, e));
    }, true);
  }

  /** fn(...args) for every args list; resolves with the results in input order. */
  starmap<A extends unknown[], R>(fn: TaskFunction<(...args: A) => R>, iterable: Iterable<A> | AsyncIterable<A>, options?: MapOptions): Promise<Awaited<R>[]> {
    return this.#mapAll("Pool.starmap", TaskKind.StarmapChunk, fn as TaskFunction<Fn>, iterable, options) as Promise<Awaited<R>[]>;
  }

  starmapAsync<A extends unknown[], R>(fn: TaskFunction<(...args: A) => R>, iterable: Iterable<A> | AsyncIterable<A>, options?: MapAsyncOptions<Awaited<R>>): AsyncResult<Awaited<R>[]> {
    return new AsyncResult<Awaited<R>[]>((resolve, reject) => {
      const settle = withCallbacks(resolve, reject, options);
      this.starmap(fn, iterable, options).then((v) => settle(true, v), (e) => settle(false, e));
    }, true);
  }

  /**
   * fn over every item, yielding results in input order as they are ready. The input is read
   * lazily, a bounded distance ahead of the results, so an endless generator works.
   */
  imap<T, R>(fn: TaskFunction<(item: T) => R>, iterable: Iterable<T> | AsyncIterable<T>, options?: MapOptions): IMapIterator<Awaited<R>> {
    return this.#imap("Pool.imap", true, fn as TaskFunction<Fn>, iterable, options) as IMapIterator<Awaited<R>>;
  }

  /** Like imap, yielding each result as soon as it is ready, in completion order. */
  imapUnordered<T, R>(fn: TaskFunction<(item: T) => R>, iterable: Iterable<T> | AsyncIterable<T>, options?: MapOptions): IMapIterator<Awaited<R>> {
    return this.#imap("Pool.imapUnordered", false, fn as TaskFunction<Fn>, iterable, options) as IMapIterator<Awaited<R>>;
  }

  /** No more calls; work already submitted finishes, then the workers exit. */
  close(): void {
    logDebug("closing pool");
    this.#scheduler.close();
  }

  /** Stop every worker now; every pending call rejects with PoolClosedError. Resolves when all have exited. */
  terminate(): Promise<void> {
    logDebug("terminating pool");
    return whileAwaited(this.#scheduler.terminate());
  }

  /** @internal terminate() with SIGKILL for worker processes (ProcessPoolExecutor.killWorkers()). */
  killWorkers(): Promise<void> {
    logDebug("killing the pool's workers");
    return whileAwaited(this.#scheduler.terminate("kill"));
  }

  /** console.log() shows Python's repr: `<Pool state=RUN pool_size=4>` (CLOSE after close(), TERMINATE after terminate()). */
  [inspect.custom](): string {
    const state = { running: "RUN", closing: "CLOSE", terminated: "TERMINATE" }[this.#scheduler.state];
    return `<Pool state=${state} pool_size=${this.processes}>`;
  }

    /** Wait for every worker to exit, after close() or terminate(). */
  join(): Promise<void> {
    if (this.#scheduler.state === "running") {
      return Promise.reject(new Error("Pool.join(): the pool is still running; call close() or terminate() first"));
    }
    logDebug("joining pool");
    // Idle workers are unreferenced; the program must not end while this is awaited.
    return whileAwaited(this.#scheduler.allExited());
  }

  /**
   * `await using pool = new Pool()`: on leaving the block, the pool is closed and joined, so
   * work already submitted still finishes. (Python's `with Pool()` terminates instead; call
   * terminate() for that.)
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }

  // ---- internals --------------------------------------------------------------------------

  #task(fn: PreparedFunction, kind: TaskKind, data: unknown[], offset: number, where: string, caller: Caller | undefined, options: CallOptions | undefined, done: Task["done"]): Task {
    // Per task, so the common case (no shareable object exists) must not allocate.
    const shared = sharesAnything() ? encodeShareables(data) : undefined;
    return {
      id: newTaskId(),
      fn,
      kind,
      data: shared ? shared.value : data,
      revive: shared ? shared.found : false,
      pinned: shared?.found ? data : undefined,
      transfer: options?.transfer,
      offset,
      where,
      caller,
      retriesLeft: options?.retries ?? 0,
      retryErrors: options?.retryErrors ?? false,
      transferResult: options?.transferResult ?? false,
      state: "queued",
      queuedAt: 0,
      slot: null,
      done,
    };
  }

  /** What map-like calls check before anything runs; returns the prepared function. */
  #checkMapCall(where: string, fn: TaskFunction<Fn>, iterable: unknown, options: MapOptions | undefined): PreparedFunction {
    checkCallOptions(where, options);
    checkChunksize(where, options?.chunksize);
    checkProgress(where, options?.progress);
    checkIterable(where, iterable);
    const prepared = prepareFunction(fn, where);
    const refusal = this.#scheduler.refusal(where);
    if (refusal) throw refusal;
    return prepared;
  }

  async #mapAll(where: string, kind: TaskKind, fn: TaskFunction<Fn>, iterable: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions | undefined): Promise<unknown[]> {
    const caller = this.#callerStacks ? captureCaller(kind === TaskKind.StarmapChunk ? this.starmap : this.map) : undefined;
    const prepared = this.#checkMapCall(where, fn, iterable, options);
    const items = Array.isArray(iterable) ? iterable : await collect(iterable);
    if (kind === TaskKind.StarmapChunk) checkArgLists(where, items);
    const progress = options?.progress === undefined ? undefined : ProgressTracker.start(where, options.progress, items.length);
    if (items.length === 0) {
      progress?.end();
      return [];
    }
    // Python's default: about four chunks per worker.
    const chunksize = options?.chunksize ?? Math.ceil(items.length / (this.processes * 4));
    return new Promise<unknown[]>((resolve, reject) => {
      const out = new Array<unknown>(items.length);
      const tasks: Task[] = [];
      let remaining = Math.ceil(items.length / chunksize);
      let settled = false;
      const fail = (error: unknown, stopRunning: boolean) => {
        if (settled) return;
        settled = true;
        disarm();
        progress?.end();
        // A task's own error leaves its siblings that are already running alone; a timeout stops them.
        for (const t of tasks) if (stopRunning || t.state === "queued") this.#scheduler.cancel(t, error, stopRunning);
        reject(error);
      };
      for (let offset = 0; offset < items.length; offset += chunksize) {
        const chunk = items.slice(offset, offset + chunksize);
        tasks.push(
          this.#task(prepared, kind, chunk, offset, where, caller, options, (ok, value) => {
            if (settled) return;
            if (!ok) {
              progress?.fail(chunk.length);
              return fail(value, false);
            }
            const values = value as unknown[];
            for (let i = 0; i < values.length; i++) out[offset + i] = values[i];
            progress?.add(values.length);
            if (--remaining === 0) {
              settled = true;
              disarm();
              progress?.end();
              resolve(out);
            }
          }),
        );
      }
      const disarm = armCancellation(where, options, (reason) => fail(reason, true));
      for (const t of tasks) if (!settled) this.#scheduler.submit(t);
    });
  }

  #imap(where: string, ordered: boolean, fn: TaskFunction<Fn>, iterable: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions | undefined): IMapIterator<unknown> {
    const prepared = this.#checkMapCall(where, fn, iterable, options);
    const caller = this.#callerStacks ? captureCaller(ordered ? this.imap : this.imapUnordered) : undefined;
    const chunksize = options?.chunksize ?? 1;
    const results = imapIterator({
      iterable,
      ordered,
      chunksize,
      // Enough chunks ahead to keep every worker fed with batches, and no more.
      maxAhead: Math.max(4 * this.processes, Math.ceil(1024 / chunksize)),
      where,
      options,
      scheduler: this.#scheduler,
      makeTask: (chunk, offset, done) => this.#task(prepared, TaskKind.MapChunk, chunk, offset, where, caller, options, done),
    });
    return options?.progress ? trackIterator(where, results, options.progress, chunksize, knownLength(iterable)) : results;
  }
}

/**
 * Where a public method was called, for errors from its tasks: the stack from the user's call
 * site up, without multiproc's own frames. Capturing costs about 15 µs here whatever the number
 * of frames, a tenth of a tiny task's round trip, so apply calls in a burst skip it, and the
 * pool option callerStacks: false turns it off.
 */
function captureCaller(entry: Function): Caller {
  const holder: Caller = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = CALLER_FRAMES;
  Error.captureStackTrace(holder, entry);
  Error.stackTraceLimit = limit;
  return holder;
}

function withCallbacks<R>(
  resolve: (v: R) => void,
  reject: (e: unknown) => void,
  options: { callback?: (r: R) => void; errorCallback?: (e: unknown) => void } | undefined,
): (ok: boolean, value: unknown) => void {
  return (ok, value) => {
    try {
      if (ok) options?.callback?.(value as R);
      else options?.errorCallback?.(value);
    } catch (callbackError) {
      reject(callbackError);
      return;
    }
    if (ok) resolve(value as R);
    else reject(value);
  };
}

function checkIterable(where: string, iterable: unknown): void {
  const ok =
    iterable !== null &&
    iterable !== undefined &&
    (typeof (iterable as Iterable<unknown>)[Symbol.iterator] === "function" ||
      typeof (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function");
  if (!ok) {
    const got = iterable === null ? "null" : typeof iterable;
    throw new TypeError(`${where}: expected an iterable of items (array, Set, generator, async iterable), got ${got}`);
  }
}

function checkArgLists(where: string, items: unknown[]): void {
  const i = items.findIndex((a) => !Array.isArray(a));
  if (i !== -1) throw new TypeError(`${where}: each item must be an array of arguments; item ${i} is ${typeof items[i]}`);
}

async function collect<T>(iterable: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable as AsyncIterable<T>) out.push(item);
  return out;
}

function noop(): void {}
