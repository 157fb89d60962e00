// The errors a manager's proxies raise, named as Python names them, and the rebuilding of an
// error thrown inside the manager into the caller's own classes (so `instanceof mp.KeyError`
// and `instanceof mp.Empty` hold for errors that crossed the socket).

import { MultiprocError, multiprocErrors } from "../errors.js";
import { deserializeError, type WireError } from "../wire/errors.js";
import { Empty, Full } from "../channels/errors.js";
import { BrokenBarrierError, LockNotHeldError, TooManyReleasesError } from "../sync/errors.js";

/** A missing key read through a dict proxy's item accessor (`getItem`, `delItem`, `pop` without default): Python's KeyError. */
export class KeyError extends MultiprocError {
  override name = "KeyError";
  override readonly code = "MULTIPROC_KEY";
}

/** A list index out of range (Python's IndexError). */
export class IndexError extends RangeError {
  override name = "IndexError";
  readonly code = "MULTIPROC_INDEX";
}

/** A list proxy's `index`/`remove` of a value it does not hold (Python's ValueError). */
export class ValueError extends MultiprocError {
  override name = "ValueError";
  override readonly code = "MULTIPROC_VALUE";
}

/** A method that the manager does not expose for that object, or an unknown typeid (Python's AttributeError / KeyError). */
export class AttributeError extends TypeError {
  override name = "AttributeError";
  readonly code = "MULTIPROC_ATTRIBUTE";
}

/**
 * The manager cannot be reached: its process (or thread) exited, it was shut down, or the
 * connection broke. Every pending proxy call rejects with it, and so does every later one.
 */
export class ManagerClosedError extends MultiprocError {
  override name = "ManagerClosedError";
  override readonly code = "MULTIPROC_MANAGER_CLOSED";
}

multiprocErrors(KeyError, IndexError, ValueError, AttributeError, ManagerClosedError);

/** Errors that a manager raises and that the caller can catch by class. */
const KNOWN: Record<string, { prototype: Error }> = {
  KeyError,
  IndexError,
  ValueError,
  AttributeError,
  Empty,
  Full,
  LockNotHeldError,
  TooManyReleasesError,
  BrokenBarrierError,
};

/** An error from the manager, rebuilt in the caller: its own class where we know it, the manager's stack, then the caller's. */
export function rebuildRemoteError(wire: WireError, callerStack?: string): unknown {
  const err = deserializeError(wire, callerStack);
  const known = wire.isError ? KNOWN[wire.name] : undefined;
  if (known && err instanceof Error) Object.setPrototypeOf(err, known.prototype);
  return err;
}

/** Python's repr of a key, for KeyError messages: 'name' for strings, 3 for numbers. */
export function reprKey(key: unknown): string {
  return typeof key === "string" ? `'${key}'` : typeof key === "bigint" ? `${key}n` : String(key);
}
