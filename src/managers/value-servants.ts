// The Namespace, Value and Array that a SyncManager serves. Python's manager Value and Array
// are plain holders in the manager (not shared memory): each read or write is a call.

import { decodeElement, encodeElement, typeInfo, type TypeInfo } from "../values/typecodes.js";
import { AttributeError } from "./errors.js";
import { pyIndex } from "./list-servant.js";

export class NamespaceServant {
  readonly #attrs = new Map<string, unknown>();

  constructor(init?: Record<string, unknown>) {
    for (const [k, v] of Object.entries(init ?? {})) this.#attrs.set(k, v);
  }

  get(name: string, ...fallback: unknown[]): unknown {
    if (this.#attrs.has(name)) return this.#attrs.get(name);
    if (fallback.length > 0) return fallback[0];
    throw new AttributeError(`'Namespace' object has no attribute '${name}'`);
  }

  set(name: string, value: unknown): void {
    if (typeof name !== "string") throw new TypeError(`Namespace: attribute names are strings, got ${typeof name}`);
    this.#attrs.set(name, value);
  }

  delete(name: string): void {
    if (!this.#attrs.delete(name)) throw new AttributeError(`'Namespace' object has no attribute '${name}'`);
  }

  has(name: string): boolean {
    return this.#attrs.has(name);
  }

  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.#attrs);
  }
}

/** A type code we know is checked as mp.Value checks it; others (Python's manager checks none) hold anything. */
function infoOf(typecode: unknown): TypeInfo | null {
  try {
    return typeInfo(typecode, "Value");
  } catch {
    if (typeof typecode !== "string") throw new TypeError(`Value: the type code must be a string, got ${typeof typecode}`);
    return null;
  }
}

function checked(info: TypeInfo | null, v: unknown, where: string): unknown {
  return info ? decodeElement(info, encodeElement(info, v, where)) : v;
}

export class ValueServant {
  readonly #info: TypeInfo | null;
  #value: unknown;

  constructor(readonly typecode: string, value: unknown) {
    this.#info = infoOf(typecode);
    this.#value = checked(this.#info, value, "Value");
  }

  get(): unknown {
    return this.#value;
  }

  set(value: unknown): void {
    this.#value = checked(this.#info, value, "Value.set");
  }
}

export class ArrayServant {
  readonly #info: TypeInfo | null;
  readonly #items: unknown[];

  constructor(readonly typecode: string, init: unknown) {
    this.#info = infoOf(typecode);
    const items = typeof init === "number" ? new Array(init).fill(this.#info?.kind === "bool" ? false : this.#info?.kind === "bigint" ? 0n : 0) : init;
    if (!Array.isArray(items)) throw new TypeError(`Array: expected a size or an array of initial values, got ${typeof init}`);
    this.#items = items.map((v) => checked(this.#info, v, "Array"));
  }

  len(): number {
    return this.#items.length;
  }

  getItem(i: unknown): unknown {
    return this.#items[pyIndex(i, this.#items.length, "array")];
  }

  setItem(i: unknown, value: unknown): void {
    this.#items[pyIndex(i, this.#items.length, "array assignment")] = checked(this.#info, value, "Array.set");
  }

  get(i: unknown): unknown {
    return this.getItem(i);
  }

  set(i: unknown, value: unknown): void {
    this.setItem(i, value);
  }

  toArray(): unknown[] {
    return this.#items;
  }
}
