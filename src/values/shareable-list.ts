// ShareableList: Python's shared_memory.ShareableList, a fixed-length list in a SharedMemory
// block that any process can open by name.
//
// Python's fixed-slot rules: the length never changes, and each item's slot is sized when the
// list is made: 8 bytes for a number, bigint, boolean or null; a string's UTF-8 length rounded
// up to 8 (at least 8), and so is a byte string's (a Uint8Array, Python's bytes). Any item may
// later be replaced by one of any type that fits its slot; a longer string or byte string throws
// RangeError (Python: ValueError). `list[i]` and `list[i] = v` work as in Python (indexed.ts).
//
// Layout: [count:i32, pad] then per item 4 x i32 [tag, byte offset, capacity, byte length],
// then the slots, 8-byte aligned. Not byte-compatible with Python's layout.

import { inspect, type InspectOptions } from "node:util";
import { indexAccess } from "./indexed.js";
import { SharedMemory } from "./shared-memory.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";

/** What a ShareableList holds: Python's int and float (number, bigint), bool, str, bytes (Uint8Array) and None. */
export type ShareableItem = number | bigint | boolean | string | Uint8Array | null;

const NULL = 0, NUMBER = 1, BIGINT = 2, BOOL = 3, STRING = 4, BYTES = 5;
const HEADER = 8;
const ENTRY = 16;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** Python's shared_memory.ShareableList: a fixed-length list of numbers, bigints, strings, bytes, booleans and nulls in a shared memory block. */
export class ShareableList implements Shareable, Iterable<ShareableItem> {
  /** `list[i]`, `list[i] = v`: get(i) / set(i, v), negative indices from the end, RangeError out of bounds. */
  [index: number]: ShareableItem;
  /** The block the list lives in; `list.shm.unlink()` removes it, as in Python. */
  readonly shm: SharedMemory;
  readonly #view: DataView;

  /**
   * `new ShareableList([1, "two", null])` makes a new list; `new ShareableList({ name })` (or
   * `new ShareableList(null, { name })`) opens an existing one; `new ShareableList(items, { name })`
   * makes one under that name; `new ShareableList()` makes an empty one, as Python's.
   */
  constructor(sequence: Iterable<ShareableItem> | { name: string } | null = null, options?: { name?: string }) {
    const openName = sequence !== null && !isIterable(sequence) ? sequence.name : sequence === null ? options?.name : undefined;
    if (openName !== undefined) {
      this.shm = new SharedMemory({ name: openName });
      this.#view = new DataView(this.shm.buf.buffer, this.shm.buf.byteOffset, this.shm.buf.byteLength);
      return;
    }
    if (sequence !== null && !isIterable(sequence)) throw new TypeError("ShareableList: give a sequence of items, or { name } to open an existing list");
    const items = sequence === null ? [] : Array.from(sequence);
    const encoded = items.map((v, i) => encode(v, `ShareableList: item ${i}`));
    let offset = align8(HEADER + items.length * ENTRY);
    const slots = encoded.map((e) => {
      const cap = e.bytes ? Math.max(8, align8(e.bytes.length)) : 8;
      const at = offset;
      offset += cap;
      return { at, cap };
    });
    this.shm = new SharedMemory({ name: options?.name, create: true, size: Math.max(offset, 8) });
    this.#view = new DataView(this.shm.buf.buffer, this.shm.buf.byteOffset, this.shm.buf.byteLength);
    this.#view.setInt32(0, items.length, true);
    slots.forEach(({ at, cap }, i) => {
      this.#view.setInt32(HEADER + i * ENTRY + 4, at, true);
      this.#view.setInt32(HEADER + i * ENTRY + 8, cap, true);
      this.#write(i, encoded[i]!);
    });
  }

  get length(): number {
    return this.#view.getInt32(0, true);
  }

  /** Item `i` (negative counts from the end). */
  get(i: number): ShareableItem {
    const e = HEADER + this.#index(i) * ENTRY;
    const v = this.#view;
    const at = v.getInt32(e + 4, true);
    switch (v.getInt32(e, true)) {
      case NUMBER:
        return v.getFloat64(at, true);
      case BIGINT:
        return v.getBigInt64(at, true);
      case BOOL:
        return v.getUint8(at) === 1;
      case STRING:
        return fromUtf8.decode(new Uint8Array(v.buffer, v.byteOffset + at, v.getInt32(e + 12, true)));
      case BYTES:
        return new Uint8Array(v.buffer, v.byteOffset + at, v.getInt32(e + 12, true)).slice();
      default:
        return null;
    }
  }

