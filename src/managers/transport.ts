// How a manager server and its clients exchange messages: over multiprocessing.connection
// (src/connection/), Python's framing and authkey handshake, TCP or Unix sockets. This file
// adapts it to what the server and the clients need: bytes in, one callback per message as it
// arrives (no promise per message), bytes out (codec.ts packs them); and, for a client, a socket
// that holds the event loop only while calls are pending.

import { Client } from "../connection/client.js";
import { Listener } from "../connection/listener.js";
import type { SocketConnection } from "../connection/socket-connection.js";
import { EOFError } from "../channels/errors.js";

/** A Unix socket path, or [host, port] for TCP (port 0: any free port), as in Python. */
export type Address = string | readonly [host: string, port: number];

export interface ChannelHandlers {
  onMessage(msg: Buffer): void;
  /** Once, when the channel ends for any reason; `error` says why when it was not a plain close. */
  onClose(error?: Error): void;
}

/** One end of a message channel. */
export interface Channel {
  /** Sends one encoded message; rejects when the channel is gone. */
  send(body: Uint8Array): Promise<void>;
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

/** Messages in, one callback each as they arrive, until the connection ends. */
function attach(connection: SocketConnection, makeHandlers: (channel: Channel) => ChannelHandlers): Channel {
  let closed = false;
  const channel: Channel = {
    send: (body) => connection.sendEncoded(body),
    close() {
      closed = true;
      connection.close();
    },
    ref: () => connection.ref(),
    unref: () => connection.unref(),
  };
  // Made before any message is delivered: some may be queued already (sent right after the handshake).
  const handlers = makeHandlers(channel);
  let ended = false;
  const end = (why?: Error) => {
    if (ended) return;
    ended = true;
    connection.close();
    handlers.onClose(why);
  };
  connection.deliverTo(
    (msg) => {
      if (ended) return;
      try {
        handlers.onMessage(msg);
      } catch (error) {
        end(error as Error); // a message that cannot be read: the stream cannot be trusted past it
      }
    },
    (why) => end(why instanceof EOFError || closed ? undefined : why),
  );
  return channel;
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
      attach(connection, options.onChannel);
    }
  })();
  return { address: listener.address, close: () => listener.close() };
}

/** Connect and authenticate; rejects with AuthenticationError for a wrong key. */
export async function connect(address: Address, authkey: Uint8Array | null, handlers: ChannelHandlers): Promise<Channel> {
  const connection = await Client(typeof address === "string" ? address : [address[0], address[1]], { authkey });
  return attach(connection, () => handlers);
}
