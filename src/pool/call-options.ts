// Per-call options shared by every Pool method, checked once at the call.

import type { Transferable } from "node:worker_threads";
import { abortError, timeoutError } from "../errors.js";
import type { ProgressOption } from "./progress.js";

/** Options every Pool method takes: timeout, signal, retries and what to transfer. */
export interface CallOptions {
  /** Seconds; when they pass, queued work is dropped, running work's workers are stopped and replaced, and the call rejects with a TimeoutError. */
  timeout?: number;
  /** Aborting it does what `timeout` does, and the call rejects with the signal's reason (an AbortError by default). */
  signal?: AbortSignal;
  /** Run a task again, up to this many times, when its worker dies under it (at-least-once). Errors the task throws are not retried. Default 0. */
  retries?: number;
  /** Also retry (within `retries`) when the task throws. Default false: a thrown error is the task's answer. */
  retryErrors?: boolean;
  /** Thread context: ArrayBuffers (and MessagePorts) in the arguments to move instead of copying. The process context copies. */
  transfer?: readonly Transferable[];
  /** Thread context: move the ArrayBuffers of the result back instead of copying (the result itself, or its elements/properties one level down). */
  transferResult?: boolean;
}

/** Options of map, starmap, imap and imapUnordered: CallOptions plus chunksize. */
export interface MapOptions extends CallOptions {
  /** Items per task. map/starmap default to Python's: ceil(items / (4 x workers)); imap* default to 1. */
  chunksize?: number;
  /** `true`: a progress bar on stderr when it is a terminal; a function: called with `{ done, total, failed, elapsed }` at most 10 times a second and once at the end. */
  progress?: ProgressOption;
}

export function checkCallOptions(where: string, opts: CallOptions | undefined): void {
  if (opts === undefined) return;
  if (typeof opts !== "object" || opts === null) throw new TypeError(`${where}: options must be an object, got ${typeof opts}`);
  const { timeout, signal, retries, transfer } = opts;
  if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0 && Number.isFinite(timeout))) {
    throw new RangeError(`${where}: timeout must be a number of seconds >= 0, got ${String(timeout)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${where}: signal must be an AbortSignal`);
  }
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    throw new RangeError(`${where}: retries must be an integer >= 0, got ${String(retries)}`);
  }
  if (transfer !== undefined && !Array.isArray(transfer)) throw new TypeError(`${where}: transfer must be an array`);
}

export function checkChunksize(where: string, chunksize: unknown): void {
  if (chunksize !== undefined && !(Number.isInteger(chunksize) && (chunksize as number) >= 1)) {
    throw new RangeError(`${where}: chunksize must be an integer >= 1, got ${String(chunksize)}`);
  }
}

/**
 * Call `cancel(reason)` when the call's timeout passes or its signal aborts.
 * Returns the function that disarms both; call it when the call settles.
 */
export function armCancellation(where: string, opts: CallOptions | undefined, cancel: (reason: unknown) => void): () => void {
  const timeout = opts?.timeout;
  const signal = opts?.signal;
  if (timeout === undefined && signal === undefined) return noop;
  if (signal?.aborted) {
    cancel(abortError(signal));
    return noop;
  }
  const timer = timeout === undefined ? undefined : setTimeout(() => cancel(timeoutError(where, timeout)), timeout * 1000);
  const onAbort = () => cancel(abortError(signal!));
  signal?.addEventListener("abort", onAbort, { once: true });
  return () => {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
}

function noop(): void {}
