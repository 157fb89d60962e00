// The errors of multiprocessing.connection, named as Python names them (AuthenticationError,
// BufferTooShort) or, where Python raises a bare OSError, named for what went wrong, so that a
// server can tell a wrong key from a peer that sent garbage or fell silent.

import { MultiprocError, multiprocErrors } from "../errors.js";

/** The authkey handshake failed: a wrong key, or a peer that does not speak the handshake (Python's AuthenticationError). */
export class AuthenticationError extends MultiprocError {
  override name = "AuthenticationError";
  override readonly code: string = "MULTIPROC_AUTHENTICATION";
}

/** The peer connected but did not finish the handshake within `handshakeTimeout` seconds. */
export class HandshakeTimeoutError extends AuthenticationError {
  override name = "HandshakeTimeoutError";
  override readonly code = "MULTIPROC_HANDSHAKE_TIMEOUT";
}

/**
 * recvBytesInto(): the message does not fit in the buffer from `offset` on (Python's
 * BufferTooShort). The message was read all the same: it is in `data`, as Python keeps it in
 * `e.args[0]`.
 */
export class BufferTooShort extends MultiprocError {
  override name = "BufferTooShort";
  override readonly code = "MULTIPROC_BUFFER_TOO_SHORT";
  /** The whole message that did not fit. */
  readonly data: Buffer;
  constructor(message: string, data: Buffer) {
    super(message);
    this.data = data;
  }
}

/**
 * A message longer than allowed: over recvBytes(maxlength) (Python's OSError "bad message
 * length") or over the connection's `maxMessageSize` (checked on the length header, before the
 * body is read). The connection is closed, as Python closes it.
 */
export class MessageTooLongError extends MultiprocError {
  override name = "MessageTooLongError";
  override readonly code = "MULTIPROC_MESSAGE_TOO_LONG";
  /** The length the peer announced. */
  readonly length: number;
  /** The limit it went over. */
  readonly limit: number;
  constructor(message: string, length: number, limit: number) {
    super(message);
    this.length = length;
    this.limit = limit;
  }
}

/**
 * What the peer sent is not a message: a negative length header, the end of the stream in the
 * middle of a message, or (recv) bytes that are not a structured clone. The connection is closed.
 */
export class MalformedMessageError extends MultiprocError {
  override name = "MalformedMessageError";
  override readonly code = "MULTIPROC_MALFORMED_MESSAGE";
}

multiprocErrors(AuthenticationError, HandshakeTimeoutError, BufferTooShort, MessageTooLongError, MalformedMessageError);
