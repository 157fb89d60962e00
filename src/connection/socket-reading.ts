// How a connection's socket is read: net.Socket's `onread` option instead of 'data' events.
//
// Node's default reading allocates a fresh 64 KiB buffer for every read and hands out a slice of
// it. With `onread`, every read goes into memory we choose: a reused buffer while a header (or a
// run of small messages) is awaited, and, once a message's length is known and its body is being
// filled, straight into the rest of that body, exactly (so no read ever takes bytes of the next
// message, as Python's exact-length reads). A 64 KiB message then costs one copy of its first few
// KiB and no buffer besides its own.
//
// Client sockets take `onread` in connect(). An accepted socket is made by net.Server, which has no
// such option: the listener asks for it paused (pauseOnConnect) and re-wraps its handle in a
// net.Socket that has the option (`new Socket({ handle })`, what Node's own cluster and
// child_process do with handles passed between processes). Where that is not possible, the
// connection reads 'data' events as before (SocketConnection's constructor).

import { Socket, type OnReadOpts } from "node:net";

/** What a socket's reads are handed to (a SocketConnection, once it exists). */
export interface ReadSink {
  /** Where the next read may go straight: the rest of the message being filled, or null. */
  directTarget(): Uint8Array | null;
  /** Whether to offer only a small part of the reused buffer (after a large message, so that the next one's body is read into its own memory). */
  expectsLarge(): boolean;
  /** `n` bytes were read into directTarget(). Returns false to pause reading. */
  receivedDirect(n: number): boolean;
  /** `n` bytes were read into the start of `chunk`, the reused buffer (valid only during the call). Returns false to pause reading. */
  received(chunk: Buffer, n: number): boolean;
}

/** Bytes of the reused buffer. */
const READ_BUFFER = 64 * 1024;
/** How much of it is offered after a large message: the next header and the start of its body. */
const AFTER_LARGE = 4 * 1024;

/**
 * An `onread` option for one socket, and how to connect it to its sink once the connection
 * exists. Reads that come before attach() are copied and handed over at attach().
 */
export function socketReading(): { onread: OnReadOpts; attach(sink: ReadSink): void } {
  const scratch = Buffer.allocUnsafe(READ_BUFFER);
  const small = scratch.subarray(0, AFTER_LARGE);
  let sink: ReadSink | null = null;
  let early: Buffer[] | null = [];
  return {
    onread: {
      buffer: () => sink?.directTarget() ?? (sink?.expectsLarge() ? small : scratch),
      callback: (n: number, buffer: Uint8Array): boolean => {
        if (!sink) {
          early!.push(Buffer.from(buffer.subarray(0, n)));
          return true;
        }
        // `buffer` is the very object buffer() returned: both views of the reused buffer start at its
        // first byte, so the chunk is scratch[0, n) (no view made per read).
        if (buffer !== scratch && buffer !== small) return sink.receivedDirect(n);
        return sink.received(scratch, n);
      },
    },
    attach(s: ReadSink): void {
      sink = s;
      for (const chunk of early!) s.received(chunk, chunk.length);
      early = null;
    },
  };
}

/**
 * The accepted socket `socket` (from a server created with pauseOnConnect), re-wrapped to read
 * with `onread`; null when this Node cannot (then `socket` is left as it was, paused).
 */
export function rewrapAccepted(socket: Socket, onread: OnReadOpts): Socket | null {
  const handle = (socket as unknown as { _handle?: { readStart?: unknown } | null })._handle;
  if (!handle || typeof handle.readStart !== "function") return null;
  try {
    const wrapped = new Socket({ handle, readable: true, writable: true, onread } as ConstructorParameters<typeof Socket>[0]);
    // The first wrapper no longer owns the handle: it must not close it, and the server counts
    // the connection as gone (net.Server's own bookkeeping of accepted sockets).
    (socket as unknown as { _handle: unknown })._handle = null;
    socket.destroy();
    return wrapped;
  } catch {
    return null;
  }
}
