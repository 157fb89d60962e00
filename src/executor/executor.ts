// Python's concurrent.futures executors on a multiproc Pool: submit() returns a Future, map()
// yields results in order, shutdown() and `await using` end it. As in CPython's process.py, the
// executor keeps its own queue of pending work and hands the pool only a few more calls than it
// has workers, so a future is "running" from then on and cancel() works until then.

import type { ContextName } from "../backends/backend.js";
import { cpuCount } from "../cpu.js";
import { InitializerError, PoolClosedError, timeoutError, WorkerLostError } from "../errors.js";
import { Pool, type PoolOptions } from "../pool/pool.js";
import { Fifo } from "../pool/fifo.js";
import { prepareFunction, type TaskFunction } from "../fn/task-function.js";
import { BrokenExecutor, BrokenProcessPool, BrokenThreadPool } from "./broken.js";
import { Future, futureControl } from "./future.js";

type Fn = (...args: never[]) => unknown;

/** What the pool under an executor takes: Python's initializer, initargs and max_tasks_per_child, and multiproc's worker options. */
export type ExecutorOptions = Pick<PoolOptions, "initializer" | "initargs" | "maxTasksPerChild" | "maxHeapMb" | "execArgv" | "env">;

/** Options of an executor's map(): timeout and chunksize, as Python's Executor.map takes. */
export interface ExecutorMapOptions {
  /** Seconds from the map() call; a result not ready by then rejects the iteration with a TimeoutError, and the futures not yet run are cancelled. */
  timeout?: number;
  /** Items per task (default 1): larger chunks cut the per-task cost of tiny items. */
  chunksize?: number;
  /**
   * Python 3.14's buffersize: at most this many tasks (chunks) submitted whose results have not
   * been yielded yet; the iterables are read lazily, one more task as each result is taken. For
   * long or endless iterables. Default: every call is submitted at once.
   */
  buffersize?: number;
}

/** Options of an executor's shutdown(): Python's wait and cancel_futures. */
export interface ShutdownOptions {
  /** Resolve only once every pending future is done and the workers have exited (default true). */
  wait?: boolean;
  /** Cancel the futures that have not started (default false). */
  cancelFutures?: boolean;
}

interface WorkItem {
  future: Future<unknown>;
  run: (pool: Pool) => Promise<unknown>;
}

/** What ProcessPoolExecutor and ThreadPoolExecutor share: everything but the context. */
export class Executor implements AsyncDisposable {
  /** The number of workers. */
  readonly maxWorkers: number;
  readonly #context: ContextName;
  readonly #options: ExecutorOptions;
  readonly #name: string;
  readonly #maxInPool: number;
  readonly #Broken: typeof BrokenExecutor;
  #pool: Pool | undefined;
  readonly #pending = new Fifo<WorkItem>();
  #inPool = 0;
  #shutdown = false;
  #broken: BrokenExecutor | null = null;
  #idleWaiters: (() => void)[] = [];

