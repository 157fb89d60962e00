// concurrent.futures.as_completed and wait, for the executors' Futures (and any mix of them).
// asCompleted is a hand-written iterator, not an async generator: should a Future ever become a
// thenable, a generator's `yield future` would await it and yield its value; Python yields the
// future itself.

import { timeoutError } from "../errors.js";
import { Future, futureControl } from "./future.js";

/** wait() returns as soon as any future finishes or is cancelled. */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/** wait() returns as soon as any future raises, or when all are done. */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/** wait() returns when every future is done (the default). */
export const ALL_COMPLETED = "ALL_COMPLETED";
/** When wait() returns: Python's return_when. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of wait(): timeout and returnWhen. */
export interface FuturesWaitOptions {
  /** Seconds; when they pass, wait() resolves with what is done by then. */
  timeout?: number;
  /** FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED (the default), as in Python. */
  returnWhen?: ReturnWhen;
}

/** What wait() resolves with: Python's (done, not_done). */
export interface DoneAndNotDone<T> {
  done: Set<Future<T>>;
  notDone: Set<Future<T>>;
}

/**
 * The futures, each once, as they complete (finished or cancelled); those already done first.
 * `for await (const f of mp.asCompleted(futures, timeout))`: the iteration rejects with a
 * TimeoutError if `timeout` seconds pass, from the call, before all are done.
 */
export function asCompleted<T>(futures: Iterable<Future<T>>, timeout?: number): AsyncIterableIterator<Future<T>> {
  const all = uniqueFutures("asCompleted", futures);
  checkTimeout("asCompleted", timeout);
  const deadline = timeout === undefined ? undefined : performance.now() + timeout * 1000;
  const ready: Future<T>[] = [];
  let pending = 0;
  let closed = false;
  let wake: (() => void) | null = null;
  for (const f of all) {
    if (f.done()) ready.push(f);
    else {
      pending++;
      f.addDoneCallback(() => {
        if (closed) return;
        pending--;
        ready.push(f);
        const w = wake;
        wake = null;
        w?.();
      });
    }
  }
  const iterator: AsyncIterableIterator<Future<T>> = {
    async next(): Promise<IteratorResult<Future<T>>> {
      for (;;) {
        if (closed) return { done: true, value: undefined };
        const f = ready.shift();
        if (f) return { done: false, value: f };
        if (pending === 0) {
          closed = true;
          return { done: true, value: undefined };
        }
        const left = deadline === undefined ? undefined : deadline - performance.now();
        if (left !== undefined && left <= 0) {
          closed = true;
          throw timeoutError(`asCompleted: ${pending} (of ${all.size}) futures unfinished; it`, timeout!);
        }
        await new Promise<void>((resolve) => {
          const timer = left === undefined ? undefined : setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async return(): Promise<IteratorResult<Future<T>>> {
      closed = true;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

/**
 * Wait for the futures until `returnWhen` (ALL_COMPLETED by default) or the timeout; resolves
 * with `{ done, notDone }`. FIRST_EXCEPTION returns at the first future that fails (a
 * cancellation is not a failure), or when all are done.
 */
export function wait<T>(futures: Iterable<Future<T>>, { timeout, returnWhen = ALL_COMPLETED }: FuturesWaitOptions = {}): Promise<DoneAndNotDone<T>> {
  const all = uniqueFutures("wait", futures);
  checkTimeout("wait", timeout);
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    return Promise.reject(new RangeError(`wait: returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${String(returnWhen)}`));
  }
  const split = (): DoneAndNotDone<T> => {
    const done = new Set<Future<T>>();
    const notDone = new Set<Future<T>>();
    for (const f of all) (f.done() ? done : notDone).add(f);
    return { done, notDone };
  };
  const failed = (f: Future<T>) => futureControl(f).failure() !== undefined;
  const satisfied = (): boolean => {
    let done = 0;
    for (const f of all) {
      if (!f.done()) continue;
      done++;
      if (returnWhen === FIRST_COMPLETED) return true;
      if (returnWhen === FIRST_EXCEPTION && failed(f)) return true;
    }
    return done === all.size;
  };
  if (satisfied()) return Promise.resolve(split());
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(split());
    };
    const timer = timeout === undefined ? undefined : setTimeout(finish, timeout * 1000);
    for (const f of all) if (!f.done()) f.addDoneCallback(() => !finished && satisfied() && finish());
  });
}

function uniqueFutures<T>(where: string, futures: Iterable<Future<T>>): Set<Future<T>> {
  if (futures === null || typeof (futures as Iterable<Future<T>>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`${where}: expected an iterable of futures`);
  }
  const all = new Set(futures);
  for (const f of all) if (!(f instanceof Future)) throw new TypeError(`${where}: expected futures from an executor's submit(), got ${typeof f}`);
  return all;
}

function checkTimeout(where: string, timeout: unknown): void {
  if (timeout !== undefined && timeout !== null && !(typeof timeout === "number" && timeout >= 0)) {
    throw new RangeError(`${where}: timeout must be a number of seconds >= 0, got ${String(timeout)}`);
  }
}
