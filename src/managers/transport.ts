// How a manager server and its clients exchange messages: over multiprocessing.connection
// (src/connection/), Python's framing and authkey handshake, TCP or Unix sockets. This file
// adapts it to what the server and the clients need: a callback per message (a read loop over
// recv()), and, for a client, a socket that holds the event loop only while calls are pending.

import { connect as connectSocket, type Socket } from "node:net";
import { Listener } from "../connection/listener.js";
import { SocketConnection } from "../connection/socket-connection.js";
import { authenticate, DEFAULT_HANDSHAKE_TIMEOUT, toAuthkey } from "../connection/handshake.js";
import { EOFError } from "../channels/errors.js";

/** A Unix socket path, or [host, port] for TCP (port 0: any free port), as in Python. */
export type Address = string | readonly [host: string, port: number];

export interface ChannelHandlers {
  onMessage(msg: unknown): void;
  /** Once, when the channel ends for any reason; `error` says why when it was not a plain close. */
  onClose(error?: Error): void;
}

/** One end of a message channel. */
export interface Channel {
  /** Rejects when `msg` cannot be cloned or the channel is gone. */
  send(msg: unknown): Promise<void>;
  close(): void;
  /** Whether the channel keeps the event loop alive (a client's does only while calls are pending). */
  ref(): void;
  unref(): void;
}

export interface ChannelServer {
  /** The address clients connect to (with the real port when 0 was asked for). */
  readonly address: Address;
  close(): Promise<void>;
}

export interface ListenOptions {
  authkey: Uint8Array | null;
  /** Called for each client that connected and passed the handshake; returns the handlers of its channel. */
  onChannel(channel: Channel): ChannelHandlers;
}

/** Messages in, one callback each, until the connection ends. */
function attach(connection: SocketConnection, socket: Socket | null, handlers: () => ChannelHandlers): Channel {
  let closed = false;
  void (async () => {
    let why: Error | undefined;
    try {
      for (;;) {
        const msg = await connection.recv();
        handlers().onMessage(msg);
      }
    } catch (error) {
      if (!(error instanceof EOFError) && !closed) why = error as Error;
    }
    closed = true;
    connection.close();
    handlers().onClose(why);
  })();
  return {
    send: (msg) => connection.send(msg),
    close() {
      closed = true;
      connection.close();
    },
    ref: () => void socket?.ref(),
    unref: () => void socket?.unref(),
  };
}

export async function listen(address: Address, options: ListenOptions): Promise<ChannelServer> {
  const listener = await Listener(address, { authkey: options.authkey });
  void (async () => {
    while (!listener.closed) {
      let connection: SocketConnection;
      try {
        connection = await listener.accept();
      } catch {
        continue; // a peer that failed the handshake (wrong key, silence, garbage): serve the others
      }
      let handlers: ChannelHandlers | null = null;
      const channel = attach(connection, null, () => handlers!);
      handlers = options.onChannel(channel);
    }
  })();
  return { address: listener.address, close: () => listener.close() };
}

/** Connect and authenticate; rejects with AuthenticationError for a wrong key. */
export async function connect(address: Address, authkey: Uint8Array | null, handlers: ChannelHandlers): Promise<Channel> {
  const key = toAuthkey(authkey, "manager");
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = typeof address === "string" ? connectSocket({ path: address }) : connectSocket({ host: address[0], port: address[1] });
    s.once("error", reject);
    s.once("connect", () => {
      s.removeListener("error", reject);
      resolve(s);
    });
  });
  const connection = new SocketConnection(socket, address, {}, key !== null);
  if (key) await authenticate(connection, key, "client", DEFAULT_HANDSHAKE_TIMEOUT);
  return attach(connection, socket, () => handlers);
}

