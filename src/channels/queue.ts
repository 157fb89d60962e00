// Python's multiprocessing.Queue and SimpleQueue, over a ring in shared memory (ring.ts).
//
// A queue is one Ring in one SharedBlock: a SharedArrayBuffer on the thread context, an OS
// shared-memory segment on the process context. Passing a queue to a Process or a Pool task
// sends only the block's name (shareable.ts); the worker maps the same memory, so every holder
// of the queue puts into and gets from the very same ring. Nothing is relayed by messages.
//
// Differences from Python, and why:
//   - get/put return Promises (a blocking call would freeze the event loop); getSync/putSync
//     block for real, for workers whose event loop need not run meanwhile.
//   - Python's unbounded Queue never blocks a put: what does not fit goes into the putting
//     process's buffer, which a feeder thread writes into the pipe. Here the same holds for an
//     unbounded Queue and JoinableQueue (maxsize 0): put() and putNowait() never wait and never
//     throw Full; an item that does not fit in the ring now (256 KiB, `capacity`) waits in this
//     holder's local buffer, in put order, and feeder.ts moves it in as gets make room, without a
//     thread. put() resolves once the item is buffered. As in Python, a worker does not exit
//     before its buffer is in the ring (joinThread(); cancelJoinThread() lets it go without), so
//     the put-everything-then-start-the-workers pattern works, and a worker that put more than
//     anyone gets stays alive until someone does. SimpleQueue keeps Python's SimpleQueue
//     semantics (no feeder: a put waits for room), and a bounded queue's put waits for a slot
//     and for room (Full on timeout), as in Python.
//   - putSync (Python has none) blocks until the item is in the ring: on an unbounded queue it
//     first writes this holder's buffer, so it overtakes nothing.
//   - Items bigger than the ring stream through it in pieces; getNowait, and putNowait on a
//     bounded queue, only move items that fit in the ring at once.

import { inspect } from "node:util";
import type { ContextName } from "../backends/backend.js";
import { ClosedError, Empty, Full } from "./errors.js";
import { decodeItem, decodeItemAsync, encodeItem } from "./item-codec.js";
import type { SharedBlockState } from "../memory/block.js";
import { Ring, ringBytes, ringCapacity } from "./ring.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";
import { blockFor, received } from "../memory/shared-object.js";
import { Feeder } from "./feeder.js";
import { InOrder, driveAsync, runAsync, runSync } from "../memory/wait.js";

/** Options of the queues: the shared buffer's capacity and the context. */
export interface QueueOptions {
  /** Which context the queue is for; the default context (getStartMethod()) if not given. */
  context?: ContextName | { readonly name: ContextName };
  /** Bytes of the ring (rounded up to a power of two); 256 KiB by default. Bigger items still fit. */
  capacity?: number;
}

/** Options of the Promise forms: Python's `block` and `timeout` (seconds), and an AbortSignal. */
export interface WaitOptions {
  /** false: do not wait at all (as getNowait/putNowait, but as a Promise). Default true. */
  block?: boolean;
  /** Seconds to wait before rejecting with Empty (get) or Full (put); null or absent: no limit. */
  timeout?: number | null;
  signal?: AbortSignal;
}

/** Options of the blocking forms (getSync, putSync). */
export type SyncWaitOptions = Omit<WaitOptions, "signal">;

export type QueueType = "SimpleQueue" | "Queue" | "JoinableQueue";

export interface QueueState {
  block: SharedBlockState;
  capacity: number;
  maxsize: number;
}

/** For a queue's reviver: the options that rebuild it over the memory `state` names (shared-object.ts). */
export function receivedQueue(state: QueueState): QueueOptions {
  return received(state.block, { capacity: state.capacity });
}

/** What SimpleQueue, Queue and JoinableQueue share: everything but their constructors. */
export abstract class QueueBase<T = unknown> implements Shareable, AsyncIterable<Exclude<T, null>> {
  /** Python's maxsize: the most items the queue holds (0: no limit on the count). */
  readonly maxsize: number;
  /** @internal */
  protected readonly ring: Ring;
  readonly #type: QueueType;
  #closed = false;
  readonly #puts = new InOrder();
  /** Unbounded Queue and JoinableQueue: this holder's buffer of puts that did not fit (feeder.ts). */
  readonly #feeder: Feeder | null;

  /** The type name on the wire; each class sets its own, context subclasses inherit it. */
  static readonly queueType: QueueType;

