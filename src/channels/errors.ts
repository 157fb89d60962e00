// The errors of queues and pipes, named as Python names them so that `except queue.Empty`
// reads across as `catch (e) { if (e instanceof mp.Empty) ... }`.

import { MultiprocError, multiprocErrors } from "../errors.js";

/** getNowait() on an empty queue, or get() whose timeout passed (Python's queue.Empty). */
export class Empty extends MultiprocError {
  override name = "Empty";
  override readonly code = "MULTIPROC_EMPTY";
  constructor(message = "the queue is empty") {
    super(message);
  }
}

/** putNowait() on a full queue, or put() whose timeout passed (Python's queue.Full). */
export class Full extends MultiprocError {
  override name = "Full";
  override readonly code = "MULTIPROC_FULL";
  constructor(message = "the queue is full") {
    super(message);
  }
}

/** Using a queue or connection after close() on this handle (Python: ValueError / OSError). */
export class ClosedError extends MultiprocError {
  override name = "ClosedError";
  override readonly code = "MULTIPROC_CLOSED";
}

/** recv() when the other end is closed and nothing is left to read (Python's EOFError). */
export class EOFError extends MultiprocError {
  override name = "EOFError";
  override readonly code = "MULTIPROC_EOF";
  constructor(message = "the other end of the pipe is closed and nothing is left to receive") {
    super(message);
  }
}

/** send() when the other end is closed (Python's BrokenPipeError). */
export class BrokenPipeError extends MultiprocError {
  override name = "BrokenPipeError";
  /** Python's errno for it, kept as the code. */
  override readonly code = "EPIPE";
  constructor(message = "the other end of the pipe is closed") {
    super(message);
  }
}

/** A process died in the middle of moving an item bigger than the ring through it. */
export class BrokenQueueError extends MultiprocError {
  override name = "BrokenQueueError";
  override readonly code = "MULTIPROC_BROKEN_QUEUE";
  constructor(
    message = "this queue or pipe is broken: a process died in the middle of moving a large item through it, " +
      "so what is left in it cannot be trusted. (Python warns the same: a queue that a killed process was " +
      "using may be corrupted.) Create a new one.",
  ) {
    super(message);
  }
}

multiprocErrors(Empty, Full, ClosedError, EOFError, BrokenPipeError, BrokenQueueError);
