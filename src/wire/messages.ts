// The protocol between a pool (or a Process) and its workers. Every message travels by
// structured clone: postMessage in the thread context, `serialization: "advanced"` IPC in the
// process context, so both carry the same values.
//
//   parent                                  worker
//     | -- init {name, initializer?} ------->  |  runs the initializer once
//     | <------------------------- ready ---- |  (or init-error, and the pool stops using it)
//     | -- run {defs?, batch} -------------->  |  defs: functions this worker has not seen yet
//     | -- [ONE_TASK, ...] ------------------>  |  or a lone apply task, as one flat array
//     | <------------- results {batch} ------ |  one message per batch, or sooner for slow tasks
//     | <---------------- [ONE_RESULT, ...] -- |  or a lone result
//     | -- exit ----------------------------->  |  finish what was sent, then exit 0
//
// A worker runs its tasks one at a time, in the order it received them. It flushes the results
// it holds before starting a task once a few milliseconds have passed since its last flush, so
// when it dies, the first task without a result is the one it was running; the tasks after it
// never started and are safe to run elsewhere.
//
// A Process sends `process` instead of `run`: the worker runs the target once, then exits.

import type { WireError } from "./errors.js";

/** How a task function travels: by source (compiled once per worker) or by module and export name. */
/** The name an inline task without a name of its own goes by in messages (FnSpec.name). */
export const ANONYMOUS_TASK = "anonymous function";

export type FnSpec =
  | { kind: "source"; source: string; name: string; /** Where the caller passed it ("/app/main.ts:12:5"), for the worker's stack frames. */ site?: string }
  | { kind: "module"; url: string; exportName: string };

/** What one task asks for: fn(...args), fn(item) for each item, or fn(...args) for each args. */
export const TaskKind = { Apply: 0, MapChunk: 1, StarmapChunk: 2 } as const;
export type TaskKind = (typeof TaskKind)[keyof typeof TaskKind];

/**
 * A batch of tasks, by column: one array per field instead of one object per task, because
 * structured clone writes every object's keys anew and a batch can hold hundreds of tasks.
 * Task i is fns[i] applied to data[i] (see TaskKind), and its result answers ids[i].
 */
export interface WireBatch {
  ids: number[];
  fns: number[];
  kinds: TaskKind[];
  data: unknown[][];
  /**
   * When every task of the batch takes one number (apply(fn, [n]) in a loop), their arguments
   * travel packed here instead, and `data` is empty (see wire/numbers.ts).
   */
  args1?: Float64Array;
  /** Indices of the tasks whose data holds shareable objects (queues, locks, ...) to rebuild. */
  revive?: number[];
  /** Set in the worker only (runtime/inbox.ts): why the types that `revive` needs could not load. */
  loadError?: unknown;
  /** Indices of the tasks whose results' ArrayBuffers should be transferred back (thread context). */
  transferBack?: number[];
}

/**
 * The one-task forms, for the latency of a lone awaited call. Every object in a message costs
 * its own serialization on both sides, so a lone task and its result travel as one flat array
 * each: a round trip of `await pool.apply(f, [x])` costs about as much as raw postMessage of
 * a number (the batch forms cost ~15 µs more here). Only for apply tasks whose function the
 * worker already has; anything else goes as a batch of one.
 */
export const ONE_TASK = 0;
export const ONE_RESULT = 1;
/** Bits of RunOne's flags: the same meanings as WireBatch's revive and transferBack. */
export const OneFlags = { Revive: 1, TransferBack: 2 } as const;
/** [ONE_TASK, task id, function id, flags, ...args] */
export type RunOne = [typeof ONE_TASK, number, number, number, ...unknown[]];
/** [ONE_RESULT, task id, value, busyMs]: a value, never an error (errors go as results). */
export type OneResult = [typeof ONE_RESULT, number, unknown, number];

export type ToWorker =
  | { t: "init"; name: string; index: number; initializer?: FnSpec; initargs?: unknown[]; revive?: boolean; /** Log to stderr at this level, as the parent does (mp.logToStderr). */ log?: number }
  | ({ t: "run"; defs?: [number, FnSpec][] } & WireBatch)
  | RunOne
  | { t: "process"; name: string; target: FnSpec; args: unknown[]; revive?: boolean; /** As init's. */ log?: number; daemon?: boolean; parentName?: string }
  | { t: "exit" };

/**
 * Results by column, in the order the tasks ran: values[i] answers ids[i], unless errors
 * holds an entry [i, error] for it.
 */
export interface WireResults {
  ids: number[];
  /** A Float64Array when every value is a number (see wire/numbers.ts). */
  values: unknown[] | Float64Array;
  errors?: [number, WireError][];
  /**
   * Indexes (into ids) of failed tasks whose worker process died under them on another machine
   * (a cluster's `multiproc worker`): retried within `retries` as a local worker's death is.
   */
  lost?: number[];
}

export type FromWorker =
  | OneResult
  | { t: "ready" }
  | { t: "init-error"; error: WireError }
  /** busyMs: time spent running these tasks, which the pool uses to size its batches. */
  | ({ t: "results"; busyMs: number } & WireResults)
  /** Sent on the way down (uncaught error, process.exit) with the task that was running. */
  | { t: "dying"; taskId: number; reason: WireError };
