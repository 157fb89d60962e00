// Python's multiprocessing.connection framing, byte for byte, so that send_bytes/recv_bytes
// interoperate with Python: each message is a 4-byte big-endian signed length, then the bytes.
// A message of 2 GiB or more has the length -1 instead, followed by an 8-byte big-endian length
// (Python 3.8+). Any other negative length is malformed.
//
// FrameReader takes the socket's chunks as they come and hands back whole messages, each in
// memory of its own (the chunk may be reused once push() returns); once a message's body is being
// filled, the socket may read the rest straight into it (directTarget, filledDirect). It checks
// the announced length against a limit *before* it keeps any of the body, so a peer cannot make
// us buffer a huge message by announcing one (before the handshake the limit is 256 bytes, the
// size Python's handshake reads).

import { MalformedMessageError, MessageTooLongError } from "./errors.js";
import { LARGE_MESSAGE, keepFreedHeapForReuse } from "./heap-reuse.js";

const SHORT_MAX = 0x7fffffff;
/** Python sends header and body in one write up to this size, in two writes above. */
export const SMALL_MESSAGE = 16384;

/** The length header of an `n`-byte message. */
export function frameHeader(n: number): Buffer {
  if (n <= SHORT_MAX) {
    const h = Buffer.allocUnsafe(4);
    h.writeInt32BE(n, 0);
    return h;
  }
  const h = Buffer.allocUnsafe(12);
  h.writeInt32BE(-1, 0);
  h.writeBigUInt64BE(BigInt(n), 4);
  return h;
}

/** Header and body in one buffer (for small messages: one write, one copy). */
export function smallFrame(body: Uint8Array): Buffer {
  const f = Buffer.allocUnsafe(4 + body.length);
  f.writeInt32BE(body.length, 0);
  f.set(body, 4);
  return f;
}

export class FrameReader {
  /** Bytes of a header not complete yet (at most 12). */
  #head = Buffer.alloc(12);
  #headLength = 0;
  /** The message being filled, once its length is known and it spans several chunks. */
  #body: Buffer | null = null;
  #bodyFilled = 0;
  /** Largest message accepted; changed after the handshake. */
  limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Where the rest of the message being filled goes, exactly (a view of its own memory), or null between messages. */
  directTarget(): Buffer | null {
    return this.#body ? this.#body.subarray(this.#bodyFilled) : null;
  }

  /** `n` bytes were written into directTarget(); calls `onMessage` if that completed the message. */
  filledDirect(n: number, onMessage: (message: Buffer) => void): void {
    this.#bodyFilled += n;
    if (this.#bodyFilled === this.#body!.length) {
      const body = this.#body!;
      this.#body = null;
      onMessage(body);
    }
  }

  /** Whether a message has begun but not ended (the stream must not end here). */
  get midMessage(): boolean {
    return this.#headLength > 0 || this.#body !== null;
  }

  /**
   * Feeds one chunk (its first `end` bytes); calls `onMessage` for each message it completes, in order. Throws
   * MessageTooLongError or MalformedMessageError on a bad header (the stream cannot be trusted
   * after that: close it). `onMessage` may lower `limit` for what follows; the chunk's remaining
   * messages are parsed with the limit in force when their header is read.
   */
  push(chunk: Buffer, onMessage: (message: Buffer) => void, end = chunk.length): void {
    let at = 0;
    while (at < end) {
      if (this.#body) {
        const n = Math.min(end - at, this.#body.length - this.#bodyFilled);
        chunk.copy(this.#body, this.#bodyFilled, at, at + n);
        this.#bodyFilled += n;
        at += n;
        if (this.#bodyFilled === this.#body.length) {
          const body = this.#body;
          this.#body = null;
          onMessage(body);
        }
        continue;
      }
      // Fast path: a whole header (and maybe the whole message) in this chunk.
      let length = this.#headLength === 0 && end - at >= 4 ? chunk.readInt32BE(at) : -1;
      if (length >= 0) {
        at += 4;
      } else {
        const need = this.#headNeeded();
        const n = Math.min(need - this.#headLength, end - at);
        chunk.copy(this.#head, this.#headLength, at, at + n);
        this.#headLength += n;
        at += n;
        if (this.#headLength < need || need === 4 && this.#headNeeded() === 12) continue;
        length = this.#parseHead();
        this.#headLength = 0;
      }
      if (length > this.limit) {
        throw new MessageTooLongError(
          `the peer announced a message of ${length} bytes, over the limit of ${this.limit} bytes` +
            ` (maxMessageSize; 256 bytes during the authkey handshake)`,
          length,
          this.limit,
        );
      }
      if (length >= LARGE_MESSAGE) keepFreedHeapForReuse();
      if (end - at >= length) {
        // A copy: the chunk may be a reused read buffer, and what the caller keeps is its own
        // (Python returns fresh bytes), not a view that holds the whole chunk alive.
        onMessage(Buffer.from(chunk.subarray(at, at + length)));
        at += length;
      } else {
        this.#body = Buffer.allocUnsafe(length);
        this.#bodyFilled = 0;
      }
    }
  }

  /** How many header bytes this header has: 4, or 12 once the first 4 say -1. */
  #headNeeded(): number {
    return this.#headLength >= 4 && this.#head.readInt32BE(0) === -1 ? 12 : 4;
  }

  #parseHead(): number {
    const short = this.#head.readInt32BE(0);
    if (short >= 0) return short;
    if (short !== -1) throw new MalformedMessageError(`malformed message: negative length header ${short}`);
    const long = this.#head.readBigUInt64BE(4);
    if (long > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new MessageTooLongError(`the peer announced a message of ${long} bytes`, Number.MAX_SAFE_INTEGER, this.limit);
    }
    return Number(long);
  }
}
