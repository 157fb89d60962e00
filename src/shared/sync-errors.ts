// The named errors of locks, semaphores, barriers and shared values. Python raises ValueError,
// RuntimeError or AssertionError for these; a name of their own says what went wrong.

/**
 * release() of a Lock that is not locked, of an RLock that the caller does not own, or a
 * Condition's wait()/notify() without holding its lock (Python: ValueError / AssertionError /
 * RuntimeError).
 */
export class LockNotHeldError extends Error {
  override name = "LockNotHeldError";
}

/** A BoundedSemaphore was released more times than it was acquired (Python: ValueError). */
export class TooManyReleasesError extends Error {
  override name = "TooManyReleasesError";
}

/** The Barrier was aborted, reset, timed out, or its action threw, while this party waited or arrived. */
export class BrokenBarrierError extends Error {
  override name = "BrokenBarrierError";
}

/** An unknown type code for Value or Array ('i', 'd', 'c_int', ... are known). */
export class TypecodeError extends TypeError {
  override name = "TypecodeError";
}

/** hold() could not acquire within its timeout (or at once, with block: false). */
export function waitTimeoutError(what: object, options?: { block?: boolean; timeout?: number | null }): DOMException {
  const name = what.constructor.name;
  const how = options?.block === false ? "at once (block: false)" : `within ${options?.timeout} s`;
  return new DOMException(`${name}.hold(): could not acquire ${how}`, "TimeoutError");
}
