// concurrent.futures.Future: the handle `executor.submit()` returns. Not a Promise, nor a
// thenable: a future that fails or is cancelled while nobody looks raises no unhandled rejection
// (Python's "submit now, look at exception() later"), only the promises result() and
// exception() hand out can. And not a thenable because TypeScript types both `await x` and
// `for await (const x of ...)` as what a thenable resolves to: with a then(), the futures that
// asCompleted() yields would be typed as their results. `await future.result()`, as in Python.

import { MultiprocError, multiprocErrors, timeoutError } from "../errors.js";

/** A future that was cancelled before it ran: what result() and exception() raise for it. */
export class CancelledError extends MultiprocError {
  override name = "CancelledError";
  override readonly code = "MULTIPROC_CANCELLED";
}
multiprocErrors(CancelledError);

type State = "PENDING" | "RUNNING" | "CANCELLED" | "FINISHED";

/** How an executor drives a future (set_running_or_notify_cancel, set_result, set_exception in Python). */
export interface FutureControl<T> {
  /** PENDING → RUNNING and true; false if it was cancelled (then it must not run). */
  setRunning(): boolean;
  setResult(value: T): void;
  setException(error: unknown): void;
  /** Finished with an error: that error; else undefined. */
  failure(): { error: unknown } | undefined;
}

let controlOf: <T>(future: Future<T>) => FutureControl<T>;

/** The control side of a future, for executors (not part of the public API). */
export function futureControl<T>(future: Future<T>): FutureControl<T> {
  return controlOf(future);
}

/** Python's concurrent.futures.Future: the pending result of an executor's submit(), with result(), exception(), cancel() and done callbacks. */
export class Future<T> {
  static {
    controlOf = <T>(f: Future<T>) => f.#control as FutureControl<T>;
  }

  #state: State = "PENDING";
  #value: T | undefined;
  #error: { error: unknown } | undefined;
  #callbacks: ((future: Future<T>) => void)[] = [];

  readonly #control: FutureControl<T> = {
    setRunning: () => {
      if (this.#state === "CANCELLED") return false;
      this.#state = "RUNNING";
      return true;
    },
    setResult: (value) => {
      if (this.done()) return;
      this.#value = value;
      this.#finish("FINISHED");
    },
    setException: (error) => {
      if (this.done()) return;
      this.#error = { error };
      this.#finish("FINISHED");
    },
    failure: () => (this.#state === "FINISHED" ? this.#error : undefined),
  };

  get [Symbol.toStringTag](): string {
    return "Future";
  }

  /** Cancel it if it has not started: true if it is (now) cancelled, false if it is running or finished. */
  cancel(): boolean {
    if (this.#state === "RUNNING" || this.#state === "FINISHED") return false;
    if (this.#state === "PENDING") this.#finish("CANCELLED");
    return true;
  }

  cancelled(): boolean {
    return this.#state === "CANCELLED";
  }

  running(): boolean {
    return this.#state === "RUNNING";
  }

  /** Finished (with a result or an error) or cancelled. */
  done(): boolean {
    return this.#state === "CANCELLED" || this.#state === "FINISHED";
  }

  /**
   * The result, once there is one. Rejects with the task's error, with CancelledError if the
   * future was cancelled, or with a TimeoutError if `timeout` seconds pass first (the task goes on).
   */
  async result(timeout?: number): Promise<T> {
    await this.#settled("Future.result()", timeout);
    if (this.#state === "CANCELLED") throw new CancelledError("The future was cancelled");
    if (this.#error) throw this.#error.error;
    return this.#value as T;
  }

  /** The task's error, or null if it succeeded. Rejects as result() does when cancelled or on timeout. */
  async exception(timeout?: number): Promise<unknown> {
    await this.#settled("Future.exception()", timeout);
    if (this.#state === "CANCELLED") throw new CancelledError("The future was cancelled");
    return this.#error ? this.#error.error : null;
  }

  /**
   * Call `fn(future)` when it is done (finished or cancelled); at once if it already is. Callbacks
   * run in the order added; one that throws is reported on stderr and the others still run.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== "function") throw new TypeError(`Future.addDoneCallback: expected a function, got ${typeof fn}`);
    if (this.done()) this.#call(fn);
    else this.#callbacks.push(fn);
  }

  #finish(state: "FINISHED" | "CANCELLED"): void {
    this.#state = state;
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    for (const fn of callbacks) this.#call(fn);
  }

  #call(fn: (future: Future<T>) => void): void {
    try {
      fn(this);
    } catch (error) {
      // As Python's: logged, not raised, so that one bad callback does not stop the others.
      console.error("multiproc: exception calling a done callback of a Future:", error);
    }
  }

  /** Resolves when done; rejects with a TimeoutError after `timeout` seconds. */
  #settled(where: string, timeout: number | undefined): Promise<void> {
    if (this.done()) return Promise.resolve();
    if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0)) {
      return Promise.reject(new RangeError(`${where}: timeout must be a number of seconds >= 0, got ${String(timeout)}`));
    }
    return new Promise<void>((resolve, reject) => {
      const timer = timeout === undefined ? undefined : setTimeout(() => reject(timeoutError(where, timeout)), timeout * 1000);
      this.#callbacks.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
