// The list that a SyncManager serves: Python's list methods over an array, living in the
// manager. Equality (index, count, remove) is deep equality of the stored copies, as Python's
// == compares lists and dicts by value.

import { isDeepStrictEqual } from "node:util";
import { IndexError, ValueError } from "./errors.js";

/** A Python index (negative counts from the end) checked against a length. */
export function pyIndex(i: unknown, length: number, what: string): number {
  if (typeof i !== "number" || !Number.isInteger(i)) throw new TypeError(`${what} indices must be integers, got ${typeof i}`);
  const at = i < 0 ? i + length : i;
  if (at < 0 || at >= length) throw new IndexError(`${what} index out of range`);
  return at;
}

/** Python's slice bounds, clamped. */
function bound(i: number | null | undefined, length: number, fallback: number): number {
  if (i === null || i === undefined) return fallback;
  return i < 0 ? Math.max(0, i + length) : Math.min(i, length);
}

/** Python's ordering for sort(): numbers with numbers, strings with strings, arrays element by element. */
export function pyCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = pyCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const comparable = (typeof a === typeof b && (typeof a === "string" || typeof a === "number" || typeof a === "bigint" || typeof a === "boolean")) ||
    ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint"));
  if (!comparable) throw new TypeError(`'<' not supported between ${typeof a} and ${typeof b}`);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

export class ListServant {
  #items: unknown[];

  constructor(init?: unknown) {
    if (init !== undefined && !Array.isArray(init)) throw new TypeError(`list: expected an array, got ${typeof init}`);
    this.#items = init ? [...init] : [];
  }

  getItem(i: unknown): unknown {
    return this.#items[pyIndex(i, this.#items.length, "list")];
  }

  setItem(i: unknown, value: unknown): void {
    this.#items[pyIndex(i, this.#items.length, "list assignment")] = value;
  }

  delItem(i: unknown): void {
    this.#items.splice(pyIndex(i, this.#items.length, "list assignment"), 1);
  }

  get(i: unknown): unknown {
    return this.getItem(i);
  }

  set(i: unknown, value: unknown): void {
    this.setItem(i, value);
  }

  len(): number {
    return this.#items.length;
  }

  append(value: unknown): void {
    this.#items.push(value);
  }

  extend(values: unknown): void {
    if (!Array.isArray(values)) throw new TypeError(`list.extend: expected an array, got ${typeof values}`);
    for (const v of values) this.#items.push(v);
  }

  insert(i: number, value: unknown): void {
    this.#items.splice(bound(i, this.#items.length, 0), 0, value);
  }

  pop(i = -1): unknown {
    if (this.#items.length === 0) throw new IndexError("pop from empty list");
    return this.#items.splice(pyIndex(i, this.#items.length, "pop"), 1)[0];
  }

  remove(value: unknown): void {
    const at = this.#items.findIndex((v) => isDeepStrictEqual(v, value));
    if (at === -1) throw new ValueError("list.remove(x): x not in list");
    this.#items.splice(at, 1);
  }

  index(value: unknown, start?: number | null, stop?: number | null): number {
    const n = this.#items.length;
    for (let i = bound(start, n, 0), end = bound(stop, n, n); i < end; i++) {
      if (isDeepStrictEqual(this.#items[i], value)) return i;
    }
    throw new ValueError("list.index(x): x not in list");
  }

  count(value: unknown): number {
    return this.#items.reduce((n: number, v) => (isDeepStrictEqual(v, value) ? n + 1 : n), 0);
  }

  /** key (compiled in the server from the caller's function) maps each item to what is compared. */
  sort(key?: ((v: unknown) => unknown) | null, reverse = false): void {
    const keyed = this.#items.map((v) => [key ? key(v) : v, v] as const);
    keyed.sort((a, b) => (reverse ? pyCompare(b[0], a[0]) : pyCompare(a[0], b[0])));
    this.#items = keyed.map(([, v]) => v);
  }

  reverse(): void {
    this.#items.reverse();
  }

  clear(): void {
    this.#items = [];
  }

  copy(): unknown[] {
    return this.#items;
  }

  slice(start?: number | null, stop?: number | null): unknown[] {
    const n = this.#items.length;
    return this.#items.slice(bound(start, n, 0), bound(stop, n, n));
  }
}
