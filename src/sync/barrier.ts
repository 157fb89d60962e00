// Barrier: Python's multiprocessing.Barrier (threading.Barrier's semantics) in shared memory.
//
// Rounds are numbered by a generation cell. A party arrives under a small internal mutex,
// takes the next index and, if it is not the last, sleeps until the generation moves on. The
// last one runs the action (outside the mutex, so the others are not blocked on it), then
// records the round's outcome and bumps the generation, which wakes everyone. Breaking
// (abort(), reset() with parties waiting, a timeout, an action that throws) bumps it too, with
// the outcome "broken". Outcomes sit in a ring of 64 slots indexed by generation, so a party
// that wakes late still reads the outcome of its own round.
//
// The action crosses to workers as a task function does (inline source or mp.tasksFrom()),
// since whichever worker arrives last runs it; that check happens when the barrier is first
// sent to a worker, so a barrier used only where it was created may close over anything.

import type { FnSpec } from "../wire/messages.js";
import { loadFunction } from "../fn/load-function.js";
import { isTaskRef, prepareFunction, type TaskFunction } from "../fn/task-function.js";
import type { SharedBlock } from "../memory/block.js";
import { kShareable, registerShareable, type Shareable } from "../memory/shareable.js";
import { CellMutex } from "../memory/mutex.js";
import { blockFor, received, type ContextOption } from "../memory/shared-object.js";
import { BrokenBarrierError } from "./errors.js";
import { deadlineOf, waitUntil, waitUntilSync, type WaitPlan } from "../memory/wait-attempt.js";

// Cells: the internal mutex (2), then the round's state.
const MUTEX = 0;
const COUNT = 2;
const GEN = 3;
const BROKEN = 4;
const PARTIES = 5;
const OUTCOMES = 6;
const RING = 64;
const PASSED = 1;
const BROKE = 2;

type Action = () => unknown;
/** What #round yields when the last party must run the action. */
const RUN_ACTION = Symbol("run the action");

export interface BarrierOptions extends ContextOption {
  /** Run by the last party to arrive, before any party is released (an inline function or mp.tasksFrom() reference). */
  action?: TaskFunction<Action> | null;
  /** Default timeout of wait(), in seconds. */
  timeout?: number | null;
}

/** Python's Barrier: `parties` waiters block until all have arrived, then all go on; an optional action runs once per round. */
export class Barrier implements Shareable {
  readonly #block: SharedBlock;
  readonly #mutex: CellMutex;
  readonly #plan: WaitPlan;
  readonly #timeout: number | null;
  readonly #action: TaskFunction<Action> | FnSpec | null;
  #loaded: Action | Promise<Action> | null = null;

