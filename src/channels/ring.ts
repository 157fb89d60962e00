// A multi-producer, multi-consumer ring of length-prefixed messages in shared memory: what
// Queue, JoinableQueue, SimpleQueue and each direction of a Pipe are made of.
//
// The idea: a single-producer single-consumer byte ring is simple and lock-free (the producer
// owns TAIL, the consumer owns HEAD). Two mutexes turn it into MPMC: whoever holds WLOCK is
// *the* producer, whoever holds RLOCK is *the* consumer. A message that fits in the ring is
// written whole and published by one store to TAIL, so a consumer never sees half of it, and
// nobody holds a lock while waiting: a producer with no room, or a consumer with no message,
// lets go of the lock and sleeps on HEAD or TAIL. A message bigger than the ring is streamed:
// its producer keeps WLOCK and writes pieces as the consumer (who keeps RLOCK) frees room, so
// items of any size travel through a ring of fixed size (fragmentation, not growth).
//
// Both locks are mutex.ts's CellMutex, as Lock's: a holder that died (a killed process, a
// terminated worker thread) is taken over by the next one that waits for the lock. If it died
// in the middle of streaming an item, that item can never be whole: the ring is marked broken,
// and every later operation throws BrokenQueueError (Python's queues say "likely to become
// corrupted"). A consumer whose timeout passes in the middle of a streamed item keeps RLOCK
// and what it read (#parked), and the next get on this handle goes on from there: the timeout
// is honoured, and nothing is lost or read twice.
//
//   cell  (Int32, relative to `base`)
//   0  WLOCK   mutex of producers: its holder's token (0 while free), see mutex.ts
//   1  WSLEEPERS  producers asleep on WLOCK
//   2  RLOCK   mutex of consumers          3  RSLEEPERS  consumers asleep on RLOCK
//   4  HEAD    bytes consumed, mod 2^32    5  TAIL    bytes produced, mod 2^32
//   6  ROOM_WAITERS  producers asleep on HEAD (waiting for room)
//   7  DATA_WAITERS  consumers asleep on TAIL (waiting for a message)
//   8  COUNT   items put and not yet got: qsize(), and maxsize's slots
//   9  SLOT_WAITERS  producers asleep on COUNT (bounded queue full)
//  10  UNFINISHED    JoinableQueue: items put minus taskDone() calls
//  11  JOIN_WAITERS  asleep on UNFINISHED in join()
//  12  WCLOSED / 13 RCLOSED  Pipe: the sending / receiving end was closed
//  14  BROKEN  a process died in the middle of streaming a large message
//  15  STREAMING  bit 1: a producer is streaming, bit 2: a consumer is
//
//   bytes (16 * 4) .. (16 * 4 + capacity), capacity a power of two:
//   +--------+----------------+--------+--------+---------+---------------+
//   | ...free | len | payload  | len | payload ...        | free ...       |
//   +---------^----------------------------------^-------------------------+
//             HEAD % capacity                    TAIL % capacity
//   len: uint32 LE; payload: v8.serialize(item). Both may wrap around the end.

import type { SharedBlock } from "../memory/block.js";
import { CellMutex } from "../memory/mutex.js";
import { GAVE_UP, GIVE_UP, SLICE, WOKE, type Op, type Resume, type Wait } from "../memory/wait.js";
import { BrokenPipeError, BrokenQueueError, EOFError } from "./errors.js";

export const HEADER_CELLS = 16;
const HEADER_BYTES = HEADER_CELLS * 4;
const WLOCK = 0, RLOCK = 2, HEAD = 4, TAIL = 5, ROOM_WAITERS = 6, DATA_WAITERS = 7;
const COUNT = 8, SLOT_WAITERS = 9, UNFINISHED = 10, JOIN_WAITERS = 11, WCLOSED = 12, RCLOSED = 13, BROKEN = 14, STREAMING = 15;
const STREAM_W = 1, STREAM_R = 2;
/** Tries at a contended lock before sleeping: holders keep it for one memcpy, not longer. */
const SPINS = 100;

