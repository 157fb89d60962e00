// One worker of a pool, and what the pool knows about it.

import type { WorkerHandle } from "../backends/backend.js";
import type { WireError } from "../wire/errors.js";
import type { Task } from "./task.js";

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
  #inflight: Task[] = [];
  #head = 0;

  constructor(readonly name: string) {}

  get inflightCount(): number {
    return this.#inflight.length - this.#head;
  }

  sent(tasks: readonly Task[]): void {
    for (const t of tasks) this.#inflight.push(t);
    this.assigned += tasks.length;
  }

  /** The task a result with this id answers; results come in the order tasks were sent. */
  answered(id: number): Task | undefined {
    let task = this.#inflight[this.#head];
    if (task?.id === id) {
      this.#head++;
    } else {
      const i = this.#inflight.findIndex((t, k) => k >= this.#head && t.id === id);
      if (i === -1) return undefined;
      task = this.#inflight[i];
      this.#inflight.splice(i, 1);
    }
    if (this.#head === this.#inflight.length) {
      this.#inflight = [];
      this.#head = 0;
    }
    return task;
  }

  /** Take back every task it still holds (it died, or is being stopped). */
  takeUnanswered(): Task[] {
    const rest = this.#inflight.slice(this.#head);
    this.#inflight = [];
    this.#head = 0;
    return rest;
  }
}
