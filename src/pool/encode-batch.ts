// How tasks bound for one worker become one message (wire/messages.ts): by column, with the
// arguments of one-number applies packed into a Float64Array, or, for a lone apply task, one
// flat array, which costs least to clone for the call whose latency someone is waiting on.

import type { Transferable } from "node:worker_threads";
import type { ContextName } from "../backends/backend.js";
import { findThreadOnlyShareable } from "../memory/shareable.js";
import type { PreparedFunction } from "../fn/task-function.js";
import { findUncloneable } from "../wire/clone-check.js";
import { packNumbers } from "../wire/numbers.js";
import { ONE_TASK, OneFlags, TaskKind, type FnSpec, type ToWorker } from "../wire/messages.js";
import type { Task } from "./task.js";

export interface EncodedBatch {
  msg: ToWorker;
  transfer: Transferable[] | undefined;
  /** The functions this message defines in the worker (it did not know them), if any. */
  defs: [number, FnSpec][] | undefined;
}

/** `known`: the ids of the functions the worker already has. */
export function encodeBatch(batch: readonly Task[], known: ReadonlySet<number>): EncodedBatch {
  let defs: [number, FnSpec][] | undefined;
  let transfer: Transferable[] | undefined;
  let seen: Set<PreparedFunction> | undefined;
  for (const t of batch) {
    if (!known.has(t.fn.id) && !seen?.has(t.fn)) {
      (seen ??= new Set()).add(t.fn);
      (defs ??= []).push([t.fn.id, t.fn.spec]);
    }
    if (t.transfer) (transfer ??= []).push(...t.transfer);
  }
  const n = batch.length;
  const first = batch[0]!;
  if (n === 1 && defs === undefined && first.kind === TaskKind.Apply) {
    const flags = (first.revive ? OneFlags.Revive : 0) | (first.transferResult ? OneFlags.TransferBack : 0);
    return { msg: [ONE_TASK, first.id, first.fn.id, flags, ...first.data], transfer, defs };
  }
  const ids = new Array<number>(n);
  const fns = new Array<number>(n);
  const kinds = new Array<TaskKind>(n);
  const data = new Array<unknown[]>(n);
  let revive: number[] | undefined;
  let transferBack: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const t = batch[i]!;
    ids[i] = t.id;
    fns[i] = t.fn.id;
    kinds[i] = t.kind;
    data[i] = t.kind === TaskKind.MapChunk ? (packNumbers(t.data) as unknown[]) : t.data;
    if (t.revive) (revive ??= []).push(i);
    if (t.transferResult) (transferBack ??= []).push(i);
  }
  const args1 = packSingleNumbers(batch);
  return { msg: { t: "run", defs, ids, fns, kinds, data: args1 ? [] : data, args1, revive, transferBack }, transfer, defs };
}

/** The arguments of a batch of one-number applies, packed; undefined for any other batch. */
function packSingleNumbers(batch: readonly Task[]): Float64Array | undefined {
  if (batch.length < 16) return undefined;
  for (const t of batch) if (t.kind !== TaskKind.Apply || t.data.length !== 1 || typeof t.data[0] !== "number") return undefined;
  const out = new Float64Array(batch.length);
  for (let i = 0; i < batch.length; i++) out[i] = batch[i]!.data[0] as number;
  return out;
}

/** What in a task cannot travel to a worker, and where: for the error when a send failed. */
export function findUnsendable(t: Task, context: ContextName): { path: string; reason: string } | null {
  for (let i = 0; i < t.data.length; i++) {
    const path = t.kind === TaskKind.Apply ? `args[${i}]` : `item ${t.offset + i}`;
    const hit = findUncloneable(t.data[i], path) ?? (context === "process" && t.revive ? findThreadOnlyShareable(t.data[i], path) : null);
    if (hit) return hit;
  }
  return null;
}
