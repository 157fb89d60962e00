// One end of a multiprocessing.connection socket (what Listener.accept() and Client() return):
// Python's Connection over TCP or a Unix socket, framed as Python frames it (framing.ts).
//
// Reading is driven by the socket: its chunks go through a FrameReader into a queue of whole
// messages, and recv*/poll take from that queue; a recv* already waiting gets the next message
// straight from the reader (no queue, no wake-up and re-check: one promise per message). Sockets
// opened by Client() and Listener() read with `onread` (socket-reading.ts: a reused buffer, and
// large bodies straight into their own memory); a socket made elsewhere is read through its
// 'data' events. When the queue holds more than HIGH_WATER
// bytes the socket is paused, so a fast sender waits on TCP flow control instead of filling our
// memory. A bad header (too long, negative) or a stream that ends mid-message ends the
// connection with a named error that every later recv gets, after the messages before it.
//
// Writing: a small message is one buffer and one write (Python does the same); a large one is the
// header and the caller's own bytes, and sendBytes resolves once the socket took them, since the
// caller may reuse its buffer after that (Python's send_bytes blocks until then too).

import type { Socket } from "node:net";
import { inspect } from "node:util";
import { BrokenPipeError, ClosedError, EOFError } from "../channels/errors.js";
import { decodeItemAsync, encodeItem } from "../channels/item-codec.js";
import { bytesToSend, checkMaxlength, intoTarget, placeInto, type BytesLike } from "./bytes.js";
import { MalformedMessageError, MessageTooLongError } from "./errors.js";
import { FrameReader, SMALL_MESSAGE, frameHeader, smallFrame } from "./framing.js";
import type { Address } from "./address.js";
import { Readiness, waitSignal, type WaitOptions } from "./readiness.js";
import { refuseClone } from "./stays-local.js";
import { LARGE_MESSAGE } from "./heap-reuse.js";
import { HANDSHAKE_MESSAGES, HANDSHAKE_MESSAGE_LIMIT } from "./handshake.js";

/** Bytes of received, unread messages above which the socket stops reading. */
const HIGH_WATER = 4 * 1024 * 1024;

/** The largest message a connection accepts unless told otherwise (maxMessageSize). */
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024 * 1024;

export interface ConnectionLimits {
  /** Largest message accepted from the peer, in bytes (checked on its length header); 1 GiB by default. */
  maxMessageSize?: number;
}

type Waiter = { resolve: () => void; reject: (e: unknown) => void };
/** A recv*() waiting for the next message (what it is and its maxlength, to settle it as #take would). */
type Receiver = { what: string; maxlength: number; resolve: (message: Buffer) => void; reject: (e: unknown) => void; done: (() => void) | null };

/** What a send that the socket took at once resolves with: one promise for all of them. */
const SENT: Promise<void> = Promise.resolve();

