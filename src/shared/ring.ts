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
//   cell  (Int32, relative to `base`)
//   0  WLOCK   futex mutex of producers: 0 free, 1 held, 2 held and someone sleeps on it
//   1  WOWNER  pid of its holder (0 while free), so a dead holder can be found and replaced
//   2  RLOCK   mutex of consumers          3  ROWNER  pid of its holder
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

import { native } from "./native.js";
import type { SharedBlock } from "./memory.js";
import { GAVE_UP, GIVE_UP, SLICE, WOKE, type Op, type Resume, type Wait } from "./wait-loop.js";
import { BrokenPipeError, BrokenQueueError, EOFError } from "./channel-errors.js";

export const HEADER_CELLS = 16;
const HEADER_BYTES = HEADER_CELLS * 4;
const WLOCK = 0, WOWNER = 1, RLOCK = 2, ROWNER = 3, HEAD = 4, TAIL = 5, ROOM_WAITERS = 6, DATA_WAITERS = 7;
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
  readonly #checkOwners: boolean;

  /** The ring whose header starts at byte `byteOffset` of `block`. */
  constructor(block: SharedBlock, byteOffset: number, capacity: number) {
    this.block = block;
    this.capacity = capacity;
    this.#i32 = block.i32;
    this.#base = byteOffset / 4;
    this.#bytes = new Uint8Array(block.buffer, byteOffset + HEADER_BYTES, capacity);
    this.#mask = capacity - 1;
    // Threads share our pid: only the process context can tell a dead lock owner by pid.
    this.#checkOwners = block.context === "process";
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

  /** Drepper's futex mutex ("Futexes are tricky", mutex 2), plus the owner's pid beside it. */
  *#lock(lock: number, owner: number): Generator<Wait, boolean, Resume> {
    for (let spin = 0; spin < SPINS; spin++) {
      if (Atomics.compareExchange(this.#i32, this.#base + lock, 0, 1) === 0) {
        this.#store(owner, process.pid);
        return true;
      }
    }
    while (Atomics.exchange(this.#i32, this.#base + lock, 2) !== 0) {
      const r = yield this.#wait(lock, 2);
      if (r === GIVE_UP) return false;
      if (r === SLICE && this.#takeFromDeadOwner(owner)) return true;
    }
    this.#store(owner, process.pid);
    return true;
  }

  #unlock(lock: number, owner: number): void {
    // Clear the owner first: a pid left behind could be taken for a dead holder of the next one.
    this.#store(owner, 0);
    if (Atomics.exchange(this.#i32, this.#base + lock, 0) === 2) this.#wake(lock);
  }

  /** The lock's holder died holding it: take it over (it stays held, now by us). */
  #takeFromDeadOwner(owner: number): boolean {
    const pid = this.#load(owner);
    if (!this.#ownerDead(owner)) return false;
    if (Atomics.compareExchange(this.#i32, this.#base + owner, pid, process.pid) !== pid) return false;
    // It died between two messages: nothing is lost. In the middle of a streamed one: the
    // stream is cut, and the ring cannot be trusted any more (Python's queues say the same).
    const side = owner === WOWNER ? STREAM_W : STREAM_R;
    if (this.#load(STREAMING) & side) this.#store(BROKEN, 1);
    return true;
  }

  #ownerDead(owner: number): boolean {
    const pid = this.#load(owner);
    return this.#checkOwners && pid !== 0 && pid !== process.pid && !native().processAlive(pid);
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
      if (!(yield* this.#lock(WLOCK, WOWNER))) return false;
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
        this.#unlock(WLOCK, WOWNER);
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
    if (!(yield* this.#lock(WLOCK, WOWNER))) return false;
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
          if (r === SLICE && this.#ownerDead(ROWNER) && this.#load(STREAMING) & STREAM_R) this.#store(BROKEN, 1);
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
      this.#unlock(WLOCK, WOWNER);
    }
  }

  // ---- get -------------------------------------------------------------------------------

  /** Takes one message. `nowait`: a message still being streamed counts as not there yet. */
  *get(nowait = false): Op<Uint8Array> {
    for (;;) {
      this.#checkBroken();
      if (!(yield* this.#lock(RLOCK, ROWNER))) return GAVE_UP;
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
        if (streamLength < 0) this.#unlock(RLOCK, ROWNER);
      }
      if (streamLength >= 0) return yield* this.#readStream(streamLength);
      this.#add(DATA_WAITERS, 1);
      const r = this.#load(TAIL) === tail && !this.writerClosed ? yield this.#wait(TAIL, tail) : WOKE;
      this.#add(DATA_WAITERS, -1);
      if (r === GIVE_UP) return GAVE_UP;
    }
  }

  *#readStream(length: number): Generator<Wait, Uint8Array, Resume> {
    this.#add(STREAMING, STREAM_R);
    try {
      const out = new Uint8Array(length);
      let head = (this.#load(HEAD) + 4) | 0;
      this.#store(HEAD, head);
      for (let got = 0; got < length; ) {
        this.#checkBroken();
        const tail = this.#load(TAIL);
        const avail = (tail - head) >>> 0;
        if (avail === 0) {
          this.#add(DATA_WAITERS, 1);
          const r = this.#load(TAIL) === tail ? yield this.#wait(TAIL, tail) : WOKE;
          this.#add(DATA_WAITERS, -1);
          // The producer that streams to us died: the rest of this message will never come.
          if (r === SLICE && this.#ownerDead(WOWNER)) this.#store(BROKEN, 1);
          continue;
        }
        const n = Math.min(avail, length - got);
        this.#readAt(head, out.subarray(got, got + n));
        got += n;
        head = (head + n) | 0;
        this.#store(HEAD, head);
        this.#wakeIf(ROOM_WAITERS, HEAD);
      }
      this.#gotOne();
      return out;
    } finally {
      this.#add(STREAMING, -STREAM_R);
      this.#unlock(RLOCK, ROWNER);
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
