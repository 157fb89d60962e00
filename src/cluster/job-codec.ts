// One BullMQ job carries one batch of the pool's tasks (wire/messages.ts's `run`, chunks of a map
// among them): the same columns, with every function it uses defined in it (any worker may take
// it) and module functions named portably (module-identity.ts). It travels as v8.serialize bytes,
// so values keep structured-clone semantics (Map, Date, BigInt, typed arrays), not JSON's.
//
//   caller                     Redis                          multiproc worker
//   encodeJob -> queue.add  -> bull:<queue>:wait  -> Worker -> decodeJob -> local Pool
//   decodeResults <- BLMPOP <- multiproc:<queue>:results:<caller> <- RPUSH <- encodeResults

import { deserialize, serialize } from "node:v8";
import type { WireError } from "../wire/errors.js";
import { ONE_TASK, TaskKind, type FnSpec, type ToWorker, type WireBatch, type WireResults } from "../wire/messages.js";

/** How a function travels to another machine: a module by portable id, or (opt-in, signed) source. */
export type RemoteFnSpec = { kind: "module"; module: string; exportName: string } | { kind: "source"; source: string; name: string };

export interface RemoteBatch {
  defs: [number, RemoteFnSpec][];
  ids: number[];
  fns: number[];
  kinds: TaskKind[];
  data: unknown[][];
  args1?: Float64Array;
}

/** What a job's data holds in BullMQ (JSON): the caller, the payload (base64 v8 bytes), its signature. */
export interface JobData {
  c: string;
  p: string;
  s?: string;
}

export interface RemoteResults extends WireResults {
  job: string;
  busyMs: number;
  /** BullMQ failed the job, for this reason (no results then): the worker that failed it says so. */
  failed?: string;
}

/** A pool message that runs tasks, as a batch (the one-task form unfolded); undefined for other messages. */
export function asBatch(msg: ToWorker): (WireBatch & { defs?: [number, FnSpec][] }) | undefined {
  if (Array.isArray(msg)) {
    if (msg[0] !== ONE_TASK) return undefined;
    const [, id, fn, flags, ...args] = msg;
    return { ids: [id], fns: [fn], kinds: [TaskKind.Apply], data: [args], revive: flags & 1 ? [0] : undefined };
  }
  return msg.t === "run" ? msg : undefined;
}

export function encodeJob(batch: RemoteBatch): Buffer {
  return serialize(batch);
}

export function decodeJob(payload: Uint8Array): RemoteBatch {
  const batch = deserialize(payload) as RemoteBatch;
  if (!batch || !Array.isArray(batch.ids) || !Array.isArray(batch.fns) || !Array.isArray(batch.kinds) || !Array.isArray(batch.defs)) {
    throw new TypeError("not a multiproc job");
  }
  return batch;
}

export function encodeResults(results: RemoteResults): Buffer {
  return serialize(results);
}

export function decodeResults(bytes: Uint8Array): RemoteResults {
  return deserialize(bytes) as RemoteResults;
}

/** Results that fail every task of a job with one error. */
export function failedResults(job: string, ids: number[], error: WireError): RemoteResults {
  return { job, ids, values: ids.map(() => undefined), errors: ids.map((_, i) => [i, error]), busyMs: 0 };
}
