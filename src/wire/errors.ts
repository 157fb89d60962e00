// Errors cross the boundary as plain objects, so that name, message, stack, cause and the
// error's own properties (code, errno, ...) survive on both contexts; structured clone alone
// keeps the first four and silently drops the rest.

import { ClusterConnectionError, ForbiddenTaskError, JobTooLargeError } from "../cluster/errors.js";
import { CloneError } from "../errors.js";

export interface WireError {
  /** true when the thrown value was an Error (or looked like one); false for throw "a string", throw {..}. */
  isError: boolean;
  name: string;
  message: string;
  stack?: string;
  cause?: WireError;
  /** Own enumerable properties that could be cloned. */
  props?: Record<string, unknown>;
  /** The thrown value itself, when it was not an Error and could be cloned. */
  value?: unknown;
  /** One of multiproc's own classes (see OWN), rebuilt as such so that instanceof works. */
  own?: true;
}

const MAX_CAUSE_DEPTH = 8;

export function serializeError(thrown: unknown, depth = 0): WireError {
  if (!(thrown instanceof Error) && !looksLikeError(thrown)) {
    return { isError: false, name: "Error", message: describe(thrown), value: cloneable(thrown) ? thrown : describe(thrown) };
  }
  const err = thrown as Error & Record<string, unknown>;
  const out: WireError = {
    isError: true,
    name: String(err.name ?? "Error"),
    message: String(err.message ?? ""),
    stack: typeof err.stack === "string" ? err.stack : undefined,
  };
  if (Object.hasOwn(OWN, out.name) && err instanceof OWN[out.name]!.Class) out.own = true;
  if (err.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(err.cause, depth + 1);
  for (const key of Object.keys(err)) {
    if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
    const v = err[key];
    out.props ??= {};
    out.props[key] = cloneable(v) ? v : describe(v);
  }
  if (err instanceof AggregateError) out.props = { ...out.props, errors: err.errors.map((e) => serializeError(e, depth + 1)) };
  return out;
}

const BUILTIN: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuild a worker's error in the parent: same class where it is a built-in one or one of
 * multiproc's own (an Error named after the original otherwise), same message, the worker's stack, then `callerStack`
 * (where the call was made in the parent), so both sides of the boundary show.
 */
/** multiproc's error classes that a worker raises itself (a result it cannot send back). */
const OWN: Record<string, { Class: abstract new (...args: never[]) => Error; make(message: string): Error }> = {
  CloneError: { Class: CloneError, make: (message) => new CloneError(message, "") },
  // The cluster's (src/cluster/errors.ts): raised by a worker or by the caller's own client.
  ForbiddenTaskError: { Class: ForbiddenTaskError, make: (message) => new ForbiddenTaskError(message) },
  ClusterConnectionError: { Class: ClusterConnectionError, make: (message) => new ClusterConnectionError(message) },
  JobTooLargeError: { Class: JobTooLargeError, make: (message) => new JobTooLargeError(message, 0, 0) },
};

export function deserializeError(wire: WireError, callerStack?: string): unknown {
  if (!wire.isError) return wire.value;
  const err = (wire.own ? OWN[wire.name]!.make(wire.message) : new (BUILTIN[wire.name] ?? Error)(wire.message)) as Error &
    Record<string, unknown>;
  if (err.name !== wire.name) {
    Object.defineProperty(err, "name", { value: wire.name, writable: true, configurable: true, enumerable: false });
  }
  let stack = wire.stack ?? `${wire.name}: ${wire.message}`;
  if (callerStack) stack += `\n    --- called from ---\n${callerFrames(callerStack)}`;
  Object.defineProperty(err, "stack", { value: stack, writable: true, configurable: true, enumerable: false });
  if (wire.cause) {
    Object.defineProperty(err, "cause", { value: deserializeError(wire.cause), writable: true, configurable: true, enumerable: false });
  }
  if (wire.props) {
    for (const [k, v] of Object.entries(wire.props)) {
      err[k] = k === "errors" && Array.isArray(v) ? v.map((e) => deserializeError(e as WireError)) : v;
    }
  }
  return err;
}

/**
 * An error raised in the parent on a task's way to a worker (a CloneError at dispatch) has only
 * multiproc's dispatch loop on its stack: give it the frames of the call that made the task
 * instead, so the trace points at the user's line (as piscina's DataCloneError does).
 */
export function pointAtCaller<E extends Error>(err: E, callerStack: string | undefined): E {
  if (callerStack) {
    const stack = `${err.name}: ${err.message}\n${callerFrames(callerStack)}`;
    Object.defineProperty(err, "stack", { value: stack, writable: true, configurable: true, enumerable: false });
  }
  return err;
}

/** The "    at ..." lines of a stack, without its first (message) line. */
function callerFrames(stack: string): string {
  const nl = stack.indexOf("\n    at ");
  return nl === -1 ? stack : stack.slice(nl + 1);
}

function looksLikeError(v: unknown): boolean {
  // Errors from another realm (vm contexts) fail instanceof; their toString tag still says Error.
  return typeof v === "object" && v !== null && Object.prototype.toString.call(v) === "[object Error]";
}

function cloneable(v: unknown): boolean {
  if (v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol")) return true;
  if (typeof v !== "object") return false;
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

function describe(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return typeof v === "object" && v !== null ? JSON.stringify(v) ?? String(v) : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
