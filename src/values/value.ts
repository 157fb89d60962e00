// Value: Python's multiprocessing.Value, one typed element in shared memory.
//
// Each read and each write of .value is atomic by itself (Atomics.load/store for integers;
// aligned float loads and stores on x64 and arm64), so, unlike Python, .value does not take
// the lock. Read-modify-write (`v.value += 1`) is not atomic anywhere: hold getLock() around it.

import { inspect, type InspectOptions } from "node:util";
import { Lock, RLock, reviveLock, type AnyLock } from "../sync/lock.js";
import type { SharedBlock } from "../memory/block.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";
import { blockFor, received, type ContextOption } from "../memory/shared-object.js";
import { contextNameOf } from "../start-method.js";
import { ctypeName, decodeElement, encodeElement, typeInfo, type ElementArray, type TypeInfo, type Typecode, type ValueOf } from "./typecodes.js";

export interface SharedValueOptions extends ContextOption {
  /** true (default): carry a new RLock, as Python; a Lock or RLock: use that one; false: none. */
  lock?: boolean | AnyLock;
}

/** The lock a Value or Array carries, per its `lock` option, in its context. */
export function lockFor(option: SharedValueOptions["lock"], context: SharedValueOptions["context"], where: string): { lock: AnyLock | null; context: ContextOption["context"] } {
  if (option === undefined || option === true) return { lock: new RLock({ context }), context };
  if (option === false) return { lock: null, context };
  if (option instanceof Lock || option instanceof RLock) {
    if (context !== undefined && contextNameOf(context, where) !== option.context) {
      throw new TypeError(`${where}: the lock is for the "${option.context}" context, the value for "${contextNameOf(context, where)}"`);
    }
    return { lock: option, context: option.context };
  }
  throw new TypeError(`${where}: lock must be true, false, a Lock or an RLock`);
}

export function noLockError(where: string): TypeError {
  return new TypeError(`${where}.getLock(): it was created with { lock: false } (Python's Raw${where}), so it has no lock`);
}

/** The lock as { type, state } for a shareable's state, or null. */
export function lockDescriptor(lock: AnyLock | null): { type: string; state: unknown } | null {
  return lock ? lock[kShareable]() : null;
}

/** Python's multiprocessing.Value: one number (or char or bool) of a typecode in shared memory, with an optional lock. */
export class Value<T extends Typecode = Typecode> implements Shareable {
  /** The type code it was made with ('i', 'c_double', ...). */
  readonly typecode: T;
  readonly #info: TypeInfo;
  readonly #block: SharedBlock;
  readonly #view: ElementArray;
  readonly #lock: AnyLock | null;

  /** `new mp.Value('i', 0)`: one element of type `typecode`, initially `init` (default 0 / 0n / false). */
  constructor(typecode: T, init?: ValueOf<T>, options?: SharedValueOptions) {
    this.typecode = typecode;
    this.#info = typeInfo(typecode, "Value");
    const { lock, context } = lockFor(options?.lock, options?.context, "Value");
    this.#block = blockFor(options, this.#info.bytes, "Value", undefined, context);
    this.#view = new this.#info.ctor(this.#block.buffer, 0, 1);
    this.#lock = lock;
    if (init !== undefined) this.value = init;
  }

  get context() {
    return this.#block.context;
  }

  /** The element now. Each read is atomic by itself. */
  get value(): ValueOf<T> {
    const raw = this.#info.atomic ? Atomics.load(this.#view as Int32Array, 0) : this.#view[0]!;
    return decodeElement(this.#info, raw) as ValueOf<T>;
  }

  /** Each write is atomic by itself; throws TypeError or RangeError if `v` does not fit the type. */
  set value(v: ValueOf<T>) {
    const raw = encodeElement(this.#info, v, "Value.value");
    if (this.#info.atomic) Atomics.store(this.#view as Int32Array, 0, raw as number);
    else this.#view[0] = raw as number;
  }

  /** The lock to hold around read-modify-write: `await using _ = await v.getLock().hold()`. */
  getLock(): AnyLock {
    if (!this.#lock) throw noLockError("Value");
    return this.#lock;
  }

  /** The element as a one-element typed array over the shared memory (Python's get_obj()). */
  getObj(): ElementArray {
    return this.#view;
  }

  [kShareable]() {
    return { type: "Value", state: { block: this.#block.state, typecode: this.typecode, lock: lockDescriptor(this.#lock) } };
  }

  get [Symbol.toStringTag]() {
    return `Value('${this.typecode}', ${String(this.value)})`;
  }

  /** console.log() shows Python's repr: `<Synchronized wrapper for c_int(5)>`, or `c_int(5)` without a lock. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return synchronized(this.#lock, "Synchronized", `${ctypeName(this.#info)}(${inspect(this.value, { ...options, depth: 0 })})`);
  }
}

/** Python's repr of a shared ctypes object: wrapped when it carries a lock. */
export function synchronized(lock: AnyLock | null, wrapper: string, inner: string): string {
  return lock ? `<${wrapper} wrapper for ${inner}>` : inner;
}

/** For a reviver of a shared value whose state carries { block, lock }: its options, the lock rebuilt (init: none, the block holds it). */
export function receivedWithLock(state: { block: SharedBlock["state"]; lock: { type: string; state: unknown } | null }): SharedValueOptions {
  return received(state.block, { lock: state.lock ? reviveLock(state.lock) : false });
}

registerShareable("Value", (raw) => {
  const state = raw as { block: SharedBlock["state"]; typecode: Typecode; lock: { type: string; state: unknown } | null };
  return new Value(state.typecode, undefined, receivedWithLock(state));
});
