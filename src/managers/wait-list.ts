// Callers parked inside a manager server: the blocking calls of its locks, conditions, events,
// barriers and queues wait here. The server is one event loop, so a park is a promise, never a
// blocked thread, and a wake is a resolve; nothing else is needed to be safe.

/** Seconds to a deadline in ms (performance.now()); null: no deadline. */
export function deadlineAfter(timeout: number | null | undefined): number | null {
  if (timeout === null || timeout === undefined || timeout < 0) return null; // Python: None or -1 means forever
  return performance.now() + timeout * 1000;
}

/** Parked callers in arrival order, each woken at most once. */
export class WaitList {
  readonly #parked = new Set<(woken: boolean) => void>();

  get size(): number {
    return this.#parked.size;
  }

  /** Resolves true when woken, false when the deadline passed first. */
  park(deadline: number | null): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (woken: boolean) => {
        this.#parked.delete(wake);
        clearTimeout(timer);
        resolve(woken);
      };
      this.#parked.add(wake);
      if (deadline !== null) timer = setTimeout(() => wake(false), Math.max(0, deadline - performance.now()));
    });
  }

  /** Wake the longest parked caller; false if none was parked. */
  wakeOne(): boolean {
    const first = this.#parked.values().next();
    if (first.done) return false;
    first.value(true);
    return true;
  }

  wakeAll(): number {
    const all = [...this.#parked];
    for (const wake of all) wake(true);
    return all.length;
  }
}
