// Python's multiprocessing.connection.Client: connects to a Listener (multiproc's or Python's)
// and, with an authkey, passes the handshake before the connection is handed over.
//
// Client() is async (a Promise of the connection): Node has no blocking connect, and a blocking
// one would freeze the event loop for as long as the peer takes to answer.

import { connect, type Socket } from "node:net";
import { resolveAddress, type Address, type Family } from "./address.js";
import { authenticate, handshakeTimeoutOf, toAuthkey } from "./handshake.js";
import { checkMessageSize } from "./listener.js";
import { SocketConnection, type ConnectionLimits } from "./socket-connection.js";

/** Bytes of the buffer a client's socket reads into. */
const READ_BUFFER = 256 * 1024;

export interface ClientOptions extends ConnectionLimits {
  /** "AF_INET" or "AF_UNIX"; by default the address's family. */
  family?: Family;
  /** When given, the handshake with the listener must pass with this key. */
  authkey?: Uint8Array | string | null;
  /** Seconds the listener has to complete the handshake (default 20). */
  handshakeTimeout?: number;
}

/** Connects to `address` ([host, port] or a Unix socket path) and resolves with the connection. */
export async function Client(address: Address, options: ClientOptions = {}): Promise<SocketConnection> {
  const where = "Client";
  if (address === undefined || address === null) throw new TypeError(`${where}: an address is required`);
  const resolved = resolveAddress(address, options.family, where);
  const authkey = toAuthkey(options.authkey, where);
  const timeout = handshakeTimeoutOf(options.handshakeTimeout, where);
  checkMessageSize(options.maxMessageSize, where);
  const a = resolved.address;
  // Reads go into one reused buffer instead of a fresh 64 KiB one per read (Node's default): with
  // large messages those allocations made V8 collect garbage every few hundred round trips.
  // (Accepted sockets cannot do this: net.Server has no such option.)
  let sink: SocketConnection | null = null;
  const early: Buffer[] = [];
  const onread = {
    buffer: Buffer.allocUnsafe(READ_BUFFER),
    callback: (n: number, buffer: Uint8Array): boolean => {
      const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, n);
      if (sink) return sink.received(chunk);
      early.push(Buffer.from(chunk)); // before the connection object exists: keep a copy
      return true;
    },
  };
  const socket: Socket = await new Promise<Socket>((resolve, reject) => {
    const s = typeof a === "string" ? connect({ path: a, onread }) : connect({ host: a[0], port: a[1], onread });
    s.once("error", reject);
    s.once("connect", () => {
      s.removeListener("error", reject);
      resolve(s);
    });
  });
  const connection = new SocketConnection(socket, a, options, authkey !== null);
  sink = connection;
  for (const chunk of early) connection.received(chunk);
  if (authkey) await authenticate(connection, authkey, "client", timeout);
  return connection;
}
