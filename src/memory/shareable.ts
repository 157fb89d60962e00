// Objects that cross to workers by reference: queues, locks, shared memory. Structured clone
// would copy them (and drop their methods), so they travel as a descriptor, {type, state},
// where state holds what names the shared memory (a SharedArrayBuffer, a segment name), and
// the worker rebuilds an object of the same type over the same memory.
//
// Finding them costs a walk over the arguments, so the walk only happens once such an object
// has been created in this process; programs that never create one pay nothing.

/** The method a shareable object implements: its type name and a cloneable state. */
export const kShareable = Symbol.for("multiproc.shareable");

export interface Shareable {
  /** Its type name and state; `sending`, when the caller gave one, takes what undoes the sending if no worker claims it. */
  [kShareable](sending?: Sending): { type: string; state: unknown };
}

/**
 * What a caller of encodeShareables() may pass along to each shareable it encodes: `unclaimed`
 * keeps a function that undoes what encoding did (a pipe end lends a hold to its receiver), for
 * the caller to run if no worker revives the value (a Process whose child exited or never started).
 */
export interface Sending {
  unclaimed(undo: () => void): void;
}

// How a worker rebuilds an object: the type's reviver, registered here under the type name at
// the load of the type's module, builds it from its state through the class's own constructor,
// handing it what it received by an argument user code cannot make (for the objects over a
// block, the kReceived option of shared-object.ts). There is no "currently rebuilding" slot:
// what a reviver needs beyond the state (the channel a reply came on) is passed to it by
// decodeShareables() as `origin`.

/**
 * Set (true) on a shareable that may also travel inside a queue, pipe or connection message: a
 * manager's proxy, whose state is plain data and whose object lives on in its manager. The others
 * (queues, locks, shared memory) live only while a holder has them, and a message waiting unread
 * in a queue holds nothing, so they travel only as Process and Pool arguments, as in Python.
 */
export const kInMessages = Symbol.for("multiproc.shareable.inMessages");

/** The key that marks a descriptor on the wire. */
const MARK = "__multiproc_shared__";
const MAX_DEPTH = 32;

/** Rebuilds an object from its state; `origin` is what the caller of decodeShareables() said of where the value came from. */
type Reviver = (state: unknown, origin: unknown) => unknown;
const revivers = new Map<string, Reviver>();
let created = false;

/** Tell the worker side how to rebuild objects of `type`. Call at module load of the type's file. */
export function registerShareable(type: string, revive: Reviver): void {
  revivers.set(type, revive);
}

/** Whether objects of `type` can be rebuilt here (its module has loaded). */
export function hasReviver(type: string): boolean {
  return revivers.has(type);
}

/** The type names registered here (for tests). */
export function shareableTypes(): string[] {
  return [...revivers.keys()];
}

/** Whether any shareable object was ever created here, i.e. whether arguments must be searched. */
export function sharesAnything(): boolean {
  return created;
}

/** Call from a shareable's constructor: from now on, arguments are searched for shareables. */
export function noteShareableCreated(): void {
  created = true;
}

function isShareable(v: unknown): v is Shareable {
  return typeof v === "object" && v !== null && typeof (v as Partial<Shareable>)[kShareable] === "function";
}

/**
 * Replace the shareable objects inside `value` by descriptors, copying (never changing) the
 * arrays and plain objects on the way to them. `found` says whether the worker must revive.
 * `admit`, when given, sees each shareable before it is encoded (and may throw to refuse it).
 */
export function encodeShareables<T>(value: T, sending?: Sending, admit?: (v: Shareable) => void): { value: T; found: boolean } {
  if (!created) return { value, found: false };
  let found = false;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v !== "object" || v === null || depth > MAX_DEPTH) return v;
    if (isShareable(v)) {
      admit?.(v);
      found = true;
      const { type, state } = v[kShareable](sending);
      return { [MARK]: type, state };
    }
    if (Array.isArray(v)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const before = v[i];
        if (typeof before !== "object" || before === null) continue; // most elements: no call
        const e = walk(before, depth + 1);
        if (e !== before) (copy ??= v.slice())[i] = e;
      }
      return copy ?? v;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    let copy: Record<string, unknown> | null = null;
    for (const key in v) {
      // for...in allocates no key array; a plain object's prototype (checked above) adds no keys
      const before = (v as Record<string, unknown>)[key];
      if (typeof before !== "object" || before === null) continue;
      const e = walk(before, depth + 1);
      if (e !== before) (copy ??= { ...(v as Record<string, unknown>) })[key] = e;
    }
    return copy ?? v;
  };
  const out = walk(value, 0) as T;
  return { value: out, found };
}

/**
 * In a worker: rebuild the objects that encodeShareables() replaced (in place: the value is our
 * own copy). `origin` is handed to every reviver (a manager client says which channel it read).
 */
export function decodeShareables<T>(value: T, origin?: unknown): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v !== "object" || v === null || depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i], depth + 1);
      return v;
    }
    const rec = v as Record<string, unknown>;
    if (typeof rec[MARK] === "string") {
      const type = rec[MARK] as string;
      const revive = revivers.get(type);
      if (!revive) throw new Error(`multiproc: this worker cannot rebuild a shared ${type}: its type was never registered`);
      return revive(rec.state, origin);
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return v;
    for (const key of Object.keys(rec)) rec[key] = walk(rec[key], depth + 1);
    return v;
  };
  return walk(value, 0) as T;
}

/**
 * A descriptor (from encodeShareables) of an object made for the thread context, found where a
 * process-context worker would receive it: its SharedArrayBuffer cannot cross a process
 * boundary. Used only after a send failed, to say why.
 */
export function findThreadOnlyShareable(value: unknown, path: string): { path: string; reason: string } | null {
  const holdsSab = (v: unknown, depth: number): boolean =>
    v instanceof SharedArrayBuffer ||
    (typeof v === "object" && v !== null && depth < MAX_DEPTH && Object.values(v).some((e) => holdsSab(e, depth + 1)));
  const walk = (v: unknown, at: string, depth: number): { path: string; reason: string } | null => {
    if (typeof v !== "object" || v === null || depth > MAX_DEPTH) return null;
    const rec = v as Record<string, unknown>;
    if (typeof rec[MARK] === "string") {
      return holdsSab(rec.state, 0)
        ? { path: at, reason: `is a ${rec[MARK]} made for the thread context, which a process-context worker cannot share; make it with the process context (the default) or use a thread-context pool` }
        : null;
    }
    for (const [k, e] of Object.entries(rec)) {
      const hit = walk(e, Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`, depth + 1);
      if (hit) return hit;
    }
    return null;
  };
  return walk(value, path, 0);
}

/** Calls `found` with the state of each descriptor of `type` inside `value` (an encoded value; a manager pins the objects its stored proxies name). */
export function forEachDescriptor(value: unknown, type: string, found: (state: unknown) => void): void {
  const walk = (v: unknown, depth: number): void => {
    if (typeof v !== "object" || v === null || depth > MAX_DEPTH) return;
    if (Array.isArray(v)) {
      for (const e of v) walk(e, depth + 1);
      return;
    }
    const rec = v as Record<string, unknown>;
    if (typeof rec[MARK] === "string") {
      if (rec[MARK] === type) found(rec.state);
      return;
    }
    if (v instanceof Map) {
      for (const [k, e] of v) {
        walk(k, depth + 1);
        walk(e, depth + 1);
      }
      return;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return;
    for (const key of Object.keys(rec)) walk(rec[key], depth + 1);
  };
  walk(value, 0);
}