/** Default ring size: thousands of small items, and big items still stream through it. */
export const DEFAULT_CAPACITY = 256 * 1024;

/** The capacity actually used for a requested one: a power of two, at least 64 bytes. */
export function ringCapacity(requested = DEFAULT_CAPACITY): number {
  if (!Number.isInteger(requested) || requested <= 0 || requested > 2 ** 30) {
    throw new RangeError(`capacity must be a whole number of bytes between 1 and 2^30, not ${requested}`);
  }
  return Math.max(64, 2 ** Math.ceil(Math.log2(requested)));
}

/** Bytes of shared memory one ring of `capacity` takes (header included). */
export function ringBytes(capacity: number): number {
  return HEADER_BYTES + capacity;
}

export class Ring {
  readonly block: SharedBlock;
  readonly capacity: number;
  readonly #i32: Int32Array;
  readonly #base: number;
  readonly #bytes: Uint8Array;
  readonly #mask: number;
  readonly #wlock: CellMutex;
  readonly #rlock: CellMutex;
  /** A streamed message this handle's get() had started when its timeout passed: RLOCK is still ours. */
  #parked: { out: Uint8Array; got: number } | null = null;

  /** The ring whose header starts at byte `byteOffset` of `block`. */
  constructor(block: SharedBlock, byteOffset: number, capacity: number) {
    this.block = block;
    this.capacity = capacity;
    this.#i32 = block.i32;
    this.#base = byteOffset / 4;
    this.#bytes = new Uint8Array(block.buffer, byteOffset + HEADER_BYTES, capacity);
    this.#mask = capacity - 1;
    this.#wlock = new CellMutex(block, this.#base + WLOCK, "", { spins: SPINS, onTakeover: () => this.#tookOver(STREAM_W) });
    this.#rlock = new CellMutex(block, this.#base + RLOCK, "", { spins: SPINS, onTakeover: () => this.#tookOver(STREAM_R) });
  }

  #load(c: number): number {
    return Atomics.load(this.#i32, this.#base + c);
  }
  #store(c: number, v: number): void {
    Atomics.store(this.#i32, this.#base + c, v);
  }
  #add(c: number, v: number): number {
    return Atomics.add(this.#i32, this.#base + c, v);
  }
  #wait(c: number, value: number): Wait {
    return { cell: this.#base + c, value };
  }
  #wake(c: number): void {
    this.block.wake(this.#base + c);
  }
  /** Wakes sleepers on `c` only if its waiter count says there are some: wake is a syscall. */
  #wakeIf(waiters: number, c: number): void {
    if (this.#load(waiters) > 0) this.#wake(c);
  }

  /** Whether a message of `length` bytes is too big to be in the ring whole: put() streams it. */
  streams(length: number): boolean {
    return 4 + length > this.capacity;
  }

  // ---- counters --------------------------------------------------------------------------

  get count(): number {
    return Math.max(0, this.#load(COUNT));
  }
  get hasData(): boolean {
    return this.#load(TAIL) !== this.#load(HEAD);
  }
  get writerClosed(): boolean {
    return this.#load(WCLOSED) !== 0;
  }
  get readerClosed(): boolean {
    return this.#load(RCLOSED) !== 0;
  }
  /** Pipe: mark one end closed, and wake whoever sleeps on it so that they see it. */
  closeWriter(): void {
    this.#store(WCLOSED, 1);
    this.#wake(TAIL);
  }
  closeReader(): void {
    this.#store(RCLOSED, 1);
    this.#wake(HEAD);
  }

  // ---- the mutexes -----------------------------------------------------------------------

  /**
   * We took a lock over from a dead holder. It died between two messages: nothing is lost. In
   * the middle of a streamed one: the stream is cut, and the ring cannot be trusted any more.
   */
  #tookOver(side: number): void {
    if (this.#load(STREAMING) & side) this.#store(BROKEN, 1);
  }

  #checkBroken(): void {
    if (this.#load(BROKEN)) throw new BrokenQueueError();
  }

  // ---- bytes, wrapping around the end ----------------------------------------------------

  #writeAt(pos: number, src: Uint8Array): void {
    const at = pos & this.#mask;
    const first = Math.min(src.length, this.capacity - at);
    this.#bytes.set(first === src.length ? src : src.subarray(0, first), at);
    if (first < src.length) this.#bytes.set(src.subarray(first), 0);
  }

