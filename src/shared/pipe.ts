// Python's multiprocessing.Pipe: two Connections joined by one ring per direction, both rings
// in one shared block (ring.ts). A duplex pipe has two rings; a one-way pipe (duplex = false)
// has one, and its first end can only receive, its second only send, as in Python.
//
//   block:  [ ring 0 header | ring 0 bytes ][ ring 1 header | ring 1 bytes ]
//   duplex:  conn1 receives from ring 0 and sends into ring 1; conn2 the other way round.
//
// close() marks the end closed *in the shared block*: the other end then gets EOFError from
// recv() once it has read what was left, and BrokenPipeError from send(). Unlike Python, where
// passing a Connection to a child duplicates a file descriptor, a worker gets the very same
// end: closing it anywhere closes it everywhere. So do not close in the parent an end that
// you passed to a worker (Python's `child_conn.close()` after `p.start()`): let the worker
// close it when it is done.

import type { ContextName } from "../backends/backend.js";
import { resolveContext } from "../start-method.js";
import { ClosedError } from "./channel-errors.js";
import { decodeItem, encodeItem } from "./item-codec.js";
import { SharedBlock, type SharedBlockState } from "./memory.js";
import { Ring, ringBytes, ringCapacity } from "./ring.js";
import { kShareable, noteShareableCreated, registerShareable, type Shareable } from "./shareable.js";
import { InOrder, runAsync, runSync } from "./wait-loop.js";

export interface PipeOptions {
  /** Which context the pipe is for; the default context (getStartMethod()) if not given. */
  context?: ContextName | { readonly name: ContextName };
  /** Bytes of each direction's ring (rounded up to a power of two); 256 KiB by default. */
  capacity?: number;
}

/** The rings of an end, as indexes into the block (-1: none). */
interface ConnectionState {
  block: SharedBlockState;
  capacity: number;
  rx: number;
  tx: number;
}

function timedOut(what: string, timeout: number | null | undefined): Error {
  return new DOMException(`Connection.${what}() timed out after ${timeout} s`, "TimeoutError");
}

/** One end of a Pipe. Get one from Pipe(); it can be passed to Processes and Pool tasks. */
export class Connection<T = unknown> implements Shareable {
  readonly #state: ConnectionState;
  readonly #rx: Ring | null;
  readonly #tx: Ring | null;
  #closed = false;
  readonly #sends = new InOrder();

  /** @internal Use Pipe(). */
  constructor(block: SharedBlock, state: ConnectionState) {
    this.#state = state;
    const ring = (i: number) => (i < 0 ? null : new Ring(block, i * ringBytes(state.capacity), state.capacity));
    this.#rx = ring(state.rx);
    this.#tx = ring(state.tx);
    noteShareableCreated();
  }

  /** How this travels to a worker (shareable.ts). */
  [kShareable](): { type: string; state: ConnectionState } {
    return { type: "Connection", state: this.#state };
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
    await this.#sends.run(() => runAsync(tx.block, tx.put(payload, 0, false), null, () => timedOut("send", null)));
  }

  /** Blocking send(): safe in a worker whose event loop need not run meanwhile (see Queue.putSync). */
  sendSync(obj: T): void {
    const tx = this.#sender("send");
    runSync(tx.block, tx.put(encodeItem(obj, "Connection.send"), 0, false), null, () => timedOut("send", null));
  }

  /**
   * The next object sent from the other end. Rejects with EOFError when the other end is
   * closed and nothing is left. `timeout` (seconds) and `signal` are extras over Python.
   */
  async recv(options: { timeout?: number | null; signal?: AbortSignal } = {}): Promise<T> {
    const rx = this.#receiver("recv");
    const bytes = await runAsync(rx.block, rx.get(), options.timeout, () => timedOut("recv", options.timeout), options.signal);
    return decodeItem<T>(bytes);
  }

  /** Blocking recv(): safe in a worker whose event loop need not run meanwhile (see Queue.putSync). */
  recvSync(options: { timeout?: number | null } = {}): T {
    const rx = this.#receiver("recv");
    return decodeItem<T>(runSync(rx.block, rx.get(), options.timeout, () => timedOut("recv", options.timeout)));
  }

  /**
   * Whether there is something to receive (or the other end closed, so that recv() would
   * throw EOFError at once), waiting up to `timeout` seconds: 0 (the default) does not wait,
   * null waits for ever, as in Python.
   */
  async poll(timeout: number | null = 0): Promise<boolean> {
    const rx = this.#receiver("poll");
    try {
      return await runAsync(rx.block, rx.poll(), timeout, () => new PollTimeout());
    } catch (error) {
      if (error instanceof PollTimeout) return false;
      throw error;
    }
  }

  /** Blocking poll(). */
  pollSync(timeout: number | null = 0): boolean {
    const rx = this.#receiver("poll");
    try {
      return runSync(rx.block, rx.poll(), timeout, () => new PollTimeout());
    } catch (error) {
      if (error instanceof PollTimeout) return false;
      throw error;
    }
  }

  /**
   * Closes this end, for every holder of it (see the note at the top of this file): the other
   * end's recv() gets EOFError once it has read what was sent, its send() BrokenPipeError.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tx?.closeWriter();
    this.#rx?.closeReader();
  }

  #sender(what: string): Ring {
    if (this.#closed) throw new ClosedError(`Connection.${what}(): this end of the pipe is closed`);
    if (!this.#tx) throw new TypeError(`Connection.${what}(): this end of a one-way Pipe(false) can only receive`);
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
  const context = resolveContext(options?.context, "Pipe").name;
  const block = SharedBlock.create(context, (duplex ? 2 : 1) * ringBytes(capacity));
  const s = block.state;
  if (!duplex) {
    return [new Connection<T>(block, { block: s, capacity, rx: 0, tx: -1 }), new Connection<T>(block, { block: s, capacity, rx: -1, tx: 0 })];
  }
  return [new Connection<T>(block, { block: s, capacity, rx: 0, tx: 1 }), new Connection<T>(block, { block: s, capacity, rx: 1, tx: 0 })];
}

registerShareable("Connection", (state) => {
  const s = state as ConnectionState;
  return new Connection(SharedBlock.revive(s.block), s);
});
