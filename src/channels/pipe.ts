// Python's multiprocessing.Pipe: two Connections joined by one ring per direction, both rings
// in one shared block (ring.ts). A duplex pipe has two rings; a one-way pipe (duplex = false)
// has one, and its first end can only receive, its second only send, as in Python.
//
//   block:  [ ring 0 ][ ring 1 (duplex only) ][ holders of end 0 ][ holders of end 1 ]
//   duplex:  conn1 receives from ring 0 and sends into ring 1; conn2 the other way round.
//
// As in Python, where each process that has a Connection has its own file descriptor, every
// thread or process that holds an end counts as a holder (pipe-holders.ts): close() closes only the
// caller's own Connection object, and the other end gets EOFError from recv() (once it has read
// what was left), or BrokenPipeError from send(), when every holder of this end has closed it,
// dropped it (garbage-collected) or died. So Python's `child_conn.close()` in the parent right
// after `p.start()` works: the worker's copy stays open.

import type { ContextName } from "../backends/backend.js";
import { contextNameOf } from "../start-method.js";
import { ClosedError } from "./errors.js";
import { decodeItem, decodeItemAsync, encodeItem } from "./item-codec.js";
import { SharedBlock, type SharedBlockState } from "../memory/block.js";
import { HolderTable, type Lend } from "./pipe-holders.js";
import { Ring, ringBytes, ringCapacity } from "./ring.js";
import { kShareable, noteShareableCreated, registerShareable, type Sending, type Shareable } from "../memory/shareable.js";
import { InOrder, SLICE, WOKE, driveAsync, runAsync, runSync, type Op, type Resume } from "../memory/wait.js";
import { bytesToSend, checkMaxlength, intoTarget, placeInto, type BytesLike } from "../connection/bytes.js";
import { MessageTooLongError } from "../connection/errors.js";
import { TimeoutError } from "../errors.js";

/** Options of mp.Pipe(): the context and the capacity of each direction's buffer. */
export interface PipeOptions {
  /** Which context the pipe is for; the default context (getStartMethod()) if not given. */
  context?: ContextName | { readonly name: ContextName };
  /** Bytes of each direction's ring (rounded up to a power of two); 256 KiB by default. */
  capacity?: number;
}

/** The rings of an end, as indexes into the block (-1: none), and which end it is. */
interface ConnectionState {
  block: SharedBlockState;
  capacity: number;
  rx: number;
  tx: number;
  end: 0 | 1;
  /** Only in a descriptor on its way to a worker: the hold lent for it (pipe-holders.ts). */
  lend?: Lend;
}

/** One end's hold on the pipe, apart from its Connection so that garbage collection can let go of it. */
class EndHold {
  readonly mine: HolderTable;
  readonly other: HolderTable;
  readonly rx: Ring | null;
  readonly tx: Ring | null;

  constructor(block: SharedBlock, state: ConnectionState) {
    const ring = (i: number) => (i < 0 ? null : new Ring(block, i * ringBytes(state.capacity), state.capacity));
    this.rx = ring(state.rx);
    this.tx = ring(state.tx);
    const rings = state.rx >= 0 && state.tx >= 0 ? 2 : 1;
    const table = (end: number) => new HolderTable(block, (rings * ringBytes(state.capacity)) / 4 + end * HolderTable.CELLS);
    this.mine = table(state.end);
    this.other = table(1 - state.end);
  }

  /** This Connection object's hold ends; the last one of every holder closes the end. */
  release(): void {
    this.mine.release();
    if (!this.mine.anyLive()) {
      this.tx?.closeWriter();
      this.rx?.closeReader();
    }
  }

  /** Whether the other end is gone (every holder closed it or died); marks its rings so if it is. `quick`: see anyLive(). */
  otherGone(quick = false): boolean {
    if (this.rx?.writerClosed !== false && this.tx?.readerClosed !== false) return true;
    if (this.other.anyLive(quick)) return false;
    this.rx?.closeWriter();
    this.tx?.closeReader();
    return true;
  }
}

const releaseWhenCollected = new FinalizationRegistry<EndHold>((hold) => {
  try {
    hold.release();
  } catch {}
});

/** Runs a ring operation, looking every slice whether the other end is still held by anyone. */
function* watchingOtherEnd<T>(op: Op<T>, hold: EndHold): Op<T> {
  let r = op.next(WOKE);
  while (!r.done) {
    const why: Resume = yield r.value;
    if (why === SLICE) hold.otherGone();
    r = op.next(why);
  }
  return r.value;
}

function timedOut(what: string, timeout: number | null | undefined): Error {
  return new TimeoutError(`Connection.${what}() timed out after ${timeout} s`);
}

