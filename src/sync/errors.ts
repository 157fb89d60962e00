// The named errors of locks, semaphores, barriers and shared values. Python raises ValueError,
// RuntimeError or AssertionError for these; a name of their own says what went wrong.

import { MultiprocError, multiprocErrors, TimeoutError } from "../errors.js";

/**
 * release() of a Lock that is not locked, of an RLock that the caller does not own, or a
 * Condition's wait()/notify() without holding its lock (Python: ValueError / AssertionError /
 * RuntimeError).
 */
export class LockNotHeldError extends MultiprocError {
  override name = "LockNotHeldError";
  override readonly code = "MULTIPROC_LOCK_NOT_HELD";
}

/** A BoundedSemaphore was released more times than it was acquired (Python: ValueError). */
export class TooManyReleasesError extends MultiprocError {
  override name = "TooManyReleasesError";
  override readonly code = "MULTIPROC_TOO_MANY_RELEASES";
}

/** The Barrier was aborted, reset, timed out, or its action threw, while this party waited or arrived. */
export class BrokenBarrierError extends MultiprocError {
  override name = "BrokenBarrierError";
  override readonly code = "MULTIPROC_BROKEN_BARRIER";
}

/** An unknown type code for Value or Array ('i', 'd', 'c_int', ... are known). */
export class TypecodeError extends TypeError {
  override name = "TypecodeError";
  readonly code = "MULTIPROC_TYPECODE";
}

/** hold() could not acquire within its timeout (or at once, with block: false). */
export function waitTimeoutError(what: object, options?: { block?: boolean; timeout?: number | null }): TimeoutError {
  const name = what.constructor.name;
  const how = options?.block === false ? "at once (block: false)" : `within ${options?.timeout} s`;
  return new TimeoutError(`${name}.hold(): could not acquire ${how}`);
}

multiprocErrors(LockNotHeldError, TooManyReleasesError, BrokenBarrierError, TypecodeError);
