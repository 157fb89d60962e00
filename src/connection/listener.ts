// Python's multiprocessing.connection.Listener: a bound socket that accepts connections, each
// authenticated with the authkey handshake when there is a key.
//
// Unlike Python, which runs the handshake inside accept() (so one peer that connects and says
// nothing blocks every accept() behind it), each incoming connection is authenticated as soon as
// it arrives, concurrently, within `handshakeTimeout`; accept() takes them in the order they
// finished. A peer that fails (wrong key, garbage, silence) makes one accept() reject with the
// named error, as Python's accept() raises, and the listener goes on serving the others.
//
// `Listener(...)` is async (a Promise of the listener): Node binds sockets asynchronously, and
// the bound address (the port, when port 0 asked for any) is known only once it is bound.

import { createServer, type Server, type Socket } from "node:net";
import { inspect } from "node:util";
import { ClosedError } from "../channels/errors.js";
import { resolveAddress, type Address, type Family } from "./address.js";
import { authenticate, handshakeTimeoutOf, toAuthkey } from "./handshake.js";
import { Readiness, waitSignal, type WaitOptions } from "./readiness.js";
import { refuseClone } from "./stays-local.js";
import { SocketConnection, type ConnectionLimits } from "./socket-connection.js";
import { rewrapAccepted, socketReading } from "./socket-reading.js";

export interface ListenerOptions extends ConnectionLimits {
  /** "AF_INET" (TCP) or "AF_UNIX"; by default the address's family, or AF_UNIX with no address, as in Python. */
  family?: Family;
  /** The kernel's queue of connections not yet taken by Node (listen(2)'s backlog); Node's default 511. */
  backlog?: number;
  /** When given, every peer must pass Python's authkey handshake with the same key. */
  authkey?: Uint8Array | string | null;
  /** Seconds a peer has to complete the handshake (default 20; Python waits for ever). */
  handshakeTimeout?: number;
  /** Connections accepted and authenticated but not yet taken by accept(), beyond which new ones are refused (default 128). */
  maxPending?: number;
}

/** accept()'s options: `timeout` (seconds) and `signal`, extras over Python. */
export type AcceptOptions = WaitOptions;

type Outcome = { connection: SocketConnection } | { error: unknown };

export class SocketListener {
  /** @internal Makes structured clone refuse this object, with a reason (stays-local.ts). */
  readonly cannotBeSent = refuseClone("Listener");
  readonly #server: Server;
  readonly #family: Family;
  readonly #address: Address;
  readonly #authkey: Buffer | null;
  readonly #handshakeTimeout: number;
  readonly #limits: ConnectionLimits;
  readonly #maxPending: number;
  readonly #outcomes: Outcome[] = [];
  readonly #inHandshake = new Set<SocketConnection>();
  readonly #readiness = new Readiness(() => this.isReady());
  #lastAccepted: Address | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;