/** Pipe()'s access to Connection's private constructor (set by the class's static block). */
let connectionOver: <T>(block: SharedBlock, state: ConnectionState) => Connection<T>;

/** One end of a Pipe. Get one from Pipe(); it can be passed to Processes and Pool tasks. */
export class Connection<T = unknown> implements Shareable {
  readonly #state: ConnectionState;
  readonly #hold: EndHold;
  readonly #rx: Ring | null;
  readonly #tx: Ring | null;
  #closed = false;
  readonly #sends = new InOrder();

  // Private: an end is made by Pipe(), over the block it creates, or, in a worker, by the reviver
  // over the block it maps; both below. There is no other way to make one, so nothing to branch on.
  private constructor(block: SharedBlock, state: ConnectionState) {
    const { lend, ...own } = state;
    this.#state = own;
    this.#hold = new EndHold(block, own);
    this.#rx = this.#hold.rx;
    this.#tx = this.#hold.tx;
    // Revived in a worker: the hold its sender lent becomes ours. Made by Pipe(): a hold of our own.
    this.#hold.mine.claim(lend);
    releaseWhenCollected.register(this, this.#hold, this.#hold);
    noteShareableCreated();
  }

  static {
    connectionOver = (block, state) => new Connection(block, state);
    registerShareable("Connection", (state) => {
      const s = state as ConnectionState;
      return new Connection(SharedBlock.revive(s.block), s);
    });
  }

  /**
   * How this travels to a worker (shareable.ts): with a hold lent for the receiver, which
   * `sending` can give back if no worker claims it (a Process does when its child exits).
   */
  [kShareable](sending?: Sending): { type: string; state: ConnectionState } {
    if (this.#closed) throw new ClosedError("Connection: a closed end cannot be sent to a worker");
    const table = this.#hold.mine;
    const lend = table.lend();
    sending?.unclaimed(() => table.cancel(lend));
    return { type: "Connection", state: { ...this.#state, lend } };
  }

  get closed(): boolean {
    return this.#closed;
  }
  /** Whether this end can receive (false for the sending end of a one-way pipe). */
  get readable(): boolean {
    return this.#rx !== null;
  }
  /** Whether this end can send (false for the receiving end of a one-way pipe). */
  get writable(): boolean {
    return this.#tx !== null;
  }

  /**
   * Sends a structured clone of `obj`. Resolves once it is in the pipe, which is at once unless
   * the pipe is full (then it waits for the other end to receive). Sends from one end keep
   * their order even if not awaited. Rejects with BrokenPipeError if the other end is closed.
   */
  async send(obj: T): Promise<void> {
    const tx = this.#sender("send");
    const payload = encodeItem(obj, "Connection.send");
    await this.#sends.run(() => runAsync(tx.block, this.#watched(tx.put(payload, 0, false)), null, () => timedOut("send", null)));
  }

  /** Blocking send(): safe in a worker whose event loop need not run meanwhile (see Queue.putSync). */
  sendSync(obj: T): void {
    const tx = this.#sender("send");
    runSync(tx.block, this.#watched(tx.put(encodeItem(obj, "Connection.send"), 0, false)), null, () => timedOut("send", null));
  }

  /**
   * The next object sent from the other end. Rejects with EOFError when the other end is
   * closed and nothing is left. `timeout` (seconds) and `signal` are extras over Python.
   */
  async recv(options: { timeout?: number | null; signal?: AbortSignal } = {}): Promise<T> {
    const rx = this.#receiver("recv");
    const bytes = await runAsync(rx.block, this.#watched(rx.get()), options.timeout, () => timedOut("recv", options.timeout), options.signal);
    return decodeItemAsync<T>(bytes);
  }

  /** Blocking recv(): safe in a worker whose event loop need not run meanwhile (see Queue.putSync). */
  recvSync(options: { timeout?: number | null } = {}): T {
    const rx = this.#receiver("recv");
    return decodeItem<T>(runSync(rx.block, this.#watched(rx.get()), options.timeout, () => timedOut("recv", options.timeout)), "Connection.recvSync");
  }

  /**
   * Sends `buf` (from `offset`, `size` bytes; offsets in bytes) as one message, for recvBytes at
   * the other end (Python's send_bytes). The bytes are copied at once: `buf` may be reused.
   */
  async sendBytes(buf: BytesLike, offset = 0, size?: number): Promise<void> {
    const tx = this.#sender("sendBytes");
    const payload = bytesToSend(buf, offset, size).slice();
    await this.#sends.run(() => runAsync(tx.block, this.#watched(tx.put(payload, 0, false)), null, () => timedOut("sendBytes", null)));
  }

  /**
   * The next message as bytes (Python's recv_bytes). One longer than `maxlength` closes this end
   * and rejects with MessageTooLongError (Python: OSError "bad message length").
   */
  async recvBytes(maxlength?: number | null, options: { timeout?: number | null; signal?: AbortSignal } = {}): Promise<Buffer> {
    const limit = checkMaxlength(maxlength);
    const rx = this.#receiver("recvBytes");
    const bytes = await runAsync(rx.block, this.#watched(rx.get()), options.timeout, () => timedOut("recvBytes", options.timeout), options.signal);
    if (bytes.length > limit) {
      this.close();
      throw new MessageTooLongError(`Connection.recvBytes(): bad message length: ${bytes.length} bytes is over maxlength ${limit}; this end is closed`, bytes.length, limit);
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /**
   * Reads the next message into `buf` at `offset` (bytes) and resolves with its length (Python's
   * recv_bytes_into); BufferTooShort, carrying the message in `data`, when it does not fit.
   */
  async recvBytesInto(buf: BytesLike, offset = 0): Promise<number> {
    const target = intoTarget(buf, offset);
    const rx = this.#receiver("recvBytesInto");
    return placeInto(target, offset, await runAsync(rx.block, this.#watched(rx.get()), null, () => timedOut("recvBytesInto", null)));
  }

  /**
   * Whether there is something to receive (or the other end closed, so that recv() would
   * throw EOFError at once), waiting up to `timeout` seconds: 0 (the default) does not wait,
   * null waits for ever, as in Python.
   */
  async poll(timeout: number | null = 0): Promise<boolean> {
    const rx = this.#receiver("poll");
    try {
      return await runAsync(rx.block, this.#watched(rx.poll()), timeout, () => new PollTimeout());
    } catch (error) {
      if (error instanceof PollTimeout) return false;
      throw error;
    }
  }

  /**
   * @internal For connection.wait(): resolves once poll() would say true, sleeping on the ring's
   * cell meanwhile (a send wakes it; no polling); rejects with the signal's reason when `signal`
   * fires first. Receives nothing.
   */
  async whenReady(signal: AbortSignal): Promise<void> {
    const rx = this.#receiver("poll");
    await driveAsync(rx.block, this.#watched(rx.poll()), Infinity, signal);
    signal.throwIfAborted();
  }

  /** Blocking poll(). */
  pollSync(timeout: number | null = 0): boolean {
    const rx = this.#receiver("poll");
    try {
      return runSync(rx.block, this.#watched(rx.poll()), timeout, () => new PollTimeout());
    } catch (error) {
      if (error instanceof PollTimeout) return false;
      throw error;
    }
  }

  /**
   * Closes this Connection object. Once every holder of this end (this thread, the workers it
   * was passed to) has closed it or exited, the other end's recv() gets EOFError after reading
   * what was sent, and its send() BrokenPipeError, as in Python.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    releaseWhenCollected.unregister(this.#hold);
    this.#hold.release();
  }

  #watched<R>(op: Op<R>): Op<R> {
    return watchingOtherEnd(op, this.#hold);
  }

  #sender(what: string): Ring {
    if (this.#closed) throw new ClosedError(`Connection.${what}(): this end of the pipe is closed`);
    if (!this.#tx) throw new TypeError(`Connection.${what}(): this end of a one-way Pipe(false) can only receive`);
    // Every reader gone (closed or dead): Python's write fails with EPIPE at once, not only when the pipe is full.
    this.#hold.otherGone(true);
    return this.#tx;
  }

  #receiver(what: string): Ring {
    if (this.#closed) throw new ClosedError(`Connection.${what}(): this end of the pipe is closed`);
    if (!this.#rx) throw new TypeError(`Connection.${what}(): this end of a one-way Pipe(false) can only send`);
    return this.#rx;
  }
}

class PollTimeout extends Error {}

/**
 * Python's Pipe(duplex): a pair of connected ends. Duplex (the default): both ends send and
 * receive. One-way: the first end only receives, the second only sends.
 */
export function Pipe<T = unknown>(duplex = true, options?: PipeOptions): [Connection<T>, Connection<T>] {
  const capacity = ringCapacity(options?.capacity);
  const context = contextNameOf(options?.context, "Pipe");
  const block = SharedBlock.create(context, (duplex ? 2 : 1) * ringBytes(capacity) + 2 * HolderTable.CELLS * 4);
  const s = block.state;
  if (!duplex) {
    return [connectionOver<T>(block, { block: s, capacity, rx: 0, tx: -1, end: 0 }), connectionOver<T>(block, { block: s, capacity, rx: -1, tx: 0, end: 1 })];
  }
  return [connectionOver<T>(block, { block: s, capacity, rx: 0, tx: 1, end: 0 }), connectionOver<T>(block, { block: s, capacity, rx: 1, tx: 0, end: 1 })];
}
