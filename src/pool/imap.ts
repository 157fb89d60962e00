// Pool.imap and Pool.imapUnordered: results as an AsyncIterable, input read lazily.
//
// The input reader reads the input (sync or async) and submits one task per chunk while fewer than
// `maxAhead` chunks are outstanding (submitted and not yet yielded); the consumer yields
// results in input order (imap) or as they complete (imapUnordered). Memory stays bounded
// by maxAhead chunks however long the input, and a slow first task only stalls reading,
// never piles up results.
//
// As in Python: reading starts when imap() is called; a task's error is thrown by the next()
// that reaches it and the following next() calls go on with the following results; an input
// that throws yields the results of the items read before it first, then its error; and once
// the pool is closed, the rest of the input is read and run without waiting for the consumer
// (close() + join() finishes everything submitted), its results kept for later next() calls.

import { holdEventLoop } from "../hold-event-loop.js";
import { PoolClosedError, timeoutError } from "../errors.js";
import { armCancellation, type MapOptions } from "./call-options.js";
import type { Scheduler } from "./scheduler.js";
import type { Task } from "./task.js";

/** Options of one next() call. */
export interface IMapNextOptions {
  /** Seconds to wait for the next result; then next() rejects with a TimeoutError and the iterator goes on (Python's `next(timeout)`). */
  timeout?: number;
}

/** What imap() and imapUnordered() return: an async iterator whose next() takes Python's timeout. */
export interface IMapIterator<T> extends AsyncIterableIterator<T> {
  next(options?: IMapNextOptions): Promise<IteratorResult<T>>;
  [Symbol.asyncIterator](): IMapIterator<T>;
}

interface ImapSetup {
  iterable: Iterable<unknown> | AsyncIterable<unknown>;
  ordered: boolean;
  chunksize: number;
  maxAhead: number;
  where: string;
  options: MapOptions | undefined;
  scheduler: Scheduler;
  makeTask: (chunk: unknown[], offset: number, done: Task["done"]) => Task;
}

type Outcome = { ok: true; values: unknown[] } | { ok: false; error: unknown };

