// One worker of a pool, and what the pool knows about it.

import type { WorkerHandle } from "../backends/backend.js";
import type { WireError } from "../wire/errors.js";
import type { Task } from "./task.js";
import { Fifo } from "./fifo.js";

export class WorkerSlot {
  handle!: WorkerHandle;
  /** The initializer has run; the worker takes tasks. */
  ready = false;
  /** Told to exit once its work is done (maxTasksPerChild, close()); takes no more tasks. */
  retiring = false;
  /** Stopped on purpose (timeout, abort, terminate): its death is nobody's fault. */
  stopped = false;
  /** Tasks sent to it over its life, for maxTasksPerChild. */
  assigned = 0;
  /** Function ids it has compiled or imported. */
  readonly known = new Set<number>();
  /** What the worker said on its way down: which task it was running, and why it died. */
  dying: { taskId: number; reason: WireError } | null = null;
  /** Tasks sent and not yet answered, in the order sent, which is the order the worker runs them. */
  readonly #inflight = new Fifo<Task>();

  constructor(readonly name: string) {}

  get inflightCount(): number {
    return this.#inflight.length;
  }

  sent(tasks: readonly Task[]): void {
    for (const t of tasks) this.#inflight.push(t);
    this.assigned += tasks.length;
  }

  /** The task a result with this id answers; results come in the order tasks were sent. */
  answered(id: number): Task | undefined {
    if (this.#inflight.peek()?.id === id) return this.#inflight.shift();
    // Not in order (never expected): find it and keep the others in order.
    const rest = this.#inflight.drain();
    const i = rest.findIndex((t) => t.id === id);
    const task = i === -1 ? undefined : rest.splice(i, 1)[0];
    this.#inflight.unshiftAll(rest);
    return task;
  }

  /** Take back every task it still holds (it died, or is being stopped). */
  takeUnanswered(): Task[] {
    return this.#inflight.drain();
  }
}