  /** `new Barrier(parties, action?, timeout?)` as in Python, or `new Barrier(parties, { action, timeout, context })`. */
  constructor(parties: number, action?: TaskFunction<Action> | BarrierOptions | null, timeout?: number | null) {
    const opts = barrierOptions(action, timeout);
    this.#block = blockFor(opts, (OUTCOMES + RING) * 4, "Barrier", (block) => {
      if (!Number.isInteger(parties) || parties < 1 || parties > 0x7fffffff) {
        throw new RangeError(`Barrier(parties): parties must be a positive integer, got ${String(parties)}`);
      }
      Atomics.store(block.i32, PARTIES, parties);
    });
    this.#mutex = new CellMutex(this.#block, MUTEX, "a Barrier's internal lock");
    this.#plan = { block: this.#block, index: GEN };
    this.#timeout = opts.timeout ?? null;
    this.#action = opts.action ?? null;
  }

  get context() {
    return this.#block.context;
  }

  /** How many parties must arrive to pass. */
  get parties(): number {
    return Atomics.load(this.#block.i32, PARTIES);
  }

  /** How many parties wait now (Python's n_waiting). */
  get nWaiting(): number {
    return Math.min(Atomics.load(this.#block.i32, COUNT), this.parties - 1);
  }

  /** Whether the barrier is broken (until reset()). */
  get broken(): boolean {
    return Atomics.load(this.#block.i32, BROKEN) === 1;
  }

  /**
   * Arrive and wait until all parties have: resolves with this party's index (0 to parties-1,
   * distinct in each round). Rejects with BrokenBarrierError if the barrier breaks, which a
   * timeout (default: the barrier's) also does, as in Python.
   */
  async wait(timeout: number | null | undefined = this.#timeout): Promise<number> {
    const deadline = deadlineOf(timeout);
    const round = this.#round(deadline);
    let r = round.next(true);
    while (!r.done) {
      const step = r.value;
      if (step !== RUN_ACTION) {
        r = round.next(await waitUntil(this.#plan, this.#stillGen(step), deadline));
        continue;
      }
      const failure = await this.#runAction().then(() => null, (error: unknown) => ({ error }));
      r = failure ? round.throw(failure.error) : round.next(true);
    }
    return r.value;
  }

  /** wait(), blocking this thread. An action from mp.tasksFrom() must have loaded already. */
  waitSync(timeout: number | null | undefined = this.#timeout): number {
    const deadline = deadlineOf(timeout);
    const round = this.#round(deadline);
    let r = round.next(true);
    while (!r.done) {
      const step = r.value;
      if (step !== RUN_ACTION) {
        r = round.next(waitUntilSync(this.#plan, this.#stillGen(step), deadline));
        continue;
      }
      let failure: { error: unknown } | null = null;
      try {
        const action = this.#actionFn();
        if (action instanceof Promise) throw new BrokenBarrierError("Barrier.waitSync(): the action is a module function still loading in this worker; use wait()");
        action?.();
      } catch (error) {
        failure = { error };
      }
      r = failure ? round.throw(failure.error) : round.next(true);
    }
    return r.value;
  }

  /** The action, loaded if it is a module function, run (wait()'s way). */
  async #runAction(): Promise<void> {
    const action = this.#actionFn();
    await (action instanceof Promise ? await action : action)?.();
  }

  /**
   * One party's passage through the barrier, written once for wait() and waitSync(): it yields
   * a generation to wait out (resumed with whether it moved on before the deadline) or
   * RUN_ACTION (resumed once the action ran, or thrown into with its error).
   */
  *#round(deadline: number): Generator<number | typeof RUN_ACTION, number, boolean> {
    for (;;) {
      const arrival = this.#arrive(deadline);
      if (arrival.draining) {
        if (!(yield arrival.gen)) this.#breakRound(arrival.gen);
        continue;
      }
      if (arrival.last) {
        try {
          yield RUN_ACTION;
        } catch (error) {
          this.#breakRound(arrival.gen);
          throw error;
        }
        return this.#pass(arrival.gen, arrival.index);
      }
      if (!(yield arrival.gen)) this.#breakRound(arrival.gen);
      return this.#outcome(arrival.gen, arrival.index);
    }
  }

  /** Break the barrier: parties waiting now, and every later wait() until reset(), get BrokenBarrierError. */
  abort(): void {
    this.#locked(() => {
      Atomics.store(this.#block.i32, BROKEN, 1);
      this.#endRound(Atomics.load(this.#block.i32, GEN), BROKE);
    });
  }

  /** Back to the initial state; parties waiting now get BrokenBarrierError. */
  reset(): void {
    this.#locked(() => {
      const i32 = this.#block.i32;
      if (Atomics.load(i32, COUNT) > 0) this.#endRound(Atomics.load(i32, GEN), BROKE);
      Atomics.store(i32, BROKEN, 0);
    });
  }

  #arrive(deadline: number): { gen: number; index: number; last: boolean; draining: boolean } {
    return this.#locked(() => {
      const i32 = this.#block.i32;
      if (Atomics.load(i32, BROKEN) === 1) throw new BrokenBarrierError("Barrier.wait(): the barrier is broken (reset() it to use it again)");
      const gen = Atomics.load(i32, GEN);
      const index = Atomics.load(i32, COUNT);
      const parties = Atomics.load(i32, PARTIES);
      // The last party of this round is running the action: wait for the next round.
      if (index >= parties) return { gen, index, last: false, draining: true };
      Atomics.store(i32, COUNT, index + 1);
      return { gen, index, last: index + 1 === parties, draining: false };
    }, deadline);
  }

  /** The last party, after the action: end the round as passed, unless it broke meanwhile. */
  #pass(gen: number, index: number): number {
    this.#locked(() => {
      if (Atomics.load(this.#block.i32, GEN) === gen) this.#endRound(gen, PASSED);
    });
    return this.#outcome(gen, index);
  }

  #outcome(gen: number, index: number): number {
    if (Atomics.load(this.#block.i32, OUTCOMES + (gen % RING)) === PASSED) return index;
    throw new BrokenBarrierError("Barrier.wait(): the barrier broke while this party waited (abort(), reset(), a wait that timed out, or an action that threw)");
  }

  /** Break round `gen` (a timeout, a failed action), unless it has ended already. */
  #breakRound(gen: number): void {
    this.#locked(() => {
      if (Atomics.load(this.#block.i32, GEN) !== gen) return;
      Atomics.store(this.#block.i32, BROKEN, 1);
      this.#endRound(gen, BROKE);
    });
  }

  /** With the mutex held: record the outcome, start the next round, wake everyone. */
  #endRound(gen: number, outcome: number): void {
    const i32 = this.#block.i32;
    Atomics.store(i32, OUTCOMES + (gen % RING), outcome);
    Atomics.store(i32, COUNT, 0);
    Atomics.store(i32, GEN, (gen + 1) | 0);
    this.#block.wake(GEN);
  }

  readonly #stillGen = (gen: number) => (): number | null => (Atomics.load(this.#block.i32, GEN) === gen ? gen : null);

  /** Critical sections are a few loads and stores, so waiting for the mutex blocks only briefly. */
  #locked<T>(body: () => T, deadline = Infinity): T {
    if (!this.#mutex.lockSync(deadline)) throw new BrokenBarrierError("Barrier: timed out on its internal lock");
    try {
      return body();
    } finally {
      this.#mutex.unlock();
    }
  }

  #actionFn(): Action | Promise<Action> | null {
    const a = this.#action;
    if (a === null || typeof a === "function") return a;
    if (!this.#loaded) {
      const spec = "kind" in a ? a : prepareFunction(a, "Barrier action").spec;
      this.#loaded = loadFunction(spec) as Action | Promise<Action>;
      if (this.#loaded instanceof Promise) void this.#loaded.then((f) => (this.#loaded = f), () => {});
    }
    return this.#loaded;
  }

  [kShareable]() {
    const a = this.#action;
    const action = a === null ? null : "kind" in a ? a : prepareFunction(a, "Barrier action (sent to a worker with the barrier)").spec;
    return { type: "Barrier", state: { block: this.#block.state, action, timeout: this.#timeout } };
  }
}

/** Python's positional (action, timeout) or one options object, as one options object. */
export function barrierOptions(action: TaskFunction<Action> | BarrierOptions | null | undefined, timeout: number | null | undefined): BarrierOptions {
  return typeof action === "function" || isTaskRef(action) ? { action, timeout } : { timeout, ...action };
}

registerShareable("Barrier", (raw) => {
  const s = raw as { block: SharedBlock["state"]; action: FnSpec | null; timeout: number | null };
  // The parties are in the received block: the count given here is not used.
  return new Barrier(0, received(s.block, { action: s.action as unknown as Action | null, timeout: s.timeout }));
});
