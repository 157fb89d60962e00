// The Queue and JoinableQueue that a SyncManager serves: Python's queue.Queue living in the
// manager. Items are held as the server received them (already copies); a get hands one back.

import { Empty, Full } from "../channels/errors.js";
import { deadlineAfter, WaitList } from "./wait-list.js";
import { TimeoutError } from "../errors.js";

export class QueueServant {
  readonly #items: unknown[] = [];
  #head = 0;
  readonly #notEmpty = new WaitList();
  readonly #notFull = new WaitList();

  constructor(readonly maxsize = 0) {
    if (!Number.isInteger(maxsize)) throw new TypeError(`Queue: maxsize must be an integer, got ${maxsize}`);
  }

  qsize(): number {
    return this.#items.length - this.#head;
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    return this.maxsize > 0 && this.qsize() >= this.maxsize;
  }

  put(item: unknown, block = true, timeout: number | null = null): Promise<void> | void {
    if (!this.full()) return this.#add(item);
    if (!block) throw new Full();
    return this.#putSlow(item, deadlineAfter(timeout));
  }

  async #putSlow(item: unknown, deadline: number | null): Promise<void> {
    for (;;) {
      const woken = await this.#notFull.park(deadline);
      if (!this.full()) return this.#add(item);
      if (!woken) throw new Full();
    }
  }

  #add(item: unknown): void {
    this.#items.push(item);
    this.onPut();
    this.#notEmpty.wakeOne();
  }

  get(block = true, timeout: number | null = null): Promise<unknown> | unknown {
    if (!this.empty()) return this.#take();
    if (!block) throw new Empty();
    return this.#getSlow(deadlineAfter(timeout));
  }

  async #getSlow(deadline: number | null): Promise<unknown> {
    for (;;) {
      const woken = await this.#notEmpty.park(deadline);
      if (!this.empty()) return this.#take();
      if (!woken) throw new Empty();
    }
  }

  #take(): unknown {
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    this.#notFull.wakeOne();
    return item;
  }

  putNowait(item: unknown): Promise<void> | void {
    return this.put(item, false);
  }

  getNowait(): unknown {
    return this.get(false);
  }

  /** @internal Counted by JoinableQueue. */
  protected onPut(): void {}
}

export class JoinableQueueServant extends QueueServant {
  #unfinished = 0;
  readonly #allDone = new WaitList();

  protected override onPut(): void {
    this.#unfinished++;
  }

  taskDone(): void {
    if (this.#unfinished <= 0) throw new RangeError("taskDone() called too many times");
    if (--this.#unfinished === 0) this.#allDone.wakeAll();
  }

  async join(timeout: number | null = null): Promise<void> {
    const deadline = deadlineAfter(timeout);
    while (this.#unfinished > 0) {
      if (!(await this.#allDone.park(deadline)) && this.#unfinished > 0) {
        throw new TimeoutError(`JoinableQueue.join() timed out after ${timeout} s`);
      }
    }
  }

  unfinishedTasks(): number {
    return this.#unfinished;
  }
}