export function imapIterator(setup: ImapSetup): IMapIterator<unknown> {
  const { scheduler, chunksize, maxAhead, ordered, where } = setup;
  const outstanding = new Map<number, Task>(); // chunk index -> task not yet yielded
  const finished = new Map<number, Outcome>(); // ordered: chunk index -> outcome
  const completed: Outcome[] = []; // unordered: outcomes in completion order
  let submitted = 0;
  let nextToYield = 0;
  /** The input reader stopped: the input ended, threw (`error`), or the pool refused more work. */
  let inputEnd: { error?: unknown; reported?: boolean } | null = null;
  /** The call's timeout passed or its signal aborted: thrown once, then the iterator is done. */
  let cancelled: { error: unknown; reported: boolean } | null = null;
  /** No more results will be yielded: return() was called, the call was cancelled, or all was yielded. */
  let stopped = false;
  /** The pool was closed: read the rest of the input without waiting for the consumer. */
  let draining = false;
  const consumers = new Set<() => void>();
  let wakeReader: (() => void) | null = null;
  let buffer: unknown[] = [];
  let bufferAt = 0;

  const wakeConsumers = () => {
    for (const wake of [...consumers]) wake();
  };
  const nudgeReader = () => {
    const w = wakeReader;
    wakeReader = null;
    w?.();
  };
  const endJob = scheduler.openJob(() => {
    draining = true;
    nudgeReader();
  });
  const disarm = armCancellation(where, setup.options, (reason) => {
    if (stopped) return;
    cancelled = { error: reason, reported: false };
    stop(reason, true);
    wakeConsumers();
  });

  /** Yield nothing more; queued chunks are dropped, running ones are stopped only if `stopRunning`. */
  function stop(reason: unknown, stopRunning: boolean): void {
    if (stopped) return;
    stopped = true;
    disarm();
    for (const task of outstanding.values()) {
      if (stopRunning || task.state === "queued") scheduler.cancel(task, reason, stopRunning);
    }
    endJob();
    nudgeReader();
  }

  function submit(chunk: unknown[], offset: number): void {
    const index = submitted++;
    const task = setup.makeTask(chunk, offset, (ok, value) => {
      if (stopped) return;
      const outcome: Outcome = ok ? { ok: true, values: value as unknown[] } : { ok: false, error: value };
      if (ordered) finished.set(index, outcome);
      else {
        outstanding.delete(index);
        completed.push(outcome);
      }
      wakeConsumers();
    });
    outstanding.set(index, task);
    scheduler.submit(task);
  }

  async function feed(): Promise<void> {
    const source = setup.iterable;
    let asyncIt: AsyncIterator<unknown> | undefined;
    let syncIt: Iterator<unknown> | undefined;
    let offset = 0;
    try {
      asyncIt = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]?.call(source);
      syncIt = asyncIt ? undefined : (source as Iterable<unknown>)[Symbol.iterator]();
      for (;;) {
        while (!stopped && !draining && outstanding.size >= maxAhead) await new Promise<void>((r) => (wakeReader = r));
        if (stopped) break;
        // A terminated or broken pool takes no more tasks: the outstanding ones carry its error.
        const refusal = scheduler.refusal(where, true);
        if (refusal) {
          inputEnd = outstanding.size > 0 ? {} : { error: refusal };
          break;
        }
        const chunk: unknown[] = [];
        let end: { error?: unknown } | null = null;
        try {
          while (chunk.length < chunksize) {
            const step = syncIt ? syncIt.next() : await asyncIt!.next();
            if (step.done) {
              end = {};
              break;
            }
            chunk.push(step.value);
          }
        } catch (error) {
          // The items read before the error still run (Python drops a partial chunk's).
          end = { error };
        }
        if (stopped) break;
        if (chunk.length > 0) {
          submit(chunk, offset);
          offset += chunk.length;
        }
        if (end) {
          inputEnd = end;
          break;
        }
      }
    } catch (error) {
      inputEnd = { error };
    } finally {
      endJob();
      wakeConsumers();
      if (stopped && !inputEnd) await (syncIt ?? asyncIt)?.return?.();
    }
  }

  /** The next outcome to yield, if there is one now. */
  function take(): Outcome | undefined {
    if (ordered) {
      const outcome = finished.get(nextToYield);
      if (outcome) {
        finished.delete(nextToYield);
        outstanding.delete(nextToYield);
        nextToYield++;
      }
      return outcome;
    }
    return completed.shift();
  }

  /** Wait until something happens (a result, the end of the input), or `timeout` seconds pass. */
  function waitForChange(timeout: number | undefined): Promise<boolean> {
    // Someone awaits this: the program must not end under it (idle workers are unreferenced).
    const release = holdEventLoop();
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (changed: boolean) => {
        consumers.delete(onChange);
        clearTimeout(timer);
        release();
        resolve(changed);
      };
      const onChange = () => wake(true);
      consumers.add(onChange);
      if (timeout !== undefined) timer = setTimeout(() => wake(false), timeout * 1000);
    });
  }

  const iterator: IMapIterator<unknown> = {
    async next(options?: IMapNextOptions): Promise<IteratorResult<unknown>> {
      const timeout = checkNextOptions(where, options);
      const deadline = timeout === undefined ? undefined : performance.now() + timeout * 1000;
      for (;;) {
        if (bufferAt < buffer.length) return { done: false, value: buffer[bufferAt++] };
        if (cancelled) {
          if (cancelled.reported) return { done: true, value: undefined };
          cancelled.reported = true;
          throw cancelled.error;
        }
        if (stopped) return { done: true, value: undefined };
        const outcome = take();
        if (outcome) {
          nudgeReader(); // room for another chunk
          if (!outcome.ok) throw outcome.error;
          buffer = outcome.values;
          bufferAt = 0;
          continue;
        }
        if (inputEnd && outstanding.size === 0) {
          if (inputEnd.error !== undefined && !inputEnd.reported) {
            inputEnd.reported = true;
            throw inputEnd.error;
          }
          stop(null, false);
          return { done: true, value: undefined };
        }
        const left = deadline === undefined ? undefined : Math.max(0, (deadline - performance.now()) / 1000);
        if (!(await waitForChange(left))) throw timeoutError(`${where}: next()`, timeout!);
      }
    },
    async return(): Promise<IteratorResult<unknown>> {
      // The consumer stopped early: queued chunks are dropped, running ones finish unseen.
      stop(new PoolClosedError(`${where}: the iterator was closed before this task ran`), false);
      buffer = [];
      wakeConsumers();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  void feed();
  return iterator;
}

function checkNextOptions(where: string, options: IMapNextOptions | undefined): number | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object") throw new TypeError(`${where}: next() takes { timeout } (seconds), got ${typeof options}`);
  const { timeout } = options;
  if (timeout === undefined || timeout === null) return undefined;
  if (!(typeof timeout === "number" && timeout >= 0 && Number.isFinite(timeout))) {
    throw new RangeError(`${where}: next(): timeout must be a number of seconds >= 0, got ${String(timeout)}`);
  }
  return timeout;
}