  /** @internal Use Listener(). */
  constructor(server: Server, family: Family, address: Address, authkey: Buffer | null, options: ListenerOptions) {
    this.#server = server;
    this.#family = family;
    this.#address = address;
    this.#authkey = authkey;
    this.#handshakeTimeout = handshakeTimeoutOf(options.handshakeTimeout, "Listener");
    this.#limits = { maxMessageSize: options.maxMessageSize };
    this.#maxPending = options.maxPending ?? 128;
    server.on("connection", (socket) => this.#onConnection(socket));
  }

  /** The bound address: [host, port] (the real port when 0 was asked) or the socket path. */
  get address(): Address {
    return this.#address;
  }
  get family(): Family {
    return this.#family;
  }
  /** The address of the last accepted peer: [host, port] for TCP, "" for Unix (as Python's getpeername()). */
  get lastAccepted(): Address | null {
    return this.#lastAccepted;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The next connection, authenticated if there is an authkey. Rejects with the peer's error
   * (AuthenticationError, HandshakeTimeoutError, MessageTooLongError, ...) when the next peer
   * failed the handshake: catch it and accept again, as in Python. `timeout` and `signal` are
   * extras over Python.
   */
  async accept(options: AcceptOptions = {}): Promise<SocketConnection> {
    const wait = waitSignal(options, "Listener.accept");
    try {
      for (;;) {
        if (this.#closed) throw new ClosedError("Listener.accept(): the listener is closed");
        const outcome = this.#outcomes.shift();
        if (outcome) {
          if ("error" in outcome) throw outcome.error;
          this.#lastAccepted = outcome.connection.peerAddress;
          return outcome.connection;
        }
        await this.whenReady(wait.signal);
      }
    } finally {
      wait.dispose();
    }
  }

  /** @internal For wait(): whether accept() would not wait. */
  isReady(): boolean {
    return this.#outcomes.length > 0 || this.#closed;
  }

  /** @internal For wait(): resolves when accept() would not wait; rejects when `signal` fires first. */
  whenReady(signal?: AbortSignal): Promise<void> {
    return this.#readiness.when(signal);
  }

  /**
   * Stops listening (a Unix socket's file is removed) and drops connections not yet accepted.
   * Connections already accepted stay open, as in Python. Waiting accept() calls reject with ClosedError.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    for (const c of this.#inHandshake) c.destroy();
    for (const o of this.#outcomes) if ("connection" in o) o.connection.destroy();
    this.#outcomes.length = 0;
    this.#wake();
    // server.close()'s callback waits for every accepted connection to end; Python's close()
    // does not, and neither do we: the listening socket itself is closed by then.
    this.#server.close();
    this.#closing = new Promise<void>((resolve) => setImmediate(resolve));
    return this.#closing;
  }

  [inspect.custom](): string {
    return `<Listener ${this.#family} address=${JSON.stringify(this.#address)}${this.#closed ? " closed" : ""}>`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #onConnection(accepted: Socket): void {
    if (this.#closed || this.#outcomes.length + this.#inHandshake.size >= this.#maxPending) {
      accepted.destroy();
      return;
    }
    const peer: Address = this.#family === "AF_INET" ? [accepted.remoteAddress ?? "", accepted.remotePort ?? 0] : "";
    // Accepted paused (pauseOnConnect), to be read with `onread` as a client's socket is; where
    // that cannot be done, through 'data' events, resumed here.
    const reading = socketReading();
    const socket = rewrapAccepted(accepted, reading.onread) ?? accepted.resume();
    const authkey = this.#authkey;
    const connection = new SocketConnection(socket, peer, this.#limits, authkey !== null);
    reading.attach(connection);
    if (!authkey) {
      this.#settle({ connection });
      return;
    }
    this.#inHandshake.add(connection);
    authenticate(connection, authkey, "listener", this.#handshakeTimeout).then(
      () => this.#settle({ connection }),
      (error: unknown) => this.#settle({ error }),
    ).finally(() => this.#inHandshake.delete(connection));
  }

  #settle(outcome: Outcome): void {
    if (this.#closed) {
      if ("connection" in outcome) outcome.connection.destroy();
      return;
    }
    this.#outcomes.push(outcome);
    this.#wake();
  }

  #wake(): void {
    this.#readiness.wake();
  }
}

/** A listening socket (what Listener() resolves with). */
export type Listener = SocketListener;

/**
 * Python's Listener(address, family, backlog, authkey): binds and listens, and resolves with the
 * listener once it is bound. `address`: [host, port] for TCP (port 0: any free port, see
 * `listener.address`), a path for a Unix socket, nothing for a fresh Unix socket path.
 */
export async function Listener(address?: Address | null, options: ListenerOptions = {}): Promise<SocketListener> {
  const where = "Listener";
  const resolved = resolveAddress(address, options.family, where);
  const authkey = toAuthkey(options.authkey, where);
  const backlog = options.backlog ?? 511;
  if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`${where}: backlog must be a whole number >= 0, not ${String(backlog)}`);
  handshakeTimeoutOf(options.handshakeTimeout, where);
  checkMessageSize(options.maxMessageSize, where);
  if (options.maxPending !== undefined && !(Number.isInteger(options.maxPending) && options.maxPending > 0)) {
    throw new RangeError(`${where}: maxPending must be a whole number > 0, not ${String(options.maxPending)}`);
  }
  const server = createServer({ noDelay: true, pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const a = resolved.address;
    if (typeof a === "string") server.listen({ path: a, backlog }, resolve);
    else server.listen({ host: a[0], port: a[1], backlog }, resolve);
  });
  server.removeAllListeners("error");
  server.on("error", () => {}); // after listening, errors are per connection
  const bound = server.address();
  const boundAddress: Address = typeof bound === "string" || bound === null ? (resolved.address as string) : [bound.address, bound.port];
  return new SocketListener(server, resolved.family, boundAddress, authkey, options);
}

/** Checks a maxMessageSize option. */
export function checkMessageSize(value: number | undefined, where: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new RangeError(`${where}: maxMessageSize must be a whole number of bytes >= 0, not ${String(value)}`);
  }
}
