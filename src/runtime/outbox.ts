// The results a worker holds and when it sends them. A result waits, so that a burst of tiny
// tasks goes back in one message, but never past FLUSH_AFTER_MS, and not at all after a task
// that took FLUSH_SLOW_TASK_MS or more: then one message per task costs little. The runner also
// flushes when it runs out of tasks. Sending before the next task starts is also what lets the
// parent tell which task a worker was running when it was killed without a word (SIGKILL, out
// of memory): the first task without a result. Only among tasks shorter than a millisecond,
// within one window, can that guess land on a neighbour of the task that was really running.
//
// Results are held by column (see WireResults in wire/messages.ts); a lone value travels flat
// (OneResult), numbers travel packed (wire/numbers.ts), and a result that cannot be cloned turns
// into a CloneError naming the path instead of failing the whole message.

import { CloneError } from "../errors.js";
import { findUncloneable } from "../wire/clone-check.js";
import { serializeError, type WireError } from "../wire/errors.js";
import { ONE_RESULT, type FromWorker } from "../wire/messages.js";
import { packNumbers } from "../wire/numbers.js";
import type { Channel } from "./channel.js";

export const FLUSH_AFTER_MS = 2;
export const FLUSH_SLOW_TASK_MS = 1;

export class Outbox {
  // Results not yet sent, by column.
  private ids: number[] = [];
  private values: unknown[] = [];
  private errors: [number, WireError][] | undefined;
  private transfer: ArrayBuffer[] = [];
  /** When the current window began: the last flush, or the start of a run of tasks. */
  private windowStart = 0;
  private lastTaskMs = 0;

  constructor(
    private readonly channel: Pick<Channel, "post" | "transfers">,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Results held and not yet sent. */
  get size(): number {
    return this.ids.length;
  }

  /** A run of tasks begins (the worker was idle): the window starts now. */
  open(now: number): void {
    this.windowStart = now;
  }

  /** A task is about to start at `now`: send what is held if the window is over or the last task was slow. */
  beforeTask(now: number): void {
    if (this.ids.length > 0 && (this.lastTaskMs >= FLUSH_SLOW_TASK_MS || now - this.windowStart > FLUSH_AFTER_MS)) this.flush();
  }

  /**
   * Task `id` ended with `value` after `ms`; `transferBack`: its ArrayBuffers (itself, or one
   * level down in an array or object) move to the parent, where the channel can do that.
   */
  done(id: number, value: unknown, ms: number, transferBack = false): void {
    if (transferBack && this.channel.transfers) collectTransferables(value, this.transfer);
    this.ids.push(id);
    this.values.push(value);
    this.lastTaskMs = ms;
  }

  /** Task `id` threw `error` after `ms`. */
  failed(id: number, error: unknown, ms: number): void {
    (this.errors ??= []).push([this.ids.length, serializeError(error)]);
    this.done(id, undefined, ms);
  }

  /** Sends every result held, in one message. */
  flush(): void {
    if (this.ids.length === 0) return;
    const now = this.now();
    const busyMs = now - this.windowStart;
    this.windowStart = now;
    const ids = this.ids;
    const values = this.values;
    const errors = this.errors;
    const transfer = this.transfer;
    this.ids = [];
    this.values = [];
    this.errors = undefined;
    this.transfer = [];
    // A lone value travels flat (see RunOne in wire/messages.ts). One that cannot be cloned goes
    // the long way below, which turns it into an error saying why.
    if (ids.length === 1 && errors === undefined) {
      try {
        this.channel.post([ONE_RESULT, ids[0]!, values[0], busyMs], transfer);
        return;
      } catch {}
    }
    const msg: FromWorker = { t: "results", ids, values: packNumbers(values), errors, busyMs };
    try {
      this.channel.post(msg, transfer);
    } catch (error) {
      // Some result cannot be cloned: turn each such result into an error naming the path, send the rest.
      for (let i = 0; i < msg.ids.length; i++) {
        const bad = findUncloneable(msg.values[i], "result");
        if (!bad) continue;
        const err = new CloneError(
          `The task's result cannot be sent back to the parent: ${bad.path} ${bad.reason}. Return plain data ` +
            `(objects, arrays, Map, Set, Date, typed arrays, Error, ...).`,
          bad.path,
          error,
        );
        msg.values[i] = undefined;
        (msg.errors ??= []).push([i, serializeError(err)]);
      }
      // The parent reads errors in index order.
      msg.errors?.sort((a, b) => a[0] - b[0]);
      this.channel.post(msg);
    }
  }
}

/** The ArrayBuffers of a result (itself, or one level down in an array or object), each once. */
export function collectTransferables(value: unknown, into: ArrayBuffer[]): void {
  const add = (v: unknown) => {
    const buf = v instanceof ArrayBuffer ? v : ArrayBuffer.isView(v) ? v.buffer : null;
    if (buf instanceof ArrayBuffer && buf.byteLength > 0 && !into.includes(buf)) into.push(buf);
  };
  add(value);
  if (Array.isArray(value)) value.forEach(add);
  else if (value && typeof value === "object" && !ArrayBuffer.isView(value)) Object.values(value).forEach(add);
}