// It is a ReadSink (socket-reading.ts) by shape; no `implements` clause, since the published .d.ts
// leaves out the sink's internal members and would then fail to type-check for users.
export class SocketConnection<T = unknown> {
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #maxMessageSize: number;
  /** Handshake messages still to come from the peer: the limit rises after the last one, at that very byte. */
  #handshakeMessagesLeft: number;
  readonly #messages: Buffer[] = [];
  #head = 0;
  #queuedBytes = 0;
  /** Why nothing more will arrive (EOFError, or the error that ended the stream), once known. */
  #end: Error | null = null;
  /** Why nothing more can be sent. */
  #writeError: Error | null = null;
  #closed = false;
  /** Whether the last message was large (the next read then offers little of the reused buffer). */
  #lastLarge = false;
  readonly #onMessage = (message: Buffer): void => {
    // The peer may send its first message in the same chunk as its last handshake message.
    if (this.#handshakeMessagesLeft > 0 && --this.#handshakeMessagesLeft === 0) this.#reader.limit = this.#maxMessageSize;
    this.#lastLarge = message.length >= LARGE_MESSAGE;
    if (this.#deliver) return this.#deliver(message);
    // A recv*() is waiting (so nothing is queued): it gets this message now, with no queue and no wake-up.
    if (this.#receivers.length > 0) return this.#handOver(message);
    this.#messages.push(message);
    this.#queuedBytes += message.length;
  };
  readonly #readiness = new Readiness(() => this.#ready());
  readonly #drainWaiters = new Set<Waiter>();
  /** recv*() calls waiting, in call order; only ever non-empty while no message is queued. */
  #receivers: Receiver[] = [];
  /** Set by deliverTo(): messages go straight to it instead of the queue. */
  #deliver: ((message: Buffer) => void) | null = null;
  #onEnd: ((why: Error) => void) | null = null;
  /** @internal Makes structured clone refuse this object, with a reason (stays-local.ts). */
  readonly cannotBeSent = refuseClone("Connection");
  /** @internal The peer's address as Python's getpeername() gives it. */
  readonly peerAddress: Address;

  /**
   * @internal Listener.accept() and Client() make these. `authkey`: whether a handshake comes
   * first; its messages (HANDSHAKE_MESSAGES of them, each way) are read with a limit of 256 bytes.
   */
  constructor(socket: Socket, peerAddress: Address, limits: ConnectionLimits, authkey: boolean) {
    this.#socket = socket;
    this.peerAddress = peerAddress;
    this.#maxMessageSize = limits.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#handshakeMessagesLeft = authkey ? HANDSHAKE_MESSAGES : 0;
    this.#reader = new FrameReader(authkey ? HANDSHAKE_MESSAGE_LIMIT : this.#maxMessageSize);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => {
      this.#finish(this.#reader.midMessage ? new MalformedMessageError("got end of file during message") : new EOFError("the other end closed the connection"));
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const broken = error.code === "EPIPE" || error.code === "ECONNRESET" ? new BrokenPipeError(`the connection was lost (${error.code})`) : error;
      this.#writeError ??= broken;
      this.#finish(error.code === "ECONNRESET" ? new EOFError(`the connection was reset by the peer (${error.code})`) : error);
    });
    socket.on("close", () => {
      this.#writeError ??= new BrokenPipeError("the connection is closed");
      this.#finish(new EOFError("the connection is closed"));
      for (const w of this.#drainWaiters) w.reject(this.#writeError);
      this.#drainWaiters.clear();
    });
    socket.on("drain", () => {
      for (const w of this.#drainWaiters) w.resolve();
      this.#drainWaiters.clear();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }
  get readable(): boolean {
    return true;
  }
  get writable(): boolean {
    return true;
  }

  // ---- send ------------------------------------------------------------------------------

  /** Sends a structured clone of `obj` (v8 serialization: multiproc to multiproc; Python's send pickles). */
  send(obj: T): Promise<void> {
    try {
      this.#checkOpen("send");
      return this.#write(encodeItem(obj, "Connection.send"), true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends `buf` (from `offset`, `size` bytes; offsets in bytes) as one message that the other end
   * receives whole with recvBytes, here or in Python (send_bytes/recv_bytes).
   */
  // Not `async`: an async function that returns a promise costs three more microtask turns and two
  // more promises per call; errors still come back as a rejected promise, never a throw.
  sendBytes(buf: BytesLike, offset = 0, size?: number): Promise<void> {
    try {
      this.#checkOpen("sendBytes");
      // A whole Buffer or Uint8Array is sent as it is (bytesToSend would make a view of it).
      const body = offset === 0 && size === undefined && buf instanceof Uint8Array ? buf : bytesToSend(buf, offset, size);
      return this.#write(body, false);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #write(body: Uint8Array, owned: boolean): Promise<void> {
    if (this.#writeError) return Promise.reject(this.#writeError);
    const socket = this.#socket;
    if (body.length <= SMALL_MESSAGE) {
      return socket.write(smallFrame(body)) ? SENT : this.#drained();
    }
    socket.cork();
    socket.write(frameHeader(body.length));
    if (owned) {
      const fits = socket.write(body);
      socket.uncork();
      return fits ? SENT : this.#drained();
    }
    // The caller's buffer: resolve once the socket has handed it on, so it may be reused.
    return new Promise<void>((resolve, reject) => {
      socket.write(body, (error) => (error ? reject(this.#writeError ?? error) : resolve()));
      socket.uncork();
    });
  }

  /**
   * @internal For a channel of many small messages encoded by its owner (a manager's): sends
   * `body` as one message, as send() would send a structured clone; rejects when the connection
   * is closed or broken.
   */
  sendEncoded(body: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError("Connection.send(): this connection is closed"));
    return this.#write(body, true);
  }

  /**
   * @internal Push mode, for a reader that handles each message at once (a manager's channel):
   * from now on every message goes to `onMessage` as it arrives (those already queued first),
   * with no promise per message, and recv*() no longer see them; `onEnd` is called once, with
   * why nothing more comes (EOFError for a plain end).
   */
  deliverTo(onMessage: (message: Buffer) => void, onEnd: (why: Error) => void): void {
    this.#deliver = onMessage;
    this.#onEnd = onEnd;
    while (this.#head < this.#messages.length) {
      const message = this.#messages[this.#head]!;
      this.#messages[this.#head++] = undefined as unknown as Buffer;
      this.#queuedBytes -= message.length;
      onMessage(message);
    }
    this.#messages.length = this.#head = 0;
    if (this.#socket.isPaused() && !this.#end) this.#socket.resume();
    if (this.#end || this.#closed) this.#ended();
  }

  #ended(): void {
    const onEnd = this.#onEnd;
    if (!onEnd) return;
    this.#onEnd = null;
    onEnd(this.#end ?? new EOFError("the connection is closed"));
  }

  /** @internal Whether the socket keeps the event loop alive (a manager's client: only while calls are pending). */
  ref(): void {
    this.#socket.ref();
  }

  /** @internal */
  unref(): void {
    this.#socket.unref();
  }

  #drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#drainWaiters.add({ resolve, reject }));
  }

  // ---- receive ---------------------------------------------------------------------------

  /**
   * The next object sent with send() from the other end; EOFError once it closed and nothing is
   * left. `timeout` (seconds) and `signal` are extras over Python, as on Pipe ends.
   */
  async recv(options: WaitOptions = {}): Promise<T> {
    const message = await this.#next("recv", Infinity, options);
    try {
      return decodeItemAsync<T>(message);
    } catch (error) {
      throw new MalformedMessageError(`Connection.recv(): the message is not a structured clone (${(error as Error).message}); ` +
        `was it sent with sendBytes, or by Python's send (pickle)? Use recvBytes for those`, { cause: error });
    }
  }

  /**
   * The next message, as bytes. A message longer than `maxlength` closes the connection and
   * rejects with MessageTooLongError (Python: OSError "bad message length").
   */
  recvBytes(maxlength?: number | null, options: WaitOptions = {}): Promise<Buffer> {
    try {
      return this.#next("recvBytes", checkMaxlength(maxlength), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads the next message into `buf` at `offset` (bytes) and resolves with its length. If it does
   * not fit, rejects with BufferTooShort, whose `data` is the whole message.
   */
  async recvBytesInto(buf: BytesLike, offset = 0): Promise<number> {
    const target = intoTarget(buf, offset);
    const message = await this.#next("recvBytesInto", Infinity, {});
    return placeInto(target, offset, message);
  }

  /**
   * Whether a message is there to read (or the connection ended, so that recv would not wait),
   * waiting up to `timeout` seconds: 0 (the default) does not wait, null waits for ever.
   */
  async poll(timeout: number | null = 0): Promise<boolean> {
    this.#checkOpen("poll");
    if (this.#ready()) return true;
    if (timeout === 0) return false;
    if (timeout !== null && !(typeof timeout === "number" && timeout >= 0)) {
      throw new RangeError(`Connection.poll: timeout must be a number of seconds >= 0 or null, not ${String(timeout)}`);
    }
    const controller = new AbortController();
    const timer = timeout === null ? undefined : setTimeout(() => controller.abort(), timeout * 1000);
    try {
      await this.whenReady(controller.signal);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** @internal For wait(): resolves when recv would not wait; rejects when `signal` fires first. */
  whenReady(signal?: AbortSignal): Promise<void> {
    return this.#readiness.when(signal);
  }

  /** @internal Whether a message (or the end) is there now. */
  isReady(): boolean {
    return this.#ready();
  }

  #ready(): boolean {
    return this.#head < this.#messages.length || this.#end !== null || this.#closed;
  }

  /**
   * The next message: at once when one is queued, else a promise that the next message to arrive
   * settles directly (#handOver), in call order; the end of the stream or close() rejects it.
   */
  #next(what: string, maxlength: number, options: WaitOptions): Promise<Buffer> {
    try {
      this.#checkOpen(what);
      if (this.#head < this.#messages.length) return Promise.resolve(this.#take(what, maxlength));
      if ((options.timeout === undefined || options.timeout === null) && !options.signal) {
        if (this.#end) throw this.#end;
        return new Promise<Buffer>((resolve, reject) => void this.#receivers.push({ what, maxlength, resolve, reject, done: null }));
      }
      return this.#nextWithin(what, maxlength, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** #next with a timeout or a signal: the receiver leaves the line when either fires first. */
  #nextWithin(what: string, maxlength: number, options: WaitOptions): Promise<Buffer> {
    const wait = waitSignal(options, `Connection.${what}`);
    if (this.#end) {
      wait.dispose();
      throw this.#end;
    }
    const signal = wait.signal!;
    return new Promise<Buffer>((resolve, reject) => {
      const receiver: Receiver = { what, maxlength, resolve, reject, done: () => {
        signal.removeEventListener("abort", onAbort);
        wait.dispose();
      } };
      const onAbort = (): void => {
        const at = this.#receivers.indexOf(receiver);
        if (at >= 0) this.#receivers.splice(at, 1);
        wait.dispose();
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#receivers.push(receiver);
    });
  }

  /** A message for the first waiting receiver (#take's checks, for a message that was never queued). */
  #handOver(message: Buffer): void {
    const receiver = this.#receivers.shift()!;
    receiver.done?.();
    if (message.length > receiver.maxlength) {
      this.close();
      receiver.reject(this.#tooLong(receiver.what, message.length, receiver.maxlength));
      return;
    }
    receiver.resolve(message);
  }

  /** Rejects every waiting receiver with `why(receiver)` (the stream ended, or the connection closed). */
  #rejectReceivers(why: (receiver: Receiver) => unknown): void {
    if (this.#receivers.length === 0) return;
    const receivers = this.#receivers;
    this.#receivers = [];
    for (const receiver of receivers) {
      receiver.done?.();
      receiver.reject(why(receiver));
    }
  }

  #tooLong(what: string, length: number, maxlength: number): MessageTooLongError {
    return new MessageTooLongError(`Connection.${what}(): bad message length: ${length} bytes is over maxlength ${maxlength}; the connection is closed`, length, maxlength);
  }


  #take(what: string, maxlength: number): Buffer {
    const message = this.#messages[this.#head]!;
    this.#messages[this.#head++] = undefined as unknown as Buffer;
    if (this.#head > 1024 && this.#head * 2 > this.#messages.length) {
      this.#messages.splice(0, this.#head);
      this.#head = 0;
    }
    this.#queuedBytes -= message.length;
    if (this.#socket.isPaused() && this.#queuedBytes < HIGH_WATER / 2 && !this.#end) this.#socket.resume();
    if (message.length > maxlength) {
      this.close();
      throw this.#tooLong(what, message.length, maxlength);
    }
    return message;
  }

  // ---- ReadSink (socket-reading.ts): the socket's reads come here ---------------------------

  /** @internal A chunk read into the reused buffer. */
  received(chunk: Buffer, n: number): boolean {
    this.#onData(chunk, n);
    return !this.#socket.isPaused();
  }

  /** @internal Where the next read goes straight (the rest of the message being filled), if anywhere. */
  directTarget(): Buffer | null {
    return this.#end || this.#closed ? null : this.#reader.directTarget();
  }

  /** @internal Whether the next read should take little of the reused buffer. */
  expectsLarge(): boolean {
    return this.#lastLarge;
  }

  /** @internal `n` bytes were read into directTarget(). */
  receivedDirect(n: number): boolean {
    if (this.#end || this.#closed) return false;
    this.#reader.filledDirect(n, this.#onMessage);
    this.#afterData();
    return !this.#socket.isPaused();
  }

  #onData(chunk: Buffer, n = chunk.length): void {
    if (this.#end || this.#closed) return; // closed here: nothing more is read, only the peer's end awaited
    try {
      this.#reader.push(chunk, this.#onMessage, n);
    } catch (error) {
      // The stream cannot be trusted past a bad header: what came before it stays readable.
      this.#finish(error as Error);
      this.#socket.destroy();
    }
    this.#afterData();
  }

  #afterData(): void {
    if (this.#queuedBytes > HIGH_WATER) this.#socket.pause();
    this.#wake();
  }

  #finish(why: Error): void {
    this.#end ??= why;
    const end = this.#end;
    this.#rejectReceivers(() => end);
    this.#wake();
    this.#ended();
  }

  #wake(): void {
    this.#readiness.wake();
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Closes the connection once what was sent has been flushed; the other end then gets EOFError. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writeError ??= new ClosedError("Connection: this connection is closed");
    this.#rejectReceivers(closedError);
    this.#ended();
    const socket = this.#socket;
    if (socket.destroyed) return this.#wake();
    socket.end(() => socket.destroy());
    // A peer that never reads must not keep us open for ever.
    setTimeout(() => socket.destroy(), 30_000).unref();
    this.#wake();
  }

  /** @internal Drops the connection at once, unsent data and all (a failed handshake). */
  destroy(): void {
    this.#closed = true;
    this.#writeError ??= new ClosedError("Connection: this connection is closed");
    this.#rejectReceivers(closedError);
    this.#socket.destroy();
    this.#wake();
    this.#ended();
  }

  [inspect.custom](): string {
    return `<SocketConnection peer=${JSON.stringify(this.peerAddress)}${this.#closed ? " closed" : ""}>`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new ClosedError(`Connection.${what}(): this connection is closed`);
  }
}

/** What a recv*() waiting when the connection is closed rejects with (as #checkOpen would throw). */
function closedError(receiver: { what: string }): ClosedError {
  return new ClosedError(`Connection.${receiver.what}(): this connection is closed`);
}
