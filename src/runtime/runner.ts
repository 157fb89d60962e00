// Runs a worker's tasks one at a time, in the order they arrived, and hands each result to the
// outbox. A task may return a promise: the next one starts when it settles, never sooner, so the
// first task without a result is always the one that was running (see outbox.ts).

import { decodeShareables } from "../memory/shareable.js";
import { TaskKind, type WireBatch } from "../wire/messages.js";
import { packNumbers } from "../wire/numbers.js";
import type { AnyFunction, FunctionTable } from "./functions.js";
import type { Outbox } from "./outbox.js";

export class TaskRunner {
  /** Batches received and not yet run; `at` is the next task in batches[0]. */
  private readonly batches: WireBatch[] = [];
  private at = 0;
  private draining = false;
  /** The id of the task running now, or -1. */
  current = -1;

  /** `onIdle`: every task received has run and its result is sent. */
  constructor(
    private readonly functions: Pick<FunctionTable, "get">,
    private readonly outbox: Pick<Outbox, "open" | "beforeTask" | "done" | "failed" | "flush">,
    private readonly onIdle: () => void,
  ) {}

  /** Whether tasks are running (or about to: a batch is in hand). */
  get busy(): boolean {
    return this.draining;
  }

  /** Runs the batch's tasks after every one received before it. */
  enqueue(batch: WireBatch): void {
    this.batches.push(batch);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const { batches, outbox } = this;
    outbox.open(performance.now());
    while (batches.length > 0) {
      const batch = batches[0]!;
      if (this.at === batch.ids.length) {
        batches.shift();
        this.at = 0;
        continue;
      }
      const i = this.at++;
      const started = performance.now();
      outbox.beforeTask(started);
      const id = batch.ids[i]!;
      this.current = id;
      let value: unknown;
      try {
        const data = batch.args1 ? [batch.args1[i]] : batch.revive?.includes(i) ? revived(batch, i) : batch.data[i]!;
        value = this.run(batch.fns[i]!, batch.kinds[i]!, data);
        if (isThenable(value)) value = await value;
      } catch (error) {
        outbox.failed(id, error, performance.now() - started);
        continue;
      }
      outbox.done(id, value, performance.now() - started, batch.transferBack?.includes(i));
    }
    this.current = -1;
    this.draining = false;
    outbox.flush();
    this.onIdle();
  }

  private run(fnId: number, kind: TaskKind, data: unknown[]): unknown {
    const fn = this.functions.get(fnId);
    switch (kind) {
      case TaskKind.Apply:
        return fn(...data);
      case TaskKind.MapChunk:
        // `data` may be a Float64Array (see wire/numbers.ts): read by index all the same.
        return mapChunk(fn, data, false);
      case TaskKind.StarmapChunk:
        return mapChunk(fn, data, true);
    }
  }
}

/** Task `i`'s data with its shared objects rebuilt; throws why they cannot be when their types failed to load. */
function revived(batch: WireBatch, i: number): unknown[] {
  if (batch.loadError !== undefined) {
    const why = batch.loadError instanceof Error ? batch.loadError.message : String(batch.loadError);
    throw new Error(`multiproc: this worker could not load the types of the shared objects in this task's arguments: ${why}`, { cause: batch.loadError });
  }
  return decodeShareables(batch.data[i]!);
}

/** fn over each item, in order, one at a time; switches to awaiting only when fn returns promises. */
function mapChunk(fn: AnyFunction, items: unknown[], spread: boolean): unknown[] | Float64Array | Promise<unknown[] | Float64Array> {
  const out = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    const r = spread ? fn(...(items[i] as unknown[])) : fn(items[i]);
    if (isThenable(r)) return finishChunk(fn, items, spread, out, i, r);
    out[i] = r;
  }
  return packNumbers(out);
}

async function finishChunk(fn: AnyFunction, items: unknown[], spread: boolean, out: unknown[], i: number, first: PromiseLike<unknown>) {
  out[i] = await first;
  for (let j = i + 1; j < items.length; j++) out[j] = await (spread ? fn(...(items[j] as unknown[])) : fn(items[j]));
  return packNumbers(out);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}
