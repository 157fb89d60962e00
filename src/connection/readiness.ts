// Waiting for "something to read": a connection with a message, a listener with a connection.
// The owner says when it may have become ready (wake()), and whoever waits re-checks; written
// once here for the socket connection, the listener and wait().

type Waiter = { resolve: () => void; reject: (e: unknown) => void };

export class Readiness {
  readonly #isReady: () => boolean;
  readonly #waiters = new Set<Waiter>();

  constructor(isReady: () => boolean) {
    this.#isReady = isReady;
  }

  /** Resolves once ready (at once if ready now); rejects with the signal's reason when `signal` fires first. */
  when(signal?: AbortSignal): Promise<void> {
    if (this.#isReady()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        this.#waiters.delete(waiter);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Lets the waiters re-check, if it is ready now. */
  wake(): void {
    if (this.#waiters.size === 0 || !this.#isReady()) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w.resolve();
  }
}
