// Whether a pool's workers keep the parent's event loop alive. Busy workers must (a script that
// awaits nothing else would end with tasks in flight); idle ones must not (a script that forgot
// close() still ends on its own, as with Python's pools at interpreter exit). Once the pool
// shuts down, its workers stay referenced until they exit, so join() can see them go.

import type { WorkerHandle } from "../backends/backend.js";

export class KeepAlive {
  #referenced = true;
  #pinned = false;
  #idleCheck: NodeJS.Immediate | undefined;

  /** `handles`: the pool's workers now; `idle`: whether the pool has nothing queued or running. */
  constructor(
    private readonly handles: () => Iterable<WorkerHandle>,
    private readonly idle: () => boolean,
  ) {}

  /** Whether a worker started now should be referenced. */
  get referenced(): boolean {
    return this.#referenced;
  }

  update(busy: boolean): void {
    if (this.#pinned) return;
    if (busy) {
      // Busy again before the idle check ran: the workers are still referenced.
      if (this.#idleCheck) clearImmediate(this.#idleCheck);
      this.#idleCheck = undefined;
      if (this.#referenced) return;
      this.#referenced = true;
      for (const handle of this.handles()) handle.ref();
    } else if (this.#referenced && !this.#idleCheck) {
      // Unreference one turn later, so a caller that awaits each task in a loop does not pay
      // for a ref/unref pair on every call.
      this.#idleCheck = setImmediate(() => {
        this.#idleCheck = undefined;
        if (this.#pinned || !this.idle()) return;
        this.#referenced = false;
        for (const handle of this.handles()) handle.unref();
      });
    }
  }

  /** Referenced from now on, whatever happens (the pool is shutting down). */
  pin(): void {
    this.update(true);
    this.#pinned = true;
  }
}
