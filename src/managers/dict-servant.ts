// The dict that a SyncManager serves: Python's dict methods over a Map, living in the manager.
// Keys are what Python would hash and JavaScript compares by value: strings, numbers, bigints,
// booleans, null and undefined (1 and "1" are different keys, as in Python).

import { KeyError, reprKey } from "./errors.js";

type Key = string | number | bigint | boolean | null | undefined;

function checkKey(key: unknown): Key {
  if (typeof key === "object" && key !== null) {
    throw new TypeError(`unhashable type: a managed dict's keys are strings, numbers, bigints, booleans or null, got ${Array.isArray(key) ? "an array" : "an object"}`);
  }
  if (typeof key === "function" || typeof key === "symbol") throw new TypeError(`unhashable type: ${typeof key}`);
  return key as Key;
}

/** Entries of what Python's dict.update() takes: a Map, an array of pairs, or a plain object. */
export function entriesOf(other: unknown, where: string): [unknown, unknown][] {
  if (other instanceof Map) return [...other];
  if (Array.isArray(other)) {
    return other.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`${where}: element ${i} is not a [key, value] pair`);
      return pair as [unknown, unknown];
    });
  }
  if (typeof other === "object" && other !== null) return Object.entries(other);
  if (other === undefined) return [];
  throw new TypeError(`${where}: expected a Map, an array of [key, value] pairs or an object, got ${typeof other}`);
}

export class DictServant {
  readonly #map: Map<Key, unknown>;

  constructor(init?: unknown) {
    this.#map = new Map(entriesOf(init, "dict").map(([k, v]) => [checkKey(k), v]));
  }

  getItem(key: unknown): unknown {
    const k = checkKey(key);
    if (!this.#map.has(k)) throw new KeyError(reprKey(k));
    return this.#map.get(k);
  }

  setItem(key: unknown, value: unknown): void {
    this.#map.set(checkKey(key), value);
  }

  delItem(key: unknown): void {
    if (!this.#map.delete(checkKey(key))) throw new KeyError(reprKey(key));
  }

  get(key: unknown, fallback?: unknown): unknown {
    const k = checkKey(key);
    return this.#map.has(k) ? this.#map.get(k) : fallback;
  }

  set(key: unknown, value: unknown): void {
    this.#map.set(checkKey(key), value);
  }

  delete(key: unknown): boolean {
    return this.#map.delete(checkKey(key));
  }

  has(key: unknown): boolean {
    return this.#map.has(checkKey(key));
  }

  len(): number {
    return this.#map.size;
  }

  keys(): Key[] {
    return [...this.#map.keys()];
  }

  values(): unknown[] {
    return [...this.#map.values()];
  }

  items(): [Key, unknown][] {
    return [...this.#map];
  }

  update(other?: unknown): void {
    for (const [k, v] of entriesOf(other, "dict.update")) this.#map.set(checkKey(k), v);
  }

  pop(key: unknown, ...fallback: unknown[]): unknown {
    const k = checkKey(key);
    if (!this.#map.has(k)) {
      if (fallback.length > 0) return fallback[0];
      throw new KeyError(reprKey(k));
    }
    const v = this.#map.get(k);
    this.#map.delete(k);
    return v;
  }

  /** The last inserted [key, value], removed (LIFO, as in Python 3.7+). */
  popitem(): [Key, unknown] {
    let last: [Key, unknown] | undefined;
    for (const entry of this.#map) last = entry;
    if (!last) throw new KeyError("'popitem(): dictionary is empty'");
    this.#map.delete(last[0]);
    return last;
  }

  setdefault(key: unknown, fallback?: unknown): unknown {
    const k = checkKey(key);
    if (!this.#map.has(k)) this.#map.set(k, fallback);
    return this.#map.get(k);
  }

  clear(): void {
    this.#map.clear();
  }

  copy(): Map<Key, unknown> {
    return this.#map;
  }
}
