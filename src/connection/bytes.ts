// The byte-level half of Python's Connection API, shared by socket connections and Pipe ends:
// which bytes sendBytes(buf, offset, size) sends, checked as Python checks them, and how
// recvBytesInto(buf, offset) places a message (BufferTooShort when it does not fit).

import { BufferTooShort } from "./errors.js";

/** What sendBytes accepts: any typed array, DataView, Buffer or ArrayBuffer. Offsets count bytes. */
export type BytesLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

function asBytes(buf: BytesLike, where: string): Uint8Array {
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && buf instanceof SharedArrayBuffer)) {
    return new Uint8Array(buf);
  }
  throw new TypeError(`${where}: expected a Buffer, typed array, DataView or ArrayBuffer, not ${describe(buf)}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return typeof value;
}

function checkCount(value: number, what: string, where: string): void {
  if (!Number.isInteger(value)) throw new TypeError(`${where}: ${what} must be a whole number of bytes, not ${String(value)}`);
  if (value < 0) throw new RangeError(`${where}: ${what} is negative (${value})`);
}

/**
 * The bytes sendBytes(buf, offset, size) sends, as a view (no copy): from `offset` (bytes),
 * `size` bytes or up to the end. RangeError where Python raises ValueError.
 */
export function bytesToSend(buf: BytesLike, offset = 0, size?: number, where = "Connection.sendBytes"): Uint8Array {
  const bytes = asBytes(buf, where);
  checkCount(offset, "offset", where);
  if (bytes.length < offset) throw new RangeError(`${where}: buffer length ${bytes.length} < offset ${offset}`);
  if (size === undefined || size === null) return bytes.subarray(offset);
  checkCount(size, "size", where);
  if (bytes.length < offset + size) throw new RangeError(`${where}: buffer length ${bytes.length} < offset + size (${offset} + ${size})`);
  return bytes.subarray(offset, offset + size);
}

/** recvBytes(maxlength): checks maxlength as Python does (null/undefined: no limit). */
export function checkMaxlength(maxlength: number | null | undefined, where = "Connection.recvBytes"): number {
  if (maxlength === undefined || maxlength === null) return Infinity;
  if (typeof maxlength !== "number" || Number.isNaN(maxlength)) throw new TypeError(`${where}: maxlength must be a number of bytes, not ${String(maxlength)}`);
  if (maxlength < 0) throw new RangeError(`${where}: negative maxlength (${maxlength})`);
  return maxlength;
}

/** Checks recvBytesInto's arguments before anything is read. */
export function intoTarget(buf: BytesLike, offset: number, where = "Connection.recvBytesInto"): Uint8Array {
  const bytes = asBytes(buf, where);
  checkCount(offset, "offset", where);
  if (offset > bytes.length) throw new RangeError(`${where}: offset ${offset} is beyond the end of the buffer (${bytes.length} bytes)`);
  return bytes;
}

/** Copies `message` into `target` at `offset` and returns its length, or throws BufferTooShort carrying it. */
export function placeInto(target: Uint8Array, offset: number, message: Uint8Array): number {
  if (message.length > target.length - offset) {
    throw new BufferTooShort(
      `the message (${message.length} bytes) does not fit in the buffer from offset ${offset} (${target.length - offset} bytes free); ` +
        `it is in error.data`,
      Buffer.from(message.buffer, message.byteOffset, message.length),
    );
  }
  target.set(message, offset);
  return message.length;
}
