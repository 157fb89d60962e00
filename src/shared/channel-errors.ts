// The errors of queues and pipes, named as Python names them so that `except queue.Empty`
// reads across as `catch (e) { if (e instanceof mp.Empty) ... }`.

/** getNowait() on an empty queue, or get() whose timeout passed (Python's queue.Empty). */
export class Empty extends Error {
  override name = "Empty";
  constructor(message = "the queue is empty") {
    super(message);
  }
}

/** putNowait() on a full queue, or put() whose timeout passed (Python's queue.Full). */
export class Full extends Error {
  override name = "Full";
  constructor(message = "the queue is full") {
    super(message);
  }
}

/** Using a queue or connection after close() on this handle (Python: ValueError / OSError). */
export class ClosedError extends Error {
  override name = "ClosedError";
}

/** recv() when the other end is closed and nothing is left to read (Python's EOFError). */
export class EOFError extends Error {
  override name = "EOFError";
  constructor(message = "the other end of the pipe is closed and nothing is left to receive") {
    super(message);
  }
}

/** send() when the other end is closed (Python's BrokenPipeError). */
export class BrokenPipeError extends Error {
  override name = "BrokenPipeError";
  readonly code = "EPIPE";
  constructor(message = "the other end of the pipe is closed") {
    super(message);
  }
}

/** A process died in the middle of moving an item bigger than the ring through it. */
export class BrokenQueueError extends Error {
  override name = "BrokenQueueError";
  constructor(
    message = "this queue or pipe is broken: a process died in the middle of moving a large item through it, " +
      "so what is left in it cannot be trusted. (Python warns the same: a queue that a killed process was " +
      "using may be corrupted.) Create a new one.",
  ) {
    super(message);
  }
}
