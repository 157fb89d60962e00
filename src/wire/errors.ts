// Errors cross the boundary as plain objects, so that name, message, stack, cause and the
// error's own properties (code, errno, ...) survive on both contexts; structured clone alone
// keeps the first four and silently drops the rest.
//
// Classes come back by reference, as pickle restores exceptions: multiproc's own error classes
// (errors.ts) by name, and a class that a task module exports by that module's URL and export
// name, which the receiving side imports. The instance is made without running the class's
// constructor (pickle does not re-run __init__'s logic either): its prototype is the class's,
// and its message, stack, cause and own properties are the original's. Any other class arrives
// as an Error (or the built-in class) that keeps the original's name.

// The cluster's errors cross between its callers and workers: known by name wherever this is loaded.
import "../cluster/errors.js";
import { ownErrorClass } from "../errors.js";

/** Where a class is exported: the module's URL and the export's name. */
export interface ClassRef {
  url: string;
  exportName: string;
}

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
  /** One of multiproc's own classes, rebuilt as such so that instanceof works. */
  own?: true;
  /** The error's class is exported by a task module: rebuilt as an instance of it where that module can be imported. */
  ref?: ClassRef;
}

/** Where a worker finds the export that is an error's class (the task modules it has loaded); unset elsewhere. */
let findClass: ((Class: Function) => ClassRef | undefined) | undefined;

export function findErrorClassesWith(finder: (Class: Function) => ClassRef | undefined): void {
  findClass = finder;
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
  const Class = (err as { constructor?: unknown }).constructor;
  if (typeof Class === "function" && ownErrorClass(out.name) === Class) out.own = true;
  else if (typeof Class === "function" && findClass && !Object.hasOwn(BUILTIN, Class.name)) {
    const ref = findClass(Class);
    if (ref) out.ref = ref;
  }
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
 * Rebuild a worker's error in the parent: the same class where it can (see the file's comment),
 * else an Error named after the original; same message, the worker's stack, then `callerStack`
 * (where the call was made in the parent), so both sides of the boundary show. A class exported
 * by a task module needs that module imported first: see loadErrorClasses.
 */
export function deserializeError(wire: WireError, callerStack?: string): unknown {
  if (!wire.isError) return wire.value;
  const Class = wire.own ? ownErrorClass(wire.name) : wire.ref ? importedClass(wire.ref) : undefined;
  const err = (Class ? instanceOf(Class, wire) : new (BUILTIN[wire.name] ?? Error)(wire.message)) as Error & Record<string, unknown>;
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

/** A real Error object (or DOMException) whose prototype is `Class`'s, without running its constructor. */
function instanceOf(Class: Function, wire: WireError): Error {
  const base = Class.prototype instanceof DOMException ? DOMException : Error;
  return Reflect.construct(base, base === DOMException ? [wire.message, wire.name] : [wire.message], Class) as Error;
}

/** Task modules imported here to rebuild their error classes, by URL; null when the import failed. */
const imported = new Map<string, Record<string, unknown> | null>();

function importedClass(ref: ClassRef): Function | undefined {
  const Class = imported.get(ref.url)?.[ref.exportName];
  return typeof Class === "function" ? Class : undefined;
}

/**
 * Import the task modules whose error classes `wire` (or its causes) names and that are not
 * imported yet; undefined when there are none, so the common case stays synchronous. A module
 * that cannot be imported here leaves its errors as Errors that keep their name.
 */
export function loadErrorClasses(wire: WireError): Promise<void> | undefined {
  const urls = new Set<string>();
  for (let w: WireError | undefined = wire; w; w = w.cause) if (w.ref && !imported.has(w.ref.url)) urls.add(w.ref.url);
  if (urls.size === 0) return undefined;
  return Promise.all(
    [...urls].map((url) =>
      import(url).then(
        (mod: Record<string, unknown>) => void imported.set(url, mod),
        () => void imported.set(url, null),
      ),
    ),
  ).then(() => {});
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
