// The named errors multiproc throws itself, and what they all share. Errors thrown *by tasks*
// keep their own class name (see wire/errors.ts); these are for what goes wrong around them.
//
// Every multiproc error carries a stable `code` ("MULTIPROC_POOL_CLOSED", ...) and passes
// `instanceof MultiprocError` and `isMultiprocError()`. Most extend MultiprocError; the few
// that must stay TypeErrors or RangeErrors (ClosureError, CloneError, ...) and the
// DOMException TimeoutError carry the same mark, given by `multiprocErrors()`, which also makes
// each class known by name so that it is rebuilt as itself after crossing to or from a worker.

/** The mark of multiproc's error classes, on their prototypes (Symbol.for: one across copies of the package). */
const kMultiprocError = Symbol.for("multiproc.error");

type ErrorClass = abstract new (...args: never[]) => Error;

/** multiproc's error classes by name, for rebuilding errors that crossed a worker boundary. */
const byName = new Map<string, ErrorClass>();

/**
 * The base of multiproc's errors. `err instanceof MultiprocError` holds for every error multiproc
 * raises, also for those that extend TypeError, RangeError or DOMException instead.
 */
export class MultiprocError extends Error {
  /** A stable identifier, e.g. "MULTIPROC_POOL_CLOSED": match on it rather than on messages. */
  declare readonly code: string;

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses inherit this method: for them, the ordinary prototype-chain check.
    if (this !== MultiprocError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isMultiprocError(value);
  }
}

/** Whether `value` is one of multiproc's errors (any of them, whatever its base class). */
export function isMultiprocError(value: unknown): value is Error & { readonly code: string | number } {
  return typeof value === "object" && value !== null && (value as { [kMultiprocError]?: unknown })[kMultiprocError] === true;
}

/** Mark these classes as multiproc's errors and make them known by name (see the file's comment). */
export function multiprocErrors(...classes: ErrorClass[]): void {
  for (const Class of classes) {
    Object.defineProperty(Class.prototype, kMultiprocError, { value: true });
    byName.set(Class.name, Class);
  }
}

/** The multiproc error class that `err` is a direct instance of, by name, if it is one. */
export function ownErrorClass(name: string): ErrorClass | undefined {
  return byName.get(name);
}

/**
 * What every timeout multiproc raises is: `err instanceof mp.TimeoutError`, and as a
 * DOMException named "TimeoutError" it matches what `AbortSignal.timeout()` rejects with
 * (`code` is DOMException's, 23).
 */
export class TimeoutError extends DOMException {
  constructor(message: string) {
    super(message, "TimeoutError");
  }
}

/** A worker died (exit, signal, out of memory, uncaught error) while it was running a task. */
export class WorkerLostError extends MultiprocError {
  override name = "WorkerLostError";
  override readonly code = "MULTIPROC_WORKER_LOST";
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
export class PoolClosedError extends MultiprocError {
  override name = "PoolClosedError";
  override readonly code = "MULTIPROC_POOL_CLOSED";
}

/** The pool's initializer failed, so no worker can run tasks; `cause` is the initializer's error. */
export class InitializerError extends MultiprocError {
  override name = "InitializerError";
  override readonly code = "MULTIPROC_INITIALIZER_FAILED";
}

/** An inline task function uses variables from outside its body, which cannot travel to a worker. */
export class ClosureError extends TypeError {
  override name = "ClosureError";
  readonly code = "MULTIPROC_CLOSURE";
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
  readonly code = "MULTIPROC_CLONE";
  /** Where inside the value the offending part is, e.g. `args[1].socket._handle`. */
  readonly path: string;
  constructor(message: string, path: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.path = path;
  }
}

/** A Process method was called in a state that does not allow it (start() twice, join() before start()). */
export class ProcessStateError extends MultiprocError {
  override name = "ProcessStateError";
  override readonly code = "MULTIPROC_PROCESS_STATE";
}

multiprocErrors(MultiprocError, WorkerLostError, PoolClosedError, InitializerError, ClosureError, CloneError, ProcessStateError, TimeoutError);

/** The error a timed-out call rejects with: "`what` timed out after `seconds` s". */
export function timeoutError(what: string, seconds: number): TimeoutError {
  return new TimeoutError(`${what} timed out after ${seconds} s`);
}

/** The error an aborted call rejects with: the signal's reason, as fetch() does, or an AbortError. */
export function abortError(signal: AbortSignal | undefined, message = "This operation was aborted"): unknown {
  return signal?.reason ?? new DOMException(message, "AbortError");
}