  #readAt(pos: number, dst: Uint8Array): void {
    const at = pos & this.#mask;
    const first = Math.min(dst.length, this.capacity - at);
    dst.set(this.#bytes.subarray(at, at + first));
    if (first < dst.length) dst.set(this.#bytes.subarray(0, dst.length - first), first);
  }

  #readLength(pos: number): number {
    const b = new Uint8Array(4);
    this.#readAt(pos, b);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  // ---- put -------------------------------------------------------------------------------

  /**
   * Counts one message as put before it is written: an unbounded queue's holder does this when
   * it keeps the item in its local buffer (feeder.ts), as Python counts a put when it buffers it,
   * and writes it later with put(..., counted = true).
   */
  reserve(joinable: boolean): void {
    this.#add(COUNT, 1);
    if (joinable) this.#add(UNFINISHED, 1);
  }

  /**
   * Puts one message. With maxsize > 0, first takes one of maxsize slots (waits for one).
   * `joinable`: counts it as unfinished work for join(). `counted`: reserve() counted it already.
   * Gives up only before anything of the message is visible, so giving up never leaves half a
   * message behind.
   */
  *put(payload: Uint8Array, maxsize: number, joinable: boolean, counted = false): Op<void> {
    this.#checkBroken();
    if (this.readerClosed) throw new BrokenPipeError();
    if (!counted && !(yield* this.#count(maxsize, joinable))) return GAVE_UP;
    let written = false;
    try {
      written = yield* this.#write(payload);
      return written ? undefined : GAVE_UP;
    } finally {
      if (!written && !counted) {
        this.#add(COUNT, -1);
        this.#wakeIf(SLOT_WAITERS, COUNT);
        if (joinable && this.#add(UNFINISHED, -1) === 1) this.#wakeIf(JOIN_WAITERS, UNFINISHED);
      }
    }
  }

  /** Counts one message (COUNT, UNFINISHED); with maxsize > 0 waits for one of maxsize slots first. */
  *#count(maxsize: number, joinable: boolean): Generator<Wait, boolean, Resume> {
    if (maxsize <= 0) {
      this.reserve(joinable);
      return true;
    }
    for (;;) {
      const c = this.#load(COUNT);
      if (c < maxsize) {
        if (Atomics.compareExchange(this.#i32, this.#base + COUNT, c, c + 1) === c) break;
        continue;
      }
      this.#add(SLOT_WAITERS, 1);
      const r = this.#load(COUNT) === c ? yield this.#wait(COUNT, c) : WOKE;
      this.#add(SLOT_WAITERS, -1);
      if (r === GIVE_UP) return false;
    }
    if (joinable) this.#add(UNFINISHED, 1);
    return true;
  }

  *#write(payload: Uint8Array): Generator<Wait, boolean, Resume> {
    const need = 4 + payload.length;
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, payload.length, true);
    if (need > this.capacity) return yield* this.#stream(len, payload);
    for (;;) {
      if (!(yield* this.#wlock.lockOp())) return false;
      let head: number;
      try {
        this.#checkBroken();
        if (this.readerClosed) throw new BrokenPipeError();
        const tail = this.#load(TAIL);
        head = this.#load(HEAD);
        if (this.capacity - ((tail - head) >>> 0) >= need) {
          this.#writeAt(tail, len);
          this.#writeAt(tail + 4, payload);
          this.#store(TAIL, (tail + need) | 0); // publishes the whole message at once
          this.#wakeIf(DATA_WAITERS, TAIL);
          return true;
        }
      } finally {
        this.#wlock.unlock();
      }
      // No room: sleep without the lock until a consumer moves HEAD.
      this.#add(ROOM_WAITERS, 1);
      const r = this.#load(HEAD) === head && !this.readerClosed ? yield this.#wait(HEAD, head) : WOKE;
      this.#add(ROOM_WAITERS, -1);
      if (r === GIVE_UP) return false;
    }
  }

  /** A message bigger than the ring: written in pieces, holding WLOCK, as room frees up. */
  *#stream(len: Uint8Array, payload: Uint8Array): Generator<Wait, boolean, Resume> {
    if (!(yield* this.#wlock.lockOp())) return false;
    this.#add(STREAMING, STREAM_W);
    try {
      const total = 4 + payload.length;
      for (let sent = 0; sent < total; ) {
        this.#checkBroken();
        if (this.readerClosed) throw new BrokenPipeError();
        const tail = this.#load(TAIL);
        const head = this.#load(HEAD);
        const free = this.capacity - ((tail - head) >>> 0);
        if (free === 0) {
          this.#add(ROOM_WAITERS, 1);
          // Once started the message must be finished: GIVE_UP is ignored here.
          const r = this.#load(HEAD) === head ? yield this.#wait(HEAD, head) : WOKE;
          this.#add(ROOM_WAITERS, -1);
          if (r === SLICE && this.#rlock.ownerDead() && this.#load(STREAMING) & STREAM_R) this.#store(BROKEN, 1);
          continue;
        }
        const n = Math.min(free, total - sent);
        let pos = tail;
        if (sent < 4) {
          const k = Math.min(4 - sent, n);
          this.#writeAt(pos, len.subarray(sent, sent + k));
          pos += k;
          if (n > k) this.#writeAt(pos, payload.subarray(0, n - k));
        } else {
          this.#writeAt(pos, payload.subarray(sent - 4, sent - 4 + n));
        }
        sent += n;
        this.#store(TAIL, (tail + n) | 0);
        this.#wakeIf(DATA_WAITERS, TAIL);
      }
      return true;
    } finally {
      this.#add(STREAMING, -STREAM_W);
      this.#wlock.unlock();
    }
  }

  // ---- get -------------------------------------------------------------------------------

  /** Takes one message. `nowait`: a message still being streamed counts as not there yet. */
  *get(nowait = false): Op<Uint8Array> {
    const parked = this.#parked;
    if (parked) {
      this.#parked = null;
      return yield* this.#readRest(parked);
    }
    for (;;) {
      this.#checkBroken();
      if (!(yield* this.#rlock.lockOp())) return GAVE_UP;
      let tail: number;
      let streamLength = -1;
      try {
        this.#checkBroken();
        const head = this.#load(HEAD);
        tail = this.#load(TAIL);
        const used = (tail - head) >>> 0;
        if (used >= 4) {
          const length = this.#readLength(head);
          if (used >= 4 + length) {
            const out = new Uint8Array(length);
            this.#readAt(head + 4, out);
            this.#store(HEAD, (head + 4 + length) | 0);
            this.#wakeIf(ROOM_WAITERS, HEAD);
            this.#gotOne();
            return out;
          }
          if (nowait) return GAVE_UP;
          streamLength = length; // a streamed message: keep RLOCK until it is all read
        } else if (this.writerClosed) {
          throw new EOFError();
        }
      } finally {
        if (streamLength < 0) this.#rlock.unlock();
      }
      if (streamLength >= 0) return yield* this.#readStream(streamLength);
      this.#add(DATA_WAITERS, 1);
      const r = this.#load(TAIL) === tail && !this.writerClosed ? yield this.#wait(TAIL, tail) : WOKE;
      this.#add(DATA_WAITERS, -1);
      if (r === GIVE_UP) return GAVE_UP;
    }
  }

  /** A message bigger than the ring, `length` bytes after its length prefix: read in pieces, holding RLOCK. */
  *#readStream(length: number): Op<Uint8Array> {
    this.#add(STREAMING, STREAM_R);
    this.#store(HEAD, (this.#load(HEAD) + 4) | 0);
    return yield* this.#readRest({ out: new Uint8Array(length), got: 0 });
  }

  /**
   * Reads the rest of a streamed message into `p.out`. On GIVE_UP (the caller's timeout) it
   * parks: RLOCK stays held, and the next get() of this handle goes on where this one stopped.
   */
  *#readRest(p: { out: Uint8Array; got: number }): Op<Uint8Array> {
    let keep = false;
    try {
      const { out } = p;
      let head = this.#load(HEAD);
      while (p.got < out.length) {
        this.#checkBroken();
        const tail = this.#load(TAIL);
        const avail = (tail - head) >>> 0;
        if (avail === 0) {
          this.#add(DATA_WAITERS, 1);
          const r = this.#load(TAIL) === tail ? yield this.#wait(TAIL, tail) : WOKE;
          this.#add(DATA_WAITERS, -1);
          if (r === GIVE_UP) {
            this.#parked = p;
            keep = true;
            return GAVE_UP;
          }
          // The producer that streams to us died: the rest of this message will never come.
          if (r === SLICE && this.#wlock.ownerDead()) this.#store(BROKEN, 1);
          continue;
        }
        const n = Math.min(avail, out.length - p.got);
        this.#readAt(head, out.subarray(p.got, p.got + n));
        p.got += n;
        head = (head + n) | 0;
        this.#store(HEAD, head);
        this.#wakeIf(ROOM_WAITERS, HEAD);
      }
      this.#gotOne();
      return out;
    } finally {
      if (!keep) {
        this.#add(STREAMING, -STREAM_R);
        this.#rlock.unlock();
      }
    }
  }

  #gotOne(): void {
    this.#add(COUNT, -1);
    this.#wakeIf(SLOT_WAITERS, COUNT);
  }

  /** Waits until a message (or the writer's close) is there, without taking it. */
  *poll(): Op<boolean> {
    for (;;) {
      const tail = this.#load(TAIL);
      if (tail !== this.#load(HEAD) || this.writerClosed) return true;
      this.#add(DATA_WAITERS, 1);
      const r = this.#load(TAIL) === tail && !this.writerClosed ? yield this.#wait(TAIL, tail) : WOKE;
      this.#add(DATA_WAITERS, -1);
      if (r === GIVE_UP) return false;
    }
  }

  // ---- JoinableQueue ---------------------------------------------------------------------

  get unfinished(): number {
    return this.#load(UNFINISHED);
  }

  /** One unit of work done; false if there was none to mark (taskDone() called too often). */
  taskDone(): boolean {
    for (;;) {
      const u = this.#load(UNFINISHED);
      if (u <= 0) return false;
      if (Atomics.compareExchange(this.#i32, this.#base + UNFINISHED, u, u - 1) !== u) continue;
      if (u === 1) this.#wakeIf(JOIN_WAITERS, UNFINISHED);
      return true;
    }
  }

  /** Waits until every message put has been marked done. */
  *join(): Op<void> {
    for (;;) {
      const u = this.#load(UNFINISHED);
      if (u <= 0) return;
      this.#add(JOIN_WAITERS, 1);
      const r = this.#load(UNFINISHED) === u ? yield this.#wait(UNFINISHED, u) : WOKE;
      this.#add(JOIN_WAITERS, -1);
      if (r === GIVE_UP) return GAVE_UP;
    }
  }
}
