// multiprocessing.connection for multiproc: `mp.connection.Listener`, `mp.connection.Client`,
// `mp.connection.wait`, and their errors (also importable as "multiproc/connection").

export { Listener, SocketListener, type ListenerOptions, type AcceptOptions } from "./listener.js";
export { Client, type ClientOptions } from "./client.js";
export { SocketConnection, DEFAULT_MAX_MESSAGE_SIZE, type ConnectionLimits } from "./socket-connection.js";
export { wait, type Waitable } from "./wait.js";
export type { WaitOptions as RecvOptions } from "./readiness.js";
export { AuthenticationError, BufferTooShort, HandshakeTimeoutError, MessageTooLongError, MalformedMessageError } from "./errors.js";
export type { Address, Family } from "./address.js";
export type { BytesLike } from "./bytes.js";
export { Connection, Pipe } from "../channels/pipe.js";
