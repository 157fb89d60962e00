// The bytes of a manager's messages (protocol.ts says what they hold). Most calls carry a few
// primitives each way (`d.set("k", 1)`, its `undefined` back), and a structured clone of them
// costs more than the rest of the call: v8's serializer and deserializer are native objects
// made and freed per message, with a fresh buffer each. So a request or reply whose arguments
// or value are all primitives is packed by hand; anything else is the v8 structured clone of
// the whole tuple, as before. The first byte tells them apart: a v8 clone starts with 0xFF.
//
//   request:  0x01, reqId u32, objId u32, flags u8 (1: holdsShared), method length u8, method
//             (UTF-8), argument count u8, each argument tagged
//   reply OK: 0x02, reqId u32, value tagged
//   tagged:   0 undefined | 1 null | 2 false | 3 true | 4 int32 | 5 float64 | 6 string (u32
//             byte length, UTF-8)
//
// Both ends are multiproc of the same version: this is not a public format.

import { deserialize, serialize } from "node:v8";
import { OK, type Reply, type Request } from "./protocol.js";

const FAST_REQUEST = 0x01;
const FAST_REPLY = 0x02;

/** Bytes of hand-packed values beyond which the structured clone is used (a long string). */
const FAST_LIMIT = 2048;

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT = 4;
const T_DOUBLE = 5;
const T_STRING = 6;

/** Upper bound of a value's packed size, or -1 if it is not a primitive we pack. */
function packedSize(v: unknown): number {
  switch (typeof v) {
    case "undefined":
    case "boolean":
      return 1;
    case "number":
      return (v | 0) === v && !Object.is(v, -0) ? 5 : 9;
    case "string":
      return 5 + 3 * v.length;
    case "object":
      return v === null ? 1 : -1;
    default:
      return -1;
  }
}

function pack(buf: Buffer, at: number, v: unknown): number {
  switch (typeof v) {
    case "undefined":
      buf[at] = T_UNDEFINED;
      return at + 1;
    case "boolean":
      buf[at] = v ? T_TRUE : T_FALSE;
      return at + 1;
    case "number":
      if ((v | 0) === v && !Object.is(v, -0)) {
        buf[at] = T_INT;
        buf.writeInt32LE(v, at + 1);
        return at + 5;
      }
      buf[at] = T_DOUBLE;
      buf.writeDoubleLE(v, at + 1);
      return at + 9;
    case "string": {
      buf[at] = T_STRING;
      const n = buf.write(v, at + 5, "utf8");
      buf.writeUInt32LE(n, at + 1);
      return at + 5 + n;
    }
    default:
      buf[at] = T_NULL;
      return at + 1;
  }
}

/** Where unpack() left off (module state: one decode at a time, no object per value). */
let cursor = 0;

function unpack(buf: Buffer, at: number): unknown {
  switch (buf[at]) {
    case T_UNDEFINED:
      cursor = at + 1;
      return undefined;
    case T_NULL:
      cursor = at + 1;
      return null;
    case T_FALSE:
      cursor = at + 1;
      return false;
    case T_TRUE:
      cursor = at + 1;
      return true;
    case T_INT:
      cursor = at + 5;
      return buf.readInt32LE(at + 1);
    case T_DOUBLE:
      cursor = at + 9;
      return buf.readDoubleLE(at + 1);
    case T_STRING: {
      const n = buf.readUInt32LE(at + 1);
      cursor = at + 5 + n;
      return buf.toString("utf8", at + 5, at + 5 + n);
    }
    default:
      throw new TypeError(`manager message: unknown value tag ${buf[at]}`);
  }
}

const methodBytes = new Map<string, Buffer | null>();

/** A method name as UTF-8 bytes, or null if too long to pack (it then travels in a clone). */
function methodName(method: string): Buffer | null {
  let bytes = methodBytes.get(method);
  if (bytes === undefined) {
    const b = Buffer.from(method, "utf8");
    bytes = b.length <= 255 ? b : null;
    if (methodBytes.size < 10_000) methodBytes.set(method, bytes);
  }
  return bytes;
}

/**
 * A request's bytes. Throws what v8's serializer throws for an argument it cannot clone (the
 * caller names it). `holdsShared`: the arguments were searched and hold shareable descriptors.
 */
export function encodeRequest(request: Request): Uint8Array {
  const [reqId, objId, method, args, holdsShared] = request;
  const name = args.length <= 255 ? methodName(method) : null;
  if (name !== null) {
    let size = 12 + name.length;
    for (let i = 0; i < args.length && size <= FAST_LIMIT; i++) {
      const n = packedSize(args[i]);
      size = n < 0 ? Infinity : size + n;
    }
    if (size <= FAST_LIMIT) {
      const buf = Buffer.allocUnsafe(size);
      buf[0] = FAST_REQUEST;
      buf.writeUInt32LE(reqId, 1);
      buf.writeUInt32LE(objId, 5);
      buf[9] = holdsShared ? 1 : 0;
      buf[10] = name.length;
      name.copy(buf, 11);
      let at = 11 + name.length;
      buf[at++] = args.length;
      for (let i = 0; i < args.length; i++) at = pack(buf, at, args[i]);
      return buf.subarray(0, at);
    }
  }
  return serialize(request);
}

/** A reply's bytes; throws what v8's serializer throws for a value it cannot clone. */
export function encodeReply(reply: Reply): Uint8Array {
  if (reply[1] === OK && !reply[3]) {
    const size = packedSize(reply[2]);
    if (size >= 0 && size <= FAST_LIMIT) {
      const buf = Buffer.allocUnsafe(5 + size);
      buf[0] = FAST_REPLY;
      buf.writeUInt32LE(reply[0], 1);
      return buf.subarray(0, pack(buf, 5, reply[2]));
    }
  }
  return serialize(reply);
}

export function decodeRequest(buf: Buffer): Request {
  if (buf[0] !== FAST_REQUEST) return deserialize(buf) as Request;
  const reqId = buf.readUInt32LE(1);
  const objId = buf.readUInt32LE(5);
  const holdsShared = buf[9] === 1;
  const nameEnd = 11 + buf[10]!;
  const method = buf.toString("utf8", 11, nameEnd);
  const argc = buf[nameEnd]!;
  const args: unknown[] = new Array(argc);
  cursor = nameEnd + 1;
  for (let i = 0; i < argc; i++) args[i] = unpack(buf, cursor);
  return [reqId, objId, method, args, holdsShared];
}

export function decodeReply(buf: Buffer): Reply {
  if (buf[0] !== FAST_REPLY) return deserialize(buf) as Reply;
  return [buf.readUInt32LE(1), OK, unpack(buf, 5), false];
}
