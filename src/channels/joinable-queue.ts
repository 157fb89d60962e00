// Python's multiprocessing.JoinableQueue: a Queue that also counts unfinished work. Every put
// adds one to the UNFINISHED cell of the shared ring, every taskDone() takes one off, and
// join() sleeps on that cell until it reaches zero; so a join() in the parent sees the
// taskDone() calls of every worker, with no message in between.

import { Queue, receivedQueue, type QueueOptions, type QueueState, type QueueType } from "./queue.js";
import { registerShareable } from "../memory/shareable.js";
import { runAsync, runSync, timeLeft } from "../memory/wait.js";
import { TimeoutError } from "../errors.js";

export class JoinableQueue<T = unknown> extends Queue<T> {
  static override readonly queueType: QueueType = "JoinableQueue";
  constructor(maxsize = 0, options?: QueueOptions) {
    super(maxsize, options);
  }

  /**
   * Marks one item that was got as processed. Throws a RangeError (Python: ValueError) if
   * called more times than items were put.
   */
  taskDone(): void {
    if (!this.ring.taskDone()) throw new RangeError("JoinableQueue.taskDone() called too many times (more than items were put)");
  }

  /** Items put and not yet marked done with taskDone(). */
  unfinishedTasks(): number {
    return this.ring.unfinished;
  }

  /**
   * Resolves when every item put (by anyone) has been marked done. `timeout` (seconds) and
   * `signal` are extras over Python: on timeout it rejects with a TimeoutError.
   */
  async join(options: { timeout?: number | null; signal?: AbortSignal } = {}): Promise<void> {
    await runAsync(this.ring.block, this.ring.join(), options.timeout, () => joinTimedOut(options.timeout), options.signal);
  }

  /**
   * Blocking join(): see Queue.putSync for where blocking is safe. It first writes what this
   * handle buffered (put on an unbounded queue): nobody could finish those items otherwise.
   */
  joinSync(options: { timeout?: number | null } = {}): void {
    const since = performance.now();
    const timedOut = () => joinTimedOut(options.timeout);
    this.flushBufferSync(options.timeout, timedOut);
    runSync(this.ring.block, this.ring.join(), timeLeft(options.timeout, since), timedOut);
  }
}

function joinTimedOut(timeout: number | null | undefined): Error {
  return new TimeoutError(`JoinableQueue.join() timed out after ${timeout} s with work unfinished`);
}

registerShareable("JoinableQueue", (s) => new JoinableQueue((s as QueueState).maxsize, receivedQueue(s as QueueState)));
