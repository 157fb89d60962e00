// Plumbing every shared sync object and value needs: which context it is for, its block of
// shared memory (new, or the sender's when a worker rebuilds it), and a mutex over two cells
// that Lock, RLock and Barrier build on.

import type { ContextName } from "../backends/backend.js";
import { contextName, getStartMethod } from "../start-method.js";
import { describeOwner, ownerIsDead, ownerToken } from "./liveness.js";
import { SharedBlock } from "./memory.js";
import { native } from "./native.js";
import { noteShareableCreated } from "./shareable.js";
import { waitUntil, waitUntilSync, wakeIfWaiting, type WaitPlan } from "./waiting.js";

/** Which context a shared object is for: "process" (the default unless setStartMethod said otherwise) or "thread". */
export interface ContextOption {
  context?: ContextName | { readonly name: ContextName };
}

export function resolveContext(option: ContextOption["context"], where: string): ContextName {
  if (option === undefined) return getStartMethod();
  return contextName(typeof option === "object" && option !== null ? option.name : option, where);
}

// A worker rebuilds an object by calling its ordinary constructor while `pending` holds the
// block it received: the constructor takes that instead of creating one. This keeps one code
// path (and true #private fields) for both sides.
let pending: SharedBlock | undefined;

/** Construct (with `make`) an object over an existing block: the worker side of sharing. */
export function reviveOver<T>(state: SharedBlock["state"], make: () => T): T {
  pending = SharedBlock.revive(state);
  try {
    return make();
  } finally {
    pending = undefined;
  }
}

/** In a constructor, before blockFor(): whether this object is being rebuilt over a received block. */
export function isReviving(): boolean {
  return pending !== undefined;
}

/** In a constructor: the block being revived, or a new one of `bytes` bytes for `context`. */
export function blockFor(context: ContextOption["context"], bytes: number, where: string): SharedBlock {
  noteShareableCreated();
  const revived = pending;
  if (revived) {
    pending = undefined;
    return revived;
  }
  return SharedBlock.create(resolveContext(context, where), bytes);
}

/** How often a blocked acquirer looks at whether the owner is still alive. */
const OWNER_CHECK_MS = 100;

/**
 * A mutex in two cells of a block: `word` holds the owner's token (0: free), `word + 1` counts
 * sleepers. Not reentrant. An owner that dies holding it (a process that is gone, a worker
 * thread that exited) is detected by the next acquirer that has slept a slice, which takes the
 * word over with compareExchange (only one contender can win) and warns once.
 */
export class CellMutex {
  readonly block: SharedBlock;
  readonly word: number;
  readonly token: number;
  readonly #plan: WaitPlan;
  readonly #what: string;

  constructor(block: SharedBlock, word: number, what: string) {
    this.block = block;
    this.word = word;
    this.token = ownerToken(block.context);
    this.#plan = { block, index: word, waiters: word + 1, sliceMs: OWNER_CHECK_MS };
    this.#what = what;
  }

  /** One try; with `suspicious`, also take over from a dead owner. */
  readonly attempt = (suspicious: boolean): number | null => {
    const i32 = this.block.i32;
    const seen = Atomics.compareExchange(i32, this.word, 0, this.token);
    if (seen === 0) return null;
    if (suspicious && this.#ownerDead(seen) && Atomics.compareExchange(i32, this.word, seen, this.token) === seen) {
      process.emitWarning(
        `${this.#what} was held by ${describeOwner(this.block.context, seen)}, which died without releasing it; it was taken over.`,
        { code: "MULTIPROC_OWNER_DIED" },
      );
      return null;
    }
    return seen;
  };

  lock(deadline: number, signal?: AbortSignal): Promise<boolean> {
    return waitUntil(this.#plan, this.attempt, deadline, signal);
  }

  lockSync(deadline: number): boolean {
    return waitUntilSync(this.#plan, this.attempt, deadline);
  }

  /** Frees the word; returns false if it was not locked. */
  unlock(): boolean {
    if (Atomics.exchange(this.block.i32, this.word, 0) === 0) return false;
    wakeIfWaiting(this.block, this.word, this.word + 1, 1);
    return true;
  }

  owner(): number {
    return Atomics.load(this.block.i32, this.word);
  }

  isMine(): boolean {
    return this.owner() === this.token;
  }

  #ownerDead(token: number): boolean {
    return ownerIsDead(this.block.context, token, (pid) => native().processAlive(pid));
  }
}