  protected constructor(name: string, context: ContextName, maxWorkers: number | undefined, options: ExecutorOptions | undefined, extraInPool: number, Broken: typeof BrokenExecutor) {
    const n = maxWorkers ?? cpuCount();
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`${name}: maxWorkers must be an integer >= 1, got ${String(maxWorkers)}`);
    if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError(`${name}: options must be an object`);
    // The workers start at the first submit(); a bad initializer is told now.
    if (options?.initializer !== undefined) prepareFunction(options.initializer, `${name} initializer`);
    this.maxWorkers = n;
    this.#name = name;
    this.#context = context;
    this.#options = options ?? {};
    this.#maxInPool = n + extraInPool;
    this.#Broken = Broken;
  }

  /** fn(...args) in a worker; the Future settles with its result. */
  submit<A extends unknown[], R>(fn: TaskFunction<(...args: A) => R>, ...args: A): Future<Awaited<R>> {
    const where = `${this.#name}.submit`;
    this.#checkOpen(where);
    prepareFunction(fn, where); // a closure or a non-function fails here, not later in the future
    return this.#enqueue((pool) => pool.apply(fn as TaskFunction<Fn>, args as never)) as Future<Awaited<R>>;
  }

  /**
   * fn over the iterables zipped (the shortest ends it), as Python's Executor.map: every call is
   * submitted now; the results come in order as they are ready. Stopping early, an error or the
   * timeout cancels the calls that have not started.
   */
  map<T extends unknown[], R>(fn: TaskFunction<(...args: T) => R>, ...iterablesAndOptions: [...{ [K in keyof T]: Iterable<T[K]> }] | [...{ [K in keyof T]: Iterable<T[K]> }, ExecutorMapOptions]): AsyncIterableIterator<Awaited<R>> {
    const where = `${this.#name}.map`;
    const last = iterablesAndOptions.at(-1);
    const hasOptions = last !== undefined && last !== null && typeof last === "object" && !(Symbol.iterator in last);
    const options = (hasOptions ? last : {}) as ExecutorMapOptions;
    const iterables = (hasOptions ? iterablesAndOptions.slice(0, -1) : iterablesAndOptions) as Iterable<unknown>[];
    const { timeout, chunksize = 1, buffersize } = options;
    if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0)) throw new RangeError(`${where}: timeout must be a number of seconds >= 0, got ${String(timeout)}`);
    if (!(Number.isInteger(chunksize) && chunksize >= 1)) throw new RangeError(`${where}: chunksize must be an integer >= 1, got ${String(chunksize)}`);
    if (buffersize !== undefined && !(Number.isInteger(buffersize) && buffersize >= 1)) throw new RangeError(`${where}: buffersize must be an integer >= 1, got ${String(buffersize)}`);
    if (iterables.length === 0) throw new TypeError(`${where}: expected at least one iterable`);
    iterables.forEach((it, i) => {
      if (it === null || typeof (it as Iterable<unknown>)?.[Symbol.iterator] !== "function") throw new TypeError(`${where}: argument ${i + 2} is not iterable`);
    });
    this.#checkOpen(where);
    prepareFunction(fn, where);
    const deadline = timeout === undefined ? undefined : performance.now() + timeout * 1000;
    const chunks = chunked(zip(iterables), chunksize);
    const futures: Future<unknown[]>[] = [];
    const submitNext = (): boolean => {
      const step = chunks.next();
      if (step.done) return false;
      const args = step.value;
      if (buffersize !== undefined) this.#checkOpen(where); // a lazy submit after shutdown() fails as submit() does
      futures.push(this.#enqueue((pool) => pool.starmap(fn as TaskFunction<(...a: unknown[]) => unknown>, args, { chunksize: args.length })) as Future<unknown[]>);
      return true;
    };
    for (let n = 0; (buffersize === undefined || n < buffersize) && submitNext(); n++);
    return results(futures, buffersize === undefined ? null : submitNext, chunks, deadline, where, timeout) as AsyncIterableIterator<Awaited<R>>;
  }

  /**
   * No more submit(). With `cancelFutures`, the futures not yet started are cancelled. With
   * `wait` (the default), resolves once every other future is done and the workers have exited;
   * without, returns at once and the executor frees its workers when its work is done.
   */
  async shutdown({ wait = true, cancelFutures = false }: ShutdownOptions = {}): Promise<void> {
    this.#shutdown = true;
    if (cancelFutures) for (const item of this.#pending.drain()) item.future.cancel();
    const finished = this.#whenIdle().then(async () => {
      const pool = this.#pool;
      if (!pool) return;
      pool.close();
      await pool.join();
    });
    if (wait) await finished;
  }

  /**
   * Python 3.14's terminate_workers(): the last resort when shutdown() cannot finish (a task that
   * never returns). Stops every worker now (SIGTERM for a process; a thread is stopped), cancels
   * the futures not started, fails the running ones with BrokenProcessPool / BrokenThreadPool,
   * and makes later submit() throw it too. Resolves once every worker has exited.
   */
  terminateWorkers(): Promise<void> {
    return this.#forceShutdown("terminate");
  }

  /** Python 3.14's kill_workers(): terminateWorkers() with SIGKILL, which a process cannot ignore. */
  killWorkers(): Promise<void> {
    return this.#forceShutdown("kill");
  }

  async #forceShutdown(how: "terminate" | "kill"): Promise<void> {
    this.#shutdown = true;
    for (const item of this.#pending.drain()) item.future.cancel();
    const verb = how === "kill" ? "killed" : "terminated";
    this.#break(new Error(`its workers were ${verb} (${how}Workers())`));
    const pool = this.#pool;
    if (pool) await (how === "kill" ? pool.killWorkers() : pool.terminate());
  }

  /** `await using executor = new ProcessPoolExecutor()`: shutdown({ wait: true }) at the end of the block, as Python's `with`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown({ wait: true });
  }

  #checkOpen(where: string): void {
    if (this.#broken) throw this.#broken;
    if (this.#shutdown) throw new PoolClosedError(`${where}: cannot schedule new futures after shutdown`);
  }

  #enqueue(run: WorkItem["run"]): Future<unknown> {
    const future = new Future<unknown>();
    this.#pending.push({ future, run });
    this.#dispatch();
    return future;
  }

  /** Hand pending work to the pool while it has fewer than maxWorkers (+1 for processes) calls. */
  #dispatch(): void {
    while (this.#inPool < this.#maxInPool && this.#pending.length > 0 && !this.#broken) {
      const { future, run } = this.#pending.shift()!;
      const control = futureControl(future);
      if (!control.setRunning()) continue; // cancelled while pending
      let pool: Pool;
      try {
        pool = this.#pool ??= new Pool({ ...this.#options, processes: this.maxWorkers, context: this.#context });
      } catch (error) {
        this.#break(error);
        control.setException(this.#broken);
        return;
      }
      this.#inPool++;
      run(pool).then(
        (value) => control.setResult(value),
        (error: unknown) => {
          if (isPoolBroken(error)) this.#break(error);
          control.setException(this.#broken ?? error);
        },
      ).finally(() => {
        this.#inPool--;
        this.#dispatch();
      });
    }
    if (this.#inPool === 0 && this.#pending.length === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  /** No worker can start: every pending future and every later submit() fails with BrokenProcessPool / BrokenThreadPool. */
  #break(cause: unknown): void {
    if (this.#broken) return;
    const why = cause instanceof Error ? cause.message : String(cause);
    this.#broken = new this.#Broken(`${this.#name}: the pool cannot run tasks: ${why}`, { cause });
    for (const item of this.#pending.drain()) {
      const control = futureControl(item.future);
      if (control.setRunning()) control.setException(this.#broken);
    }
  }

  #whenIdle(): Promise<void> {
    if (this.#inPool === 0 && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}

/**
 * Python's ProcessPoolExecutor: tasks run in child processes. `new ProcessPoolExecutor(4,
 * { initializer, initargs, maxTasksPerChild })`; the workers start at the first submit().
 */
export class ProcessPoolExecutor extends Executor {
  constructor(maxWorkers?: number, options?: ExecutorOptions) {
    // Python's call queue holds one call more than there are workers (EXTRA_QUEUED_CALLS).
    super("ProcessPoolExecutor", "process", maxWorkers, options, 1, BrokenProcessPool);
  }
}

/**
 * Python's ThreadPoolExecutor on worker_threads: tasks run in threads of this process, which
 * (unlike Python's threads) share no variables with it: tasks are functions that travel, as
 * for a Pool. Default maxWorkers: mp.cpuCount() (Python's min(32, cpus + 4) suits threads that
 * wait on I/O under a GIL; a worker thread here is a whole JavaScript engine).
 */
export class ThreadPoolExecutor extends Executor {
  constructor(maxWorkers?: number, options?: ExecutorOptions) {
    super("ThreadPoolExecutor", "thread", maxWorkers, options, 0, BrokenThreadPool);
  }
}

/** The pool refuses all work: its initializer failed, or its workers die before they are ready. */
function isPoolBroken(error: unknown): boolean {
  return error instanceof InitializerError || (error instanceof WorkerLostError && error.task === "starting up");
}

function* zip(iterables: Iterable<unknown>[]): Generator<unknown[]> {
  const iterators = iterables.map((it) => it[Symbol.iterator]());
  try {
    for (;;) {
      const args: unknown[] = [];
      for (const it of iterators) {
        const step = it.next();
        if (step.done) return;
        args.push(step.value);
      }
      yield args;
    }
  } finally {
    for (const it of iterators) it.return?.();
  }
}

/** Arrays of up to `size` items of `items`, read as they are asked for. */
function* chunked<T>(items: Iterator<T>, size: number): Generator<T[], void, undefined> {
  let chunk: T[] = [];
  try {
    for (let step = items.next(); !step.done; step = items.next()) {
      chunk.push(step.value);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  } finally {
    items.return?.();
  }
}

/**
 * map()'s results: each chunk's values in order; on an error, a timeout or an early stop, the
 * rest is cancelled. `submitNext` (with buffersize): submits one more chunk as each is taken, as
 * Python's result_iterator does, until the input ends.
 */
async function* results(
  futures: Future<unknown[]>[],
  submitNext: (() => boolean) | null,
  input: Generator<unknown[]>,
  deadline: number | undefined,
  where: string,
  timeout: number | undefined,
): AsyncGenerator<unknown> {
  let future: Future<unknown[]> | undefined;
  try {
    while (futures.length > 0) {
      future = futures.shift()!;
      submitNext?.();
      if (deadline === undefined) {
        yield* await future.result();
        continue;
      }
      const values = await future.result(Math.max(0, (deadline - performance.now()) / 1000)).catch((error: unknown) => {
        throw error instanceof DOMException && error.name === "TimeoutError" ? timeoutError(where, timeout!) : error;
      });
      yield* values;
    }
  } finally {
    future?.cancel();
    for (const rest of futures) rest.cancel();
    input.return(undefined);
  }
}
