// Python's array/ctypes type codes, as typed arrays. Sizes follow CPython on 64-bit Linux:
// 'l' and 'L' (C long) are 64-bit there, so they are bigints here, like 'q' and 'Q'.

import { TypecodeError } from "../sync/errors.js";

type IntCode = "b" | "B" | "h" | "H" | "i" | "I";
type BigCode = "l" | "L" | "q" | "Q";
type FloatCode = "f" | "d";
type BoolCode = "?";
type CharCode = "c";

/** ctypes names, each an alias of a one-letter code. */
const CTYPES = {
  c_byte: "b", c_int8: "b", c_ubyte: "B", c_uint8: "B", c_char: "c",
  c_short: "h", c_int16: "h", c_ushort: "H", c_uint16: "H",
  c_int: "i", c_int32: "i", c_uint: "I", c_uint32: "I",
  c_long: "l", c_ulong: "L", c_longlong: "q", c_int64: "q", c_ssize_t: "q",
  c_ulonglong: "Q", c_uint64: "Q", c_size_t: "Q",
  c_float: "f", c_double: "d", c_bool: "?",
} as const;

type CtypesName = keyof typeof CTYPES;

/** Every type code Value and Array accept: Python's letters and ctypes names. */
export type Typecode = IntCode | BigCode | FloatCode | BoolCode | CharCode | CtypesName;

type Canonical<T extends Typecode> = T extends CtypesName ? (typeof CTYPES)[T] : T;

/**
 * The JavaScript type of one element: bigint for 64-bit integers, boolean for '?', a one-byte
 * Uint8Array for 'c' (Python's bytes of length 1), else number.
 */
export type ValueOf<T extends Typecode> = Canonical<T> extends BigCode
  ? bigint
  : Canonical<T> extends BoolCode
    ? boolean
    : Canonical<T> extends CharCode
      ? Uint8Array
      : number;

/** What set() and an initial value take: ValueOf<T>, and for 'c' also an integer 0 to 255, as ctypes' c_char does. */
export type SettableOf<T extends Typecode> = ValueOf<T> | (Canonical<T> extends CharCode ? number : never);

/** The typed arrays that Value and Array views use, one per typecode. */
export type ElementArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

type ArrayCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ElementArray; BYTES_PER_ELEMENT: number };

export interface TypeInfo {
  code: string;
  ctor: ArrayCtor;
  bytes: number;
  kind: "int" | "bigint" | "float" | "bool" | "char";
  /** Atomics.load/store apply (integer arrays). */
  atomic: boolean;
  min: number | bigint;
  max: number | bigint;
}

const int = (code: string, ctor: ArrayCtor, bits: number, signed: boolean): TypeInfo => ({
  code, ctor, bytes: bits / 8, kind: "int", atomic: true,
  min: signed ? -(2 ** (bits - 1)) : 0, max: signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1,
});
const big = (code: string, signed: boolean): TypeInfo => ({
  code, ctor: signed ? BigInt64Array : BigUint64Array, bytes: 8, kind: "bigint", atomic: true,
  min: signed ? -(2n ** 63n) : 0n, max: signed ? 2n ** 63n - 1n : 2n ** 64n - 1n,
});
const float = (code: string, ctor: ArrayCtor): TypeInfo => ({ code, ctor, bytes: ctor.BYTES_PER_ELEMENT, kind: "float", atomic: false, min: -Infinity, max: Infinity });

const TYPES: Record<string, TypeInfo> = {
  b: int("b", Int8Array, 8, true), B: int("B", Uint8Array, 8, false),
  h: int("h", Int16Array, 16, true), H: int("H", Uint16Array, 16, false),
  i: int("i", Int32Array, 32, true), I: int("I", Uint32Array, 32, false),
  l: big("l", true), L: big("L", false), q: big("q", true), Q: big("Q", false),
  f: float("f", Float32Array), d: float("d", Float64Array),
  "?": { ...int("?", Uint8Array, 8, false), kind: "bool" },
  c: { ...int("c", Uint8Array, 8, false), kind: "char" },
};

/** The type behind a code; throws TypecodeError naming the known codes. */
export function typeInfo(typecode: unknown, where: string): TypeInfo {
  const code = typeof typecode === "string" ? ((CTYPES as Record<string, string>)[typecode] ?? typecode) : undefined;
  const info = code === undefined ? undefined : TYPES[code];
  if (!info) {
    throw new TypecodeError(
      `${where}: unknown type code ${JSON.stringify(typecode)}; use one of ${Object.keys(TYPES).map((c) => `'${c}'`).join(", ")} ` +
        `or a ctypes name (${Object.keys(CTYPES).slice(0, 6).join(", ")}, ...)`,
    );
  }
  return info;
}

/** Check that `v` fits the type (no silent wrapping, unlike ctypes) and convert it for storing. */
export function encodeElement(info: TypeInfo, v: unknown, where: string): number | bigint {
  switch (info.kind) {
    case "bool":
      if (typeof v !== "boolean") throw new TypeError(`${where}: type '?' holds booleans, got ${describe(v)}`);
      return v ? 1 : 0;
    case "char":
      // ctypes' c_char takes bytes of length 1 or an integer 0..255.
      if (v instanceof Uint8Array && v.length === 1) return v[0]!;
      if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255) return v;
      throw new TypeError(`${where}: type 'c' holds one byte: a Uint8Array of length 1 (Python's bytes) or an integer 0 to 255, got ${describe(v)}`);
    case "float":
      if (typeof v !== "number") throw new TypeError(`${where}: type '${info.code}' holds numbers, got ${describe(v)}`);
      return v;
    case "bigint": {
      const b = typeof v === "bigint" ? v : typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : undefined;
      if (b === undefined) throw new TypeError(`${where}: type '${info.code}' holds 64-bit integers (bigint), got ${describe(v)}`);
      if (b < (info.min as bigint) || b > (info.max as bigint)) throw new RangeError(`${where}: ${b} does not fit type '${info.code}' (${info.min} to ${info.max})`);
      return b;
    }
    default:
      if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${where}: type '${info.code}' holds integers, got ${describe(v)}`);
      if (v < (info.min as number) || v > (info.max as number)) throw new RangeError(`${where}: ${v} does not fit type '${info.code}' (${info.min} to ${info.max})`);
      return v;
  }
}

export function decodeElement(info: TypeInfo, raw: number | bigint): number | bigint | boolean | Uint8Array {
  return info.kind === "bool" ? raw !== 0 : info.kind === "char" ? Uint8Array.of(raw as number) : raw;
}

const CTYPE_OF: Record<string, string> = {
  b: "c_byte", B: "c_ubyte", h: "c_short", H: "c_ushort", i: "c_int", I: "c_uint", l: "c_long", L: "c_ulong",
  q: "c_longlong", Q: "c_ulonglong", f: "c_float", d: "c_double", "?": "c_bool", c: "c_char",
};

/** The ctypes name Python shows for a type ("c_int" for 'i'), for reprs. */
export function ctypeName(info: TypeInfo): string {
  return CTYPE_OF[info.code] ?? info.code;
}

/** The largest block we hand out: typed arrays over it stay within every engine's limits. */
export const MAX_BYTES = 2 ** 31 - 8;

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Uint8Array) return `a Uint8Array of length ${v.length}`;
  return typeof v === "object" ? (v === null ? "null" : "an object") : `${typeof v} ${String(v)}`;
}
