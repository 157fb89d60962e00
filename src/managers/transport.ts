// How a manager server and its clients exchange messages: listen on an address, accept
// channels, connect to one. Everything above this file sees only this small interface
// (listen / connect / send / onMessage / onClose), so the socket layer under it is one file.
//
// Messages are whole structured-clone values, framed as Python's multiprocessing.connection
// frames them: a 4-byte big-endian length, then the bytes.

import { createServer, createConnection, type Server, type Socket } from "node:net";
import { rmSync } from "node:fs";
import { deserialize, serialize } from "node:v8";

/** A Unix socket path, or [host, port] for TCP (port 0: any free port), as in Python. */
export type Address = string | readonly [host: string, port: number];

export interface ChannelHandlers {
  onMessage(msg: unknown): void;
  /** Once, when the channel ends for any reason; `error` says why when it was not a close. */
  onClose(error?: Error): void;
}

/** One end of a message channel. */
export interface Channel {
  send(msg: unknown): void;
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
  /** Called for each client that connected (and authenticated); return the handlers of its channel. */
  onChannel(channel: Channel): ChannelHandlers;
}

const HEADER = 4;

/** Frames out, frames in, over one socket. */
function attach(socket: Socket, handlers: () => ChannelHandlers): Channel {
  let pending: Buffer | null = null;
  let closed = false;
  let h: ChannelHandlers | null = null;
  const close = (error?: Error) => {
    if (closed) return;
    closed = true;
    socket.destroy();
    (h ??= handlers()).onClose(error);
  };
  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= HEADER) {
      const size = buf.readInt32BE(at);
      if (size < 0) return close(new Error(`manager channel: a frame of negative length ${size}`));
      if (buf.length - at - HEADER < size) break;
      const body = buf.subarray(at + HEADER, at + HEADER + size);
      at += HEADER + size;
      let msg: unknown;
      try {
        msg = deserialize(body);
      } catch (error) {
        return close(new Error("manager channel: a frame that is not a structured-clone value", { cause: error }));
      }
      (h ??= handlers()).onMessage(msg);
      if (closed) return;
    }
    pending = at === buf.length ? null : buf.subarray(at);
  });
  socket.on("error", (error) => close(error));
  socket.on("close", () => close());
  return {
    send(msg) {
      if (closed) throw new Error("manager channel: closed");
      const body = serialize(msg);
      const header = Buffer.allocUnsafe(HEADER);
      header.writeInt32BE(body.length);
      socket.cork();
      socket.write(header);
      socket.write(body);
      socket.uncork();
    },
    close: () => close(),
    ref: () => void socket.ref(),
    unref: () => void socket.unref(),
  };
}

export async function listen(address: Address, options: ListenOptions): Promise<ChannelServer> {
  const server: Server = createServer((socket) => {
    let handlers: ChannelHandlers | null = null;
    const channel = attach(socket, () => handlers!);
    handlers = options.onChannel(channel);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (typeof address === "string") server.listen(address, resolve);
    else server.listen(address[1], address[0], resolve);
  });
  const bound = server.address();
  const actual: Address = typeof address === "string" || bound === null || typeof bound === "string" ? address : [address[0], bound.port];
  return {
    address: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (typeof address === "string") rmSync(address, { force: true });
      }),
  };
}

export async function connect(address: Address, _authkey: Uint8Array | null, handlers: ChannelHandlers): Promise<Channel> {
  const socket = typeof address === "string" ? createConnection(address) : createConnection(address[1], address[0]);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return attach(socket, () => handlers);
}