  /** Replace item `i`; throws RangeError if a string or byte string does not fit the slot made for the original item. */
  set(i: number, value: ShareableItem): void {
    const at = this.#index(i);
    const e = encode(value, `ShareableList.set(${i})`);
    const cap = this.#view.getInt32(HEADER + at * ENTRY + 8, true);
    if (e.bytes && e.bytes.length > cap) {
      const what = e.tag === BYTES ? "byte string" : "string";
      throw new RangeError(`ShareableList.set(${i}): the ${what} needs ${e.bytes.length} bytes, its slot holds ${cap} (Python: ValueError: exceeds available storage)`);
    }
    this.#write(at, e);
  }

  *[Symbol.iterator](): Iterator<ShareableItem> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  toArray(): ShareableItem[] {
    return Array.from(this);
  }

  /** How many items equal `value` (Python's count()). */
  count(value: ShareableItem): number {
    return this.toArray().filter((v) => same(v, value)).length;
  }

  /** The first position of `value`; throws RangeError if absent (Python: ValueError). */
  index(value: ShareableItem): number {
    const at = this.toArray().findIndex((v) => same(v, value));
    if (at < 0) throw new RangeError(`ShareableList.index(): ${String(value)} is not in the list`);
    return at;
  }

  /** Python's format string: one code per item ("d", "q", "?", "x" for null, "16s"). */
  get format(): string {
    let f = "";
    for (let i = 0; i < this.length; i++) {
      const e = HEADER + i * ENTRY;
      const tag = this.#view.getInt32(e, true);
      f += tag === STRING || tag === BYTES ? `${this.#view.getInt32(e + 8, true)}s` : ["x", "d", "q", "?"][tag];
    }
    return f;
  }

  /** Closes this handle; the creator's handle also unlinks the block. */
  [Symbol.dispose](): void {
    this.shm[Symbol.dispose]();
  }

  #write(i: number, e: Encoded): void {
    const v = this.#view;
    const entry = HEADER + i * ENTRY;
    const at = v.getInt32(entry + 4, true);
    if (e.tag === NUMBER) v.setFloat64(at, e.value as number, true);
    else if (e.tag === BIGINT) v.setBigInt64(at, e.value as bigint, true);
    else if (e.tag === BOOL) v.setUint8(at, e.value ? 1 : 0);
    else if (e.tag === STRING || e.tag === BYTES) new Uint8Array(v.buffer, v.byteOffset + at, e.bytes!.length).set(e.bytes!);
    v.setInt32(entry + 12, e.bytes?.length ?? 0, true);
    v.setInt32(entry, e.tag, true);
  }

  #index(i: number): number {
    const at = i < 0 ? this.length + i : i;
    if (!Number.isInteger(i) || at < 0 || at >= this.length) throw new RangeError(`ShareableList index ${String(i)} out of range (length ${this.length}; Python: IndexError)`);
    return at;
  }

  /** console.log() shows Python's repr: `ShareableList([ 1, 'two', null ], name='multiproc-...')`. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `ShareableList(${inspect(this.toArray(), { ...options, depth: 1 })}, name='${this.shm.name}')`;
  }

  [kShareable]() {
    return { type: "ShareableList", state: { name: this.shm.name } };
  }
}

interface Encoded {
  tag: number;
  value?: ShareableItem;
  bytes?: Uint8Array;
}

function encode(v: unknown, where: string): Encoded {
  if (v === null || v === undefined) return { tag: NULL };
  if (typeof v === "number") return { tag: NUMBER, value: v };
  if (typeof v === "boolean") return { tag: BOOL, value: v };
  if (typeof v === "string") return { tag: STRING, bytes: utf8.encode(v) };
  if (v instanceof Uint8Array) return { tag: BYTES, bytes: v };
  if (typeof v === "bigint") {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`${where}: ${v} does not fit in 64 bits`);
    return { tag: BIGINT, value: v };
  }
  throw new TypeError(`${where}: a ShareableList holds numbers, bigints, strings, Uint8Arrays (bytes), booleans and null, got ${typeof v}`);
}

/** Python's ==: byte strings compare by their bytes. */
function same(a: ShareableItem, b: ShareableItem): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function isIterable(v: object): v is Iterable<ShareableItem> {
  return typeof (v as Partial<Iterable<unknown>>)[Symbol.iterator] === "function";
}

indexAccess(ShareableList);

registerShareable("ShareableList", (state) => new ShareableList({ name: (state as { name: string }).name }));
