// The errors a manager's proxies raise, named as Python names them, and the rebuilding of an
// error thrown inside the manager into the caller's own classes (so `instanceof mp.KeyError`
// and `instanceof mp.Empty` hold for errors that crossed the socket).

import { deserializeError, type WireError } from "../wire/errors.js";
import { Empty, Full } from "../shared/channel-errors.js";
import { BrokenBarrierError, LockNotHeldError, TooManyReleasesError } from "../shared/sync-errors.js";

/** A missing key read through a dict proxy's item accessor (`getItem`, `delItem`, `pop` without default): Python's KeyError. */
export class KeyError extends Error {
  override name = "KeyError";
}

/** A list index out of range (Python's IndexError). */
export class IndexError extends RangeError {
  override name = "IndexError";
}

/** A list proxy's `index`/`remove` of a value it does not hold (Python's ValueError). */
export class ValueError extends Error {
  override name = "ValueError";
}

/** A method that the manager does not expose for that object, or an unknown typeid (Python's AttributeError / KeyError). */
export class AttributeError extends TypeError {
  override name = "AttributeError";
}

/**
 * The manager cannot be reached: its process (or thread) exited, it was shut down, or the
 * connection broke. Every pending proxy call rejects with it, and so does every later one.
 */
export class ManagerClosedError extends Error {
  override name = "ManagerClosedError";
}

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
