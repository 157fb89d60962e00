// Python's AsyncResult, as a Promise: `await pool.applyAsync(f, [x])` works, and so do
// Python's `get(timeout)`, `wait(timeout)`, `ready()` and `successful()`.

import { timeoutError } from "../errors.js";

/** What applyAsync, mapAsync and starmapAsync return: a Promise with Python's get(timeout), wait(), ready() and successful(). */
export class AsyncResult<T> extends Promise<T> {
  // then()/catch() return plain Promises, not AsyncResults.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #state: "pending" | "fulfilled" | "rejected" = "pending";

  /**
   * Use Pool.applyAsync / mapAsync / starmapAsync; this constructor is internal. `keepsError`:
   * a failure waits here for get() or await, as Python's AsyncResult keeps it, instead of
   * surfacing as an unhandled rejection when nobody awaits (the errorCallback still sees it).
   */
  constructor(executor: (resolve: (value: T) => void, reject: (reason: unknown) => void) => void, keepsError = false) {
    let res!: (value: T) => void;
    let rej!: (reason: unknown) => void;
    super((resolve, reject) => {
      res = resolve;
      rej = reject;
    });
    executor(
      (value) => {
        if (this.#state !== "pending") return;
        this.#state = "fulfilled";
        res(value);
      },
      (reason) => {
        if (this.#state !== "pending") return;
        this.#state = "rejected";
        rej(reason);
      },
    );
    if (keepsError) this.then(undefined, noop);
  }

  /** Whether the call has completed. */
  ready(): boolean {
    return this.#state !== "pending";
  }

  /** Whether the call completed without error; throws if it has not completed, as in Python. */
  successful(): boolean {
    if (this.#state === "pending") throw new Error("AsyncResult.successful(): the result is not ready");
    return this.#state === "fulfilled";
  }

  /** The result; rejects with a TimeoutError if it is not ready within `timeout` seconds (the task goes on). */
  get(timeout?: number): Promise<T> {
    if (timeout === undefined) return Promise.resolve(this);
    return this.#within(timeout).then((done) => {
      if (!done) throw timeoutError("AsyncResult.get()", timeout);
      return this;
    });
  }

  /** Wait until ready, or until `timeout` seconds have passed; never rejects. */
  async wait(timeout?: number): Promise<void> {
    if (timeout === undefined) await this.then(noop, noop);
    else await this.#within(timeout);
  }

  #within(timeout: number): Promise<boolean> {
    if (this.ready()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, timeout) * 1000);
      this.then(
        () => (clearTimeout(timer), resolve(true)),
        () => (clearTimeout(timer), resolve(true)),
      );
    });
  }
}

function noop(): void {}
