// A unit of work as the pool tracks it: one apply call, or one chunk of a map.

import type { Transferable } from "node:worker_threads";
import type { PreparedFunction } from "../fn/task-function.js";
import type { TaskKind } from "../wire/messages.js";
import type { WorkerSlot } from "./worker-slot.js";

/** A captured call site: its `stack` is formatted only if an error needs it. */
export interface Caller {
  stack?: string;
}

export interface Task {
  readonly id: number;
  readonly fn: PreparedFunction;
  readonly kind: TaskKind;
  /** apply: the arguments; map chunk: the items; starmap chunk: the argument lists. */
  readonly data: unknown[];
  /** The data holds shareable objects that the worker must rebuild. */
  readonly revive: boolean;
  /**
   * The original arguments, when they hold shareable objects: keeps those objects alive (their
   * creator frees the shared memory when they are collected) until the task is done.
   */
  readonly pinned?: unknown;
  readonly transfer?: readonly Transferable[];
  /** For chunks: the index of the first item in the whole input, for error messages. */
  readonly offset: number;
  /** The public call that made it, e.g. "Pool.map". */
  readonly where: string;
  /** Where the call was made in the parent; its stack is added to errors from the worker. */
  readonly caller: Caller | undefined;
  /** How many more times to run it if its worker dies under it. */
  retriesLeft: number;
  readonly retryErrors: boolean;
  readonly transferResult: boolean;
  state: "queued" | "running" | "settled";
  /** performance.now() when it was submitted, for the wait-time histogram (stats.ts). */
  queuedAt: number;
  slot: WorkerSlot | null;
  /** Called exactly once, by the scheduler. */
  readonly done: (ok: boolean, value: unknown) => void;
}

let nextTaskId = 1;

export function newTaskId(): number {
  return nextTaskId++;
}

/** "task 17" or "task 17 (items 200-299)", for error messages. */
export function describeTask(task: Task): string {
  if (task.kind === 0) return `task ${task.id} (${task.fn.label}, ${task.where})`;
  const last = task.offset + task.data.length - 1;
  const items = task.data.length === 1 ? `item ${task.offset}` : `items ${task.offset}-${last}`;
  return `task ${task.id} (${task.fn.label} on ${items}, ${task.where})`;
}
