// An unbounded queue's local buffer, and what moves it into the ring: Python's feeder thread,
// without a thread.
//
// Python's Queue.put on an unbounded queue never blocks: the item goes into a buffer of the
// putting process, and a feeder thread writes that buffer into the pipe. Here put() writes an
// item straight into the ring when this holder has nothing buffered and the item fits now;
// otherwise the encoded item joins this holder's buffer, behind the others, so that nothing of
// one holder overtakes anything (its items arrive in put order). Either way the item is counted
// at once (Ring.reserve): qsize() and a JoinableQueue's unfinished work include buffered items,
// as in Python.
//
// One long-lived operation (#op) writes the buffer into the ring, item after item. It is an Op of
// wait.ts like every ring operation, and runAsync drives it: it sleeps on the ring's HEAD as
// one of its ROOM_WAITERS until a get makes room, without polling, and that pending wait keeps
// the event loop alive (the addon's futex wait, or runAsync's timer on the thread context), so a
// script that puts and ends still flushes before it exits. The worker runtime awaits
// pendingFlushes() before a worker exits, as Python joins its feeder threads.
//
// A thread that does not return to its event loop must move its buffers itself, as Python's
// feeder thread would meanwhile: so synchronous code steps #op too. Each put of this holder, and
// each get (a getSync would otherwise wait for items that only this thread could move), moves
// what fits now; putSync and joinSync write the whole buffer first (they must not overtake it);
// and every blocking wait of this thread (getSync on another queue, Lock.acquireSync, ...) moves
// what fits between sleeps of 2 ms (whileBlocked, block.ts). Two drivers of one generator are
// safe because every wait of a ring operation takes WOKE and SLICE as "look again" (only
// GIVE_UP means more, and the async driver never sends it): a resume meant for a wait that #op
// has since left costs one look.

import { whileBlocked } from "../memory/block.js";
import { registerBeforeExit } from "./before-exit.js";
import type { Ring } from "./ring.js";
import { GAVE_UP, GIVE_UP, SLICE, SLICE_MS, WOKE, runAsync, runNow, runSync, timeLeft, type Op, type Resume, type Wait } from "../memory/wait.js";

/** The feeders of this thread (process or worker thread) that hold items. */
const holding = new Set<Feeder>();

/**
 * Resolves once every queue holder of this thread has written its buffer into its ring, failed
 * to, or was told not to wait (cancelJoinThread). The worker runtime awaits it before a worker
 * exits. As in Python, that takes as long as it takes: if nobody gets, it never resolves.
 */
export async function pendingFlushes(): Promise<void> {
  for (;;) {
    const waits = [...holding].filter((f) => !f.cancelled).map((f) => f.flushed().catch(() => {}));
    if (waits.length === 0) return;
    await Promise.all(waits);
  }
}
registerBeforeExit(pendingFlushes);

// A thread blocked in a synchronous wait (getSync on another queue, Lock.acquireSync, ...) runs
// no event loop, hence no async driver: its blocking waits step the buffers instead (block.ts).
whileBlocked(() => {
  for (const f of holding) f.flushNow();
  return holding.size > 0;
});

/** What runAsync throws when the driver of a holder that cancelJoinThread() stops lets go. */
const letGo = new Error("multiproc internal error: a flush stopped");

export class Feeder {
  readonly #ring: Ring;
  readonly #joinable: boolean;
  /** The buffer: encoded items, #items[#head] first. */
  #items: (Uint8Array | undefined)[] = [];
  #head = 0;
  /** Writes the buffer into the ring; null while the buffer is empty. */
  #op: Op<void> | null = null;
  /** The wait #op is in: a synchronous step is pointless while that cell has not moved. */
  #waitingOn: Wait | null = null;
  #whenEmpty: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | null = null;
  #failure: { error: unknown } | null = null;
  #cancelled = false;
  #poll: ReturnType<typeof setInterval> | undefined;

  constructor(ring: Ring, joinable: boolean) {
    this.#ring = ring;
    this.#joinable = joinable;
  }

