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
import { socketReading } from "./socket-reading.js";

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
  // Reads go into a reused buffer, or straight into the message being filled (socket-reading.ts).
  const reading = socketReading();
  const onread = reading.onread;
  const socket: Socket = await new Promise<Socket>((resolve, reject) => {
    const s = typeof a === "string" ? connect({ path: a, onread }) : connect({ host: a[0], port: a[1], onread });
    s.once("error", reject);
    s.once("connect", () => {
      s.removeListener("error", reject);
      resolve(s);
    });
  });
  const connection = new SocketConnection(socket, a, options, authkey !== null);
  reading.attach(connection);
  if (authkey) await authenticate(connection, authkey, "client", timeout);
  return connection;
}