  protected constructor(maxsize: number, options: QueueOptions | undefined) {
    const type = (new.target as unknown as { queueType: QueueType }).queueType;
    this.#type = type;
    if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > 0x7fffffff) {
      throw new RangeError(`${type}: maxsize must be a whole number >= 0 (0: no limit), not ${String(maxsize)}`);
    }
    this.maxsize = maxsize;
    const capacity = ringCapacity(options?.capacity);
    this.ring = new Ring(blockFor(options, ringBytes(capacity), type), 0, capacity);
    this.#feeder = this.maxsize === 0 && type !== "SimpleQueue" ? new Feeder(this.ring, type === "JoinableQueue") : null;
  }

  /** Which context's workers can use this queue. */
  get context(): ContextName {
    return this.ring.block.context;
  }

  /** How this travels to a worker (shareable.ts). */
  [kShareable](): { type: string; state: QueueState } {
    return { type: this.#type, state: { block: this.ring.block.state, capacity: this.ring.capacity, maxsize: this.maxsize } };
  }

  // ---- put -------------------------------------------------------------------------------

  /**
   * Puts `item` (a structured clone of it). Puts from one handle keep their order even if not
   * awaited. Unbounded Queue and JoinableQueue: never waits (what does not fit in the ring now
   * is buffered by this handle and moved in as room appears); `block` and `timeout` do not
   * apply, as in Python. Bounded queues and SimpleQueue: waits while the queue is full, up to
   * `timeout` seconds, then rejects with Full.
   */
  async put(item: T, options: WaitOptions = {}): Promise<void> {
    this.#checkOpen("put");
    const payload = encodeItem(item, `${this.#type}.put`);
    if (this.#feeder) {
      options.signal?.throwIfAborted();
      return this.#feeder.put(payload);
    }
    const timeout = options.block === false ? 0 : options.timeout;
    await this.#puts.run(() => runAsync(this.ring.block, this.#putOp(payload), timeout, () => this.#full(timeout), options.signal));
  }

  /**
   * Puts without waiting (Python's put_nowait): on an unbounded Queue or JoinableQueue it never
   * throws Full (see put); elsewhere it throws Full if there is no room now.
   */
  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  /**
   * Blocking put: blocks this thread (and its event loop) until the item is in the ring (on an
   * unbounded queue, after what this handle buffered before it). Safe in a worker thread or
   * child process that has nothing else to do meanwhile; on the parent's main thread it freezes
   * everything else (timers, I/O, other Promises) for as long as it waits. With `block: false`
   * it is putNowait.
   */
  putSync(item: T, options: SyncWaitOptions = {}): void {
    this.#checkOpen("put");
    const payload = encodeItem(item, `${this.#type}.put`);
    const timeout = options.block === false ? 0 : options.timeout;
    if (this.#feeder) {
      if (timeout === 0) this.#feeder.put(payload);
      else this.#feeder.putSync(payload, timeout, () => this.#full(timeout));
      return;
    }
    runSync(this.ring.block, this.#putOp(payload), timeout, () => this.#full(timeout));
  }

  #putOp(payload: Uint8Array) {
    return this.ring.put(payload, this.maxsize, this.#type === "JoinableQueue");
  }

  // ---- get -------------------------------------------------------------------------------

  /** Takes the next item. Waits up to `timeout` seconds (no limit by default), then rejects with Empty. */
  async get(options: WaitOptions = {}): Promise<T> {
    this.#checkOpen("get");
    this.#feeder?.flushNow();
    const timeout = options.block === false ? 0 : options.timeout;
    const bytes = await runAsync(this.ring.block, this.ring.get(timeout === 0), timeout, () => this.#empty(timeout), options.signal);
    return decodeItemAsync<T>(bytes);
  }

  /** Takes an item if one is there now; throws Empty otherwise (Python's get_nowait). */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /** Blocking get: see putSync for where blocking is safe. */
  getSync(options: SyncWaitOptions = {}): T {
    this.#checkOpen("get");
    // Items this handle buffered may be all there is: move what fits first (only a turn of this
    // event loop would move them otherwise, and this call blocks it).
    this.#feeder?.flushNow();
    const timeout = options.block === false ? 0 : options.timeout;
    return decodeItem<T>(runSync(this.ring.block, this.ring.get(timeout === 0), timeout, () => this.#empty(timeout)), `${this.#type}.getSync`);
  }

  /**
   * Items until `sentinel` arrives (compared with Object.is), or until close() on this handle:
   * Python's `for item in iter(q.get, None)`. `for await (const x of queue)` uses null.
   */
  async *iter(sentinel: unknown = null): AsyncGenerator<T, void, undefined> {
    while (!this.#closed) {
      const item = await this.get();
      if (Object.is(item, sentinel)) return;
      yield item;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Exclude<T, null>> {
    return this.iter(null) as AsyncGenerator<Exclude<T, null>, void, undefined>;
  }

  // ---- state -----------------------------------------------------------------------------

  /**
   * Items put and not yet got, by every holder: in the ring, in puts in progress, and in the
   * local buffers of unbounded queues' holders (as Python counts a put when it buffers it).
   * Approximate while others work on the queue, as in Python.
   */
  qsize(): number {
    return this.ring.count;
  }

  /**
   * Whether nothing is there to get now: nothing in the ring, and nothing buffered by this handle
   * (a get here moves that into the ring first). Items that other holders still buffer are not
   * seen, as in Python.
   */
  empty(): boolean {
    return !this.ring.hasData && !this.#feeder?.size;
  }

  /**
   * @internal For connection.wait(): resolves once empty() would say false, sleeping on the
   * ring's TAIL cell meanwhile (a put wakes it; no polling); rejects with the signal's reason
   * when `signal` fires first. Takes nothing.
   */
  async whenReady(signal: AbortSignal): Promise<void> {
    if (!this.empty()) return;
    await driveAsync(this.ring.block, this.ring.poll(), Infinity, signal);
    signal.throwIfAborted();
  }

  /** Whether a bounded queue holds maxsize items now. */
  full(): boolean {
    return this.maxsize > 0 && this.ring.count >= this.maxsize;
  }

  /** console.log() shows its state: `<Queue maxsize=10 qsize=3>` (and `closed` after close()). */
  [inspect.custom](): string {
    return `<${this.#type} maxsize=${this.maxsize} qsize=${this.qsize()}${this.#closed ? " closed" : ""}>`;
  }

  /**
   * This handle will put and get no more (Python: "no more data will be put on this queue by
   * the current process"). What it buffered is still moved into the ring, as Python's feeder
   * flushes and then closes: joinThread() waits for that, and so does a worker's exit. Other
   * holders of the queue are not affected; the memory is freed when every holder has dropped it.
   */
  close(): void {
    this.#closed = true;
  }

  /**
   * Python's join_thread(): resolves once everything this handle buffered is in the ring (at
   * once if nothing is, on a bounded queue, or after cancelJoinThread()). Rejects if the queue
   * broke meanwhile (a process died mid-item): the buffered items are then lost. Python allows
   * it only after close(); here it may be called any time.
   */
  async joinThread(): Promise<void> {
    await this.#feeder?.flushed();
  }

  /**
   * Python's cancel_join_thread(): a worker holding this handle may exit without waiting for its
   * buffer to reach the ring, and the buffer no longer keeps the event loop alive; items still
   * buffered at exit are lost. "You almost certainly will not need it" (Python's docs).
   */
  cancelJoinThread(): void {
    this.#feeder?.cancel();
  }

  /** @internal Blocks until this handle's buffer is in the ring (JoinableQueue.joinSync). */
  protected flushBufferSync(timeout: number | null | undefined, timedOut: () => Error): void {
    this.#feeder?.flushSync(timeout, timedOut);
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new ClosedError(`${this.#type}.${what}(): this queue was closed by close() on this handle`);
  }

  #full(timeout: number | null | undefined): Full {
    return new Full(timeout === 0 ? `${this.#type} is full` : `${this.#type} stayed full for ${timeout} s`);
  }

  #empty(timeout: number | null | undefined): Empty {
    return new Empty(timeout === 0 ? `${this.#type} is empty` : `nothing arrived in the ${this.#type} within ${timeout} s`);
  }
}

/** Python's multiprocessing.Queue: FIFO, optionally bounded, shared with workers by reference. */
export class Queue<T = unknown> extends QueueBase<T> {
  static override readonly queueType: QueueType = "Queue";
  constructor(maxsize = 0, options?: QueueOptions) {
    super(maxsize, options);
  }
}

/** Python's multiprocessing.SimpleQueue: an unbounded Queue. */
export class SimpleQueue<T = unknown> extends QueueBase<T> {
  static override readonly queueType: QueueType = "SimpleQueue";
  constructor(options?: QueueOptions) {
    super(0, options);
  }
}

registerShareable("Queue", (s) => new Queue((s as QueueState).maxsize, receivedQueue(s as QueueState)));
registerShareable("SimpleQueue", (s) => new SimpleQueue(receivedQueue(s as QueueState)));
