// Array: Python's multiprocessing.Array, a fixed-length typed array in shared memory.
// Exported as `mp.Array`; the class is SharedArray here so as not to shadow the global Array.
// `arr[i]` and `arr[i] = v` work as in Python (indexed.ts); get(i), set(i, v) and `view` are the
// fast paths. Array('c') holds bytes, with Python's `value` and `raw`.

import { inspect, type InspectOptions } from "node:util";
import type { SharedBlock } from "../memory/block.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";
import { indexAccess } from "./indexed.js";
import { blockFor } from "../memory/shared-object.js";
import { MAX_BYTES, ctypeName, decodeElement, encodeElement, typeInfo, type ElementArray, type SettableOf, type TypeInfo, type Typecode, type ValueOf } from "./typecodes.js";
import { lockDescriptor, lockFor, noLockError, receivedWithLock, synchronized, type SharedValueOptions } from "./value.js";
import type { AnyLock } from "../sync/lock.js";

/** Python's multiprocessing.Array (exported as mp.Array): a fixed-length array of one typecode in shared memory, with an optional lock. */
export class SharedArray<T extends Typecode = Typecode> implements Shareable, Iterable<ValueOf<T>> {
  /** `arr[i]`, `arr[i] = v`: get(i) / set(i, v), negative indices from the end, RangeError out of bounds. */
  [index: number]: ValueOf<T>;
  readonly typecode: T;
  readonly length: number;
  readonly #info: TypeInfo;
  readonly #block: SharedBlock;
  readonly #view: ElementArray;
  readonly #lock: AnyLock | null;

  /**
   * `new mp.Array('d', 10)`: ten zeros; `new mp.Array('i', [1, 2, 3])`: those values. Throws
   * TypecodeError for an unknown code, RangeError for a bad size or a value that does not fit.
   */
  constructor(typecode: T, sizeOrInit: number | Iterable<SettableOf<T>>, options?: SharedValueOptions) {
    this.typecode = typecode;
    const info = (this.#info = typeInfo(typecode, "Array"));
    const init = typeof sizeOrInit === "number" ? null : Array.from(sizeOrInit as Iterable<unknown>);
    const length = init ? init.length : sizeOrInit;
    if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`Array: the size must be a non-negative integer or an iterable of values, got ${String(sizeOrInit)}`);
    }
    if (length * info.bytes > MAX_BYTES) {
      throw new RangeError(`Array: ${length} elements of type '${typecode}' (${length * info.bytes} bytes) do not fit in one shared block (at most ${MAX_BYTES} bytes)`);
    }
    const encoded = init?.map((v, i) => encodeElement(info, v, `Array: element ${i}`));
    const { lock, context } = lockFor(options?.lock, options?.context, "Array");
    this.#block = blockFor(options, length * info.bytes, "Array", undefined, context);
    this.length = length;
    this.#view = new info.ctor(this.#block.buffer, 0, length);
    this.#lock = lock;
    if (encoded) for (let i = 0; i < length; i++) this.#view[i] = encoded[i] as never;
  }

  get context() {
    return this.#block.context;
  }

  /** Element `i` (negative counts from the end, as in Python). Throws RangeError out of bounds (Python's IndexError). */
  get(i: number): ValueOf<T> {
    const at = this.#index(i);
    const raw = this.#info.atomic ? Atomics.load(this.#view as Int32Array, at) : this.#view[at]!;
    return decodeElement(this.#info, raw) as ValueOf<T>;
  }

  set(i: number, v: SettableOf<T>): void {
    const at = this.#index(i);
    const raw = encodeElement(this.#info, v, `Array.set(${i})`);
    if (this.#info.atomic) Atomics.store(this.#view as Int32Array, at, raw as number);
    else this.#view[at] = raw as number;
  }

  /** A typed array over the shared memory itself: writes through it are seen by every worker. */
  get view(): ElementArray {
    return this.#view;
  }

  /** Python's get_obj(): the same typed array as `view`. */
  getObj(): ElementArray {
    return this.#view;
  }

  /** A copy of the elements as a plain array (Python's `arr[:]`). */
  toArray(): ValueOf<T>[] {
    return Array.from(this);
  }

  *[Symbol.iterator](): Iterator<ValueOf<T>> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  getLock(): AnyLock {
    if (!this.#lock) throw noLockError("Array");
    return this.#lock;
  }

  /** Array('c'): the bytes up to the first zero byte, as Python's `arr.value`; setting writes them and a zero after if there is room. */
  get value(): Uint8Array {
    const bytes = this.#bytes("value");
    const end = bytes.indexOf(0);
    return bytes.slice(0, end < 0 ? bytes.length : end);
  }
  set value(v: Uint8Array) {
    const bytes = this.#bytes("value");
    this.#checkBytes(v, "value");
    bytes.set(v);
    if (v.length < bytes.length) bytes[v.length] = 0;
  }

  /** Array('c'): a copy of every byte, as Python's `arr.raw`; setting writes bytes from the start. */
  get raw(): Uint8Array {
    return this.#bytes("raw").slice();
  }
  set raw(v: Uint8Array) {
    const bytes = this.#bytes("raw");
    this.#checkBytes(v, "raw");
    bytes.set(v);
  }

  #bytes(what: string): Uint8Array {
    if (this.#info.kind !== "char") throw new TypeError(`Array.${what}: only an Array('c') (bytes) has ${what}; this one is '${this.typecode}'`);
    return this.#view as Uint8Array;
  }

  #checkBytes(v: unknown, what: string): asserts v is Uint8Array {
    if (!(v instanceof Uint8Array)) throw new TypeError(`Array.${what}: expected a Uint8Array (Python's bytes)`);
    if (v.length > this.length) throw new RangeError(`Array.${what}: ${v.length} bytes do not fit in ${this.length} (Python: ValueError: byte string too long)`);
  }

  #index(i: number): number {
    const at = i < 0 ? this.length + i : i;
    if (!Number.isInteger(i) || at < 0 || at >= this.length) throw new RangeError(`Array index ${String(i)} out of range (length ${this.length}; Python: IndexError)`);
    return at;
  }

  /**
   * console.log() shows Python's repr with the items: `<SynchronizedArray wrapper for
   * c_int_Array_3 [ 1, 2, 3 ]>` (an Array('c') shows its bytes; no wrapper without a lock).
   */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    const max = options.maxArrayLength === null ? Infinity : (options.maxArrayLength ?? 100);
    const items = this.#info.kind === "char" ? this.raw : Array.from({ length: Math.min(this.length, max) }, (_, i) => this.get(i));
    const more = this.#info.kind !== "char" && this.length > items.length ? ` ... ${this.length - items.length} more` : "";
    const shown = inspect(items, { ...options, depth: 0 }) + more;
    return synchronized(this.#lock, this.#info.kind === "char" ? "SynchronizedString" : "SynchronizedArray", `${ctypeName(this.#info)}_Array_${this.length} ${shown}`);
  }

  [kShareable]() {
    return { type: "Array", state: { block: this.#block.state, typecode: this.typecode, length: this.length, lock: lockDescriptor(this.#lock) } };
  }
}

indexAccess(SharedArray);

registerShareable("Array", (raw) => {
  const s = raw as { block: SharedBlock["state"]; typecode: Typecode; length: number; lock: { type: string; state: unknown } | null };
  return new SharedArray(s.typecode, s.length, receivedWithLock(s));
});
