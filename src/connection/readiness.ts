// Waiting for "something to read": a connection with a message, a listener with a connection.
// The owner says when it may have become ready (wake()), and whoever waits re-checks; written
// once here for the socket connection, the listener and wait().

import { abortError, timeoutError } from "../errors.js";

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

/** The `timeout` (seconds) and `signal` options of accept() and recv*(): extras over Python. */
export interface WaitOptions {
  /** Seconds to wait (null/undefined: no limit); then the call rejects with a TimeoutError DOMException. */
  timeout?: number | null;
  signal?: AbortSignal;
}

/**
 * One signal for a wait that ends at `timeout` seconds (rejecting with a TimeoutError naming
 * `what`) or when the caller's `signal` fires (with its reason). Call dispose() when done.
 */
export function waitSignal(options: WaitOptions, what: string): { signal: AbortSignal | undefined; dispose: () => void } {
  const { timeout, signal } = options;
  if (timeout !== undefined && timeout !== null && !(typeof timeout === "number" && timeout >= 0)) {
    throw new RangeError(`${what}: timeout must be a number of seconds >= 0 or null, not ${String(timeout)}`);
  }
  signal?.throwIfAborted();
  if ((timeout === undefined || timeout === null) && !signal) return { signal: undefined, dispose: () => {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(abortError(signal!));
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = typeof timeout === "number" ? setTimeout(() => controller.abort(timeoutError(what, timeout)), timeout * 1000) : undefined;
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}
