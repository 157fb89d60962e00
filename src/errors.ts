// The named errors multiproc throws itself. Errors thrown *by tasks* keep their own class
// name (see wire/errors.ts); these are for what goes wrong around them.

/** A worker died (exit, signal, out of memory, uncaught error) while it was running a task. */
export class WorkerLostError extends Error {
  override name = "WorkerLostError";
  /** The worker's exit code, or null if it was killed by a signal. */
  readonly exitCode: number | null;
  /** The signal that killed the worker ("SIGKILL", ...), or null. */
  readonly signal: string | null;
  /** The worker's OS process id (process context) or thread id (thread context). */
  readonly workerId: number;
  /** Which task it was running, e.g. "task 17 (map chunk 3)". */
  readonly task: string;
  constructor(
    message: string,
    info: { exitCode: number | null; signal: string | null; workerId: number; task: string; cause?: unknown },
  ) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.exitCode = info.exitCode;
    this.signal = info.signal;
    this.workerId = info.workerId;
    this.task = info.task;
  }
}

/** A call was made on a pool that was closed or terminated, or work was pending when it was terminated. */
export class PoolClosedError extends Error {
  override name = "PoolClosedError";
}

/** The pool's initializer failed, so no worker can run tasks; `cause` is the initializer's error. */
export class InitializerError extends Error {
  override name = "InitializerError";
}

/** An inline task function uses variables from outside its body, which cannot travel to a worker. */
export class ClosureError extends TypeError {
  override name = "ClosureError";
  /** The names the function captured. */
  readonly captured: readonly string[];
  constructor(message: string, captured: readonly string[]) {
    super(message);
    this.captured = captured;
  }
}

/** An argument or result cannot be copied to or from a worker by structured clone. */
export class CloneError extends TypeError {
  override name = "CloneError";
  /** Where inside the value the offending part is, e.g. `args[1].socket._handle`. */
  readonly path: string;
  constructor(message: string, path: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.path = path;
  }
}

/** A Process method was called in a state that does not allow it (start() twice, join() before start()). */
export class ProcessStateError extends Error {
  override name = "ProcessStateError";
}

/** The error a timed-out call rejects with: a DOMException named "TimeoutError", as AbortSignal.timeout() uses. */
export function timeoutError(what: string, seconds: number): DOMException {
  return new DOMException(`${what} timed out after ${seconds} s`, "TimeoutError");
}

/** The error an aborted call rejects with: the signal's reason, as fetch() does, or an AbortError. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
