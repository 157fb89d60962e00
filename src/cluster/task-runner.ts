// On a `multiproc worker`: one job's tasks, run on the machine's local Pool. A map chunk is
// spread over every local process; each task's result or error goes back in its slot, so an
// error arrives whole (wire/errors.ts) and the caller's scheduler settles each task as locally.

import { WorkerLostError } from "../errors.js";
import type { Pool } from "../pool/pool.js";
import type { TaskFunction } from "../fn/task-function.js";
import { serializeError, type WireError } from "../wire/errors.js";
import { TaskKind } from "../wire/messages.js";
import { packNumbers } from "../wire/numbers.js";
import type { RemoteBatch, RemoteResults } from "./job-codec.js";

type Fn = (...args: never[]) => unknown;

/** Run every task of `batch`; `functions` maps the batch's function ids to what the local pool runs. */
export async function runBatch(pool: Pool, jobId: string, batch: RemoteBatch, functions: Map<number, TaskFunction<Fn>>, signal: AbortSignal): Promise<RemoteResults> {
  const started = performance.now();
  const n = batch.ids.length;
  const values = new Array<unknown>(n);
  const errors: [number, WireError][] = [];
  const lost: number[] = [];
  await Promise.all(
    batch.ids.map(async (_, i) => {
      const fn = functions.get(batch.fns[i]!)!;
      try {
        values[i] = await runTask(pool, fn, batch, i, signal);
      } catch (error) {
        errors.push([i, serializeError(error)]);
        // The local pool's process died under it: the caller's scheduler retries it within
        // `retries`, as it would a local worker's death (a job of its own, maybe on another machine).
        if (error instanceof WorkerLostError) lost.push(i);
      }
    }),
  );
  errors.sort((a, b) => a[0] - b[0]);
  const busyMs = performance.now() - started;
  return { job: jobId, ids: batch.ids, values, errors: errors.length > 0 ? errors : undefined, lost: lost.length > 0 ? lost : undefined, busyMs };
}

async function runTask(pool: Pool, fn: TaskFunction<Fn>, batch: RemoteBatch, i: number, signal: AbortSignal): Promise<unknown> {
  const kind = batch.kinds[i];
  if (kind === TaskKind.Apply) {
    const args = batch.args1 ? [batch.args1[i]] : batch.data[i]!;
    return pool.apply(fn as TaskFunction<(...args: unknown[]) => unknown>, args, { signal });
  }
  const raw = batch.data[i]!;
  const items: unknown[] = ArrayBuffer.isView(raw) ? Array.from(raw as unknown as Float64Array) : raw;
  const chunksize = Math.max(1, Math.ceil(items.length / pool.processes));
  const results =
    kind === TaskKind.MapChunk
      ? await pool.map(fn as TaskFunction<(item: unknown) => unknown>, items, { chunksize, signal })
      : await pool.starmap(fn as TaskFunction<(...args: unknown[]) => unknown>, items as unknown[][], { chunksize, signal });
  return packNumbers(results);
}