  /** Items in this holder's buffer, not yet in the ring. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Whether cancel() was called (Python's cancel_join_thread). */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Puts without ever waiting: into the ring if nothing is buffered and it fits now, else into the buffer. */
  put(payload: Uint8Array): void {
    if (this.#failure) throw this.#failure.error;
    this.#ring.reserve(this.#joinable);
    this.flushNow(); // a worker busy in synchronous code moves its buffer here, as room appears
    if (this.#op === null && !this.#ring.streams(payload.length)) {
      if (runNow(this.#ring.put(payload, 0, this.#joinable, true)) !== GAVE_UP) return;
    }
    this.#items.push(payload);
    if (this.#op === null) this.#start();
  }

  /**
   * Blocking put (putSync): writes the buffer, then the item, waiting for room up to `timeout`
   * seconds in all. Past it, throws timedOut(): the item is not put, the buffer goes on flushing.
   */
  putSync(payload: Uint8Array, timeout: number | null | undefined, timedOut: () => Error): void {
    if (this.#failure) throw this.#failure.error;
    const since = performance.now();
    this.flushSync(timeout, timedOut);
    runSync(this.#ring.block, this.#ring.put(payload, 0, this.#joinable), timeLeft(timeout, since), timedOut);
  }

  /** Writes the whole buffer, blocking this thread, for up to `timeout` seconds; then throws timedOut(). */
  flushSync(timeout: number | null | undefined, timedOut: () => Error): void {
    const op = this.#op;
    if (op === null) return;
    let gaveUp = false;
    try {
      runSync(this.#ring.block, op, timeout, () => ((gaveUp = true), timedOut()));
    } catch (error) {
      if (!gaveUp) this.#failed(op, error);
      else {
        // It stopped between two items: a new operation goes on with the rest, asynchronously.
        this.#op = null;
        this.#start();
      }
      throw error;
    }
    this.#emptied(op);
  }

  /** Moves what fits now, without waiting (see the header), if the cell #op waits on has moved. */
  flushNow(): void {
    const op = this.#op;
    const w = this.#waitingOn;
    if (op === null || (w !== null && Atomics.load(this.#ring.block.i32, w.cell) === w.value)) return;
    this.#step(op, WOKE);
  }

  /**
   * Resolves when the buffer is empty (at once if it is, or after cancel()); rejects with the
   * error that stopped the flushing, if one did.
   */
  flushed(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure.error);
    if (this.#op === null || this.#cancelled) return Promise.resolve();
    if (!this.#whenEmpty) {
      let resolve!: () => void, reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.#whenEmpty = { promise, resolve, reject };
    }
    return this.#whenEmpty.promise;
  }

  /**
   * Python's cancel_join_thread(): exits stop waiting for this buffer, and it stops keeping the
   * event loop alive. What is buffered still moves, on this holder's own calls and every
   * SLICE_MS (an unref'd timer), for as long as the process lives; then it is lost.
   */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true; // the async driver lets go at its next wake (#driven)
    this.#settle(null);
    if (this.#op) this.#startPoll();
  }

  #start(): void {
    const op = this.#feed();
    this.#op = op;
    holding.add(this);
    if (this.#cancelled) return this.#startPoll();
    runAsync(this.#ring.block, this.#driven(op), null, () => letGo).then(
      () => this.#emptied(op),
      (error: unknown) => error !== letGo && this.#failed(op, error),
    );
  }

  /** Writes #items into the ring, in order; a GIVE_UP (putSync's timeout) stops it after the item in hand. */
  *#feed(): Op<void> {
    let stop = false;
    while (this.#head < this.#items.length) {
      const put = this.#ring.put(this.#items[this.#head]!, 0, this.#joinable, true);
      let r = put.next(WOKE);
      while (!r.done) {
        this.#waitingOn = r.value;
        const resume: Resume = yield r.value;
        this.#waitingOn = null;
        if (resume === GIVE_UP) stop = true;
        r = put.next(resume);
      }
      if (r.value === GAVE_UP) return GAVE_UP;
      this.#items[this.#head++] = undefined;
      if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (stop && this.#head < this.#items.length) return GAVE_UP; // a stream cannot stop mid-way: here it can
    }
    return undefined;
  }

  /** #op as the async driver sees it: it stops driving (leaving #op where it is) once cancelled. */
  *#driven(op: Op<void>): Op<void> {
    let r = op.next(WOKE);
    while (!r.done) {
      const resume = yield r.value;
      if (this.#cancelled) return GAVE_UP;
      r = op.next(resume);
    }
    return r.value;
  }

  #step(op: Op<void>, resume: Resume): void {
    let r;
    try {
      r = op.next(resume);
    } catch (error) {
      return this.#failed(op, error);
    }
    if (r.done) this.#emptied(op);
  }

  #startPoll(): void {
    this.#poll ??= setInterval(() => this.#op && this.#step(this.#op, SLICE), SLICE_MS);
    this.#poll.unref();
  }

  /** `op` wrote the whole buffer (unless another operation has replaced it since). */
  #emptied(op: Op<void>): void {
    if (op !== this.#op) return;
    this.#op = null;
    this.#waitingOn = null;
    this.#items = [];
    this.#head = 0;
    this.#settle(null);
  }

  /** The ring refused an item (it is broken): the buffer is lost, and later puts throw the same error. */
  #failed(op: Op<void>, error: unknown): void {
    if (op !== this.#op) return;
    const lost = this.size;
    this.#failure = { error };
    this.#op = null;
    this.#waitingOn = null;
    this.#items = [];
    this.#head = 0;
    this.#settle(this.#failure);
    process.emitWarning(`A queue could not write ${lost} buffered item(s) into its shared memory: ${String(error)}`, {
      code: "MULTIPROC_QUEUE_FEED_FAILED",
    });
  }

  #settle(failure: { error: unknown } | null): void {
    if (this.#op === null) {
      holding.delete(this);
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
    const waiting = this.#whenEmpty;
    this.#whenEmpty = null;
    if (failure) waiting?.reject(failure.error);
    else waiting?.resolve();
  }
}
