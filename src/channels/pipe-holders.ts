// Who holds a pipe end: a small table in the pipe's shared memory, so that a Pipe closes as
// Python's does. In Python each process that has a Connection has its own file descriptor: one
// holder's close() closes only its own, and the other end sees EOF (or EPIPE) once *every*
// descriptor of this end is closed, which the kernel also does when a holder dies. Here each
// thread or process that holds the end has a row: its owner token (liveness.ts) and how many
// Connection objects of it are open. The end is gone when no row belongs to a live owner.
//
// Handing an end to a worker is not instant: Python's `child_conn.close()` right after
// `p.start()` comes before the worker has revived its copy. So the sender *lends* a hold when it
// encodes the end (a row of its own marked as lent), and the worker *claims* it when it revives
// the end, turning the row into its own hold. Until then the sender's liveness keeps the lent
// hold alive; a lend that is never claimed (the worker died first) is given back by whoever
// knows (Process, when its child exits). When the table has no free row for a lend, the lend is
// merged into the sender's own row, and a claim takes one from there.
//
//   cells (Int32, from `base`): 0 LOCK (owner token of whoever edits the table, 0: free),
//   then ROWS rows of [TOKEN, OPEN]: OPEN > 0 is that many open holds, LENT (-1) one lent hold,
//   0 a free row.

import type { ContextName } from "../backends/backend.js";
import { ownerIsDead, ownerToken } from "../memory/liveness.js";
import type { SharedBlock } from "../memory/block.js";
import { native } from "../memory/native.js";

const ROWS = 32;
const LENT = -1;
const LOCK = 0;

/** What a lend is: the row the receiver claims (-1: merged into the sender's row), and the sender. */
export interface Lend {
  readonly row: number;
  readonly token: number;
}

export class HolderTable {
  /** Int32 cells one table takes. */
  static readonly CELLS = 1 + 2 * ROWS;

  readonly #block: SharedBlock;
  readonly #i32: Int32Array;
  readonly #base: number;
  readonly #context: ContextName;

  constructor(block: SharedBlock, base: number) {
    this.#block = block;
    this.#i32 = block.i32;
    this.#base = base;
    this.#context = block.context;
  }

  #token(): number {
    return ownerToken(this.#context);
  }
  #tokenAt(row: number): number {
    return Atomics.load(this.#i32, this.#base + 1 + 2 * row);
  }
  #openAt(row: number): number {
    return Atomics.load(this.#i32, this.#base + 2 + 2 * row);
  }
  #setRow(row: number, token: number, open: number): void {
    Atomics.store(this.#i32, this.#base + 1 + 2 * row, token);
    Atomics.store(this.#i32, this.#base + 2 + 2 * row, open);
  }
  /** `quick`: kill(pid, 0) only, which takes a zombie (dead, not yet reaped) for alive; else the addon's exact look at /proc. */
  #dead(token: number, quick = false): boolean {
    return ownerIsDead(this.#context, token, quick ? signalable : (pid) => native().processAlive(pid));
  }

  /** Edits are a few loads and stores: spin, sleeping a little, and take over from a dead editor. */
  #locked<T>(edit: () => T): T {
    const me = this.#token();
    const cell = this.#base + LOCK;
    for (let tries = 0; ; tries++) {
      const held = Atomics.compareExchange(this.#i32, cell, 0, me);
      if (held === 0) break;
      if (tries > 100 && this.#dead(held) && Atomics.compareExchange(this.#i32, cell, held, me) === held) break;
      if (tries > 10) this.#block.wait(cell, held, 1);
    }
    try {
      return edit();
    } finally {
      Atomics.store(this.#i32, cell, 0);
    }
  }

  /** The row of `token`'s own holds, or a free (or dead) one made its own; -1 if the table is full. */
  #ownRow(token: number): number {
    let free = -1;
    for (let row = 0; row < ROWS; row++) {
      const t = this.#tokenAt(row);
      const open = this.#openAt(row);
      if (t === token && open > 0) return row;
      if (free < 0 && (open === 0 || this.#dead(t))) free = row;
    }
    if (free >= 0) this.#setRow(free, token, 0);
    return free;
  }

  #add(token: number): void {
    const row = this.#ownRow(token);
    if (row < 0) throw new RangeError(`Pipe: more than ${ROWS} threads and processes hold one end of this pipe at once`);
    Atomics.add(this.#i32, this.#base + 2 + 2 * row, 1);
  }

  #remove(token: number): boolean {
    for (let row = 0; row < ROWS; row++) {
      if (this.#tokenAt(row) === token && this.#openAt(row) > 0) {
        Atomics.sub(this.#i32, this.#base + 2 + 2 * row, 1);
        return true;
      }
    }
    return false;
  }

  /** One hold of this thread closed. */
  release(): void {
    this.#locked(() => this.#remove(this.#token()));
  }

  /** A hold for a worker that will revive this end: kept alive by this thread until claimed. */
  lend(): Lend {
    const token = this.#token();
    return this.#locked(() => {
      for (let row = 0; row < ROWS; row++) {
        if (this.#openAt(row) === 0 || this.#dead(this.#tokenAt(row))) {
          this.#setRow(row, token, LENT);
          return { row, token };
        }
      }
      this.#add(token);
      return { row: -1, token };
    });
  }

  /**
   * One more open hold by this thread, for a new Connection object of this end: made by Pipe()
   * (no lend), or revived in a worker, where the hold its sender lent becomes this thread's own.
   */
  claim(lend: Lend | undefined): void {
    const me = this.#token();
    this.#locked(() => {
      // Our own hold first, so that the end never looks unheld in between. A lend already taken
      // (a task revived twice, when retried) still gives us a hold of our own.
      this.#add(me);
      if (lend) this.#takeLend(lend);
    });
  }

  /** Gives back a lend that no worker will claim now. */
  cancel(lend: Lend): void {
    this.#locked(() => this.#takeLend(lend));
  }

  #takeLend(lend: Lend): boolean {
    if (lend.row < 0) return this.#remove(lend.token);
    if (this.#tokenAt(lend.row) !== lend.token || this.#openAt(lend.row) !== LENT) return false;
    this.#setRow(lend.row, 0, 0);
    return true;
  }

  /**
   * Whether any open or lent hold belongs to a live owner. `quick` (each send) costs a syscall per
   * holder in another process, not a read of /proc; a holder that died and is not yet reaped by its
   * parent still counts as alive then, until a waiting recv() or send() looks exactly (each slice).
   */
  anyLive(quick = false): boolean {
    return this.#locked(() => {
      for (let row = 0; row < ROWS; row++) {
        if (this.#openAt(row) !== 0 && !this.#dead(this.#tokenAt(row), quick)) return true;
      }
      return false;
    });
  }
}

/** Whether a signal could be sent to `pid` (it exists, zombie or not). */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
