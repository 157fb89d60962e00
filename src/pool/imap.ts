// Pool.imap and Pool.imapUnordered: results as an AsyncIterable, input read lazily.
//
// A feeder reads the input (sync or async) and submits one task per chunk while fewer than
// `maxAhead` chunks are outstanding (submitted and not yet yielded); the consumer yields
// results in input order (imap) or as they complete (imapUnordered). Memory stays bounded
// by maxAhead chunks however long the input, and a slow first task only stalls reading,
// never piles up results.

import { PoolClosedError } from "../errors.js";
import { armCancellation, type MapOptions } from "./call-options.js";
import type { Scheduler } from "./scheduler.js";
import type { Task } from "./task.js";

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

export function imapIterator(setup: ImapSetup): AsyncIterableIterator<unknown> {
  const { scheduler, chunksize, maxAhead, ordered } = setup;
  const outstanding = new Map<number, Task>(); // chunk index -> task not yet yielded
  const finished = new Map<number, Outcome>(); // ordered: chunk index -> outcome
  const completed: Outcome[] = []; // unordered: outcomes in completion order
  let submitted = 0;
  let nextToYield = 0;
  let inputDone = false;
  let failure: { error: unknown } | null = null;
  let started = false;
  let closed = false;
  let wakeConsumer: (() => void) | null = null;
  let wakeFeeder: (() => void) | null = null;
  let buffer: unknown[] = [];
  let bufferAt = 0;
  let closeJob: () => void = () => {};
  let disarm: () => void = () => {};

  const wake = () => {
    const w = wakeConsumer;
    wakeConsumer = null;
    w?.();
  };

  const fail = (error: unknown, stopRunning: boolean) => {
    if (failure) return;
    failure = { error };
    shutdown(error, stopRunning);
    wake();
  };

  function shutdown(reason: unknown, stopRunning: boolean): void {
    if (closed) return;
    closed = true;
    disarm();
    for (const task of outstanding.values()) {
      if (stopRunning || task.state === "queued") scheduler.cancel(task, reason, stopRunning);
    }
    closeJob();
    const w = wakeFeeder;
    wakeFeeder = null;
    w?.();
  }

  function submit(chunk: unknown[], offset: number): void {
    const index = submitted++;
    const task = setup.makeTask(chunk, offset, (ok, value) => {
      if (closed && !failure) return;
      const outcome: Outcome = ok ? { ok: true, values: value as unknown[] } : { ok: false, error: value };
      if (ordered) finished.set(index, outcome);
      else {
        outstanding.delete(index);
        completed.push(outcome);
      }
      wake();
    });
    outstanding.set(index, task);
    scheduler.submit(task);
  }

  async function feed(): Promise<void> {
    const source = setup.iterable;
    const asyncIt = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]?.call(source);
    const syncIt = asyncIt ? undefined : (source as Iterable<unknown>)[Symbol.iterator]();
    let offset = 0;
    try {
      while (!closed) {
        while (!closed && outstanding.size >= maxAhead) await new Promise<void>((r) => (wakeFeeder = r));
        if (closed) break;
        const chunk: unknown[] = [];
        let done = false;
        while (chunk.length < chunksize) {
          const step = syncIt ? syncIt.next() : await asyncIt!.next();
          if (step.done) {
            done = true;
            break;
          }
          chunk.push(step.value);
        }
        if (closed) break;
        if (chunk.length > 0) {
          submit(chunk, offset);
          offset += chunk.length;
        }
        if (done) break;
      }
      inputDone = true;
      wake();
    } catch (error) {
      fail(error, false);
    } finally {
      if (closed) await (syncIt ?? asyncIt)?.return?.();
    }
  }

  function start(): void {
    started = true;
    const refusal = scheduler.refusal(setup.where);
    if (refusal) {
      failure = { error: refusal };
      closed = true;
      return;
    }
    closeJob = scheduler.openJob();
    disarm = armCancellation(setup.where, setup.options, (reason) => fail(reason, true));
    void feed();
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

  const iterator: AsyncIterableIterator<unknown> = {
    async next(): Promise<IteratorResult<unknown>> {
      if (!started) start();
      for (;;) {
        if (bufferAt < buffer.length) return { done: false, value: buffer[bufferAt++] };
        if (failure) {
          const { error } = failure;
          failure = { error: new PoolClosedError(`${setup.where}: this iterator already failed`) };
          throw error;
        }
        const outcome = take();
        if (outcome) {
          // Room for another chunk.
          const w = wakeFeeder;
          wakeFeeder = null;
          w?.();
          if (!outcome.ok) {
            fail(outcome.error, false);
            continue;
          }
          buffer = outcome.values;
          bufferAt = 0;
          continue;
        }
        if (closed || (inputDone && outstanding.size === 0)) {
          shutdown(null, false);
          return { done: true, value: undefined };
        }
        await new Promise<void>((r) => (wakeConsumer = r));
      }
    },
    async return(): Promise<IteratorResult<unknown>> {
      // The consumer stopped early: queued chunks are dropped, running ones finish unseen.
      shutdown(new PoolClosedError(`${setup.where}: the iterator was closed before this task ran`), false);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
