// The caller's side of a cluster Pool: turns the scheduler's batches into BullMQ jobs, reads the
// results the workers push back, and keeps the promises of the failure model (README, "Many
// machines"):
//  - results reach the caller exactly once: a job is answered once, later copies (a job rerun
//    after its worker died) are dropped by job id;
//  - a heartbeat key says the caller lives; workers drop the jobs of a caller without one;
//  - while Redis is away, calls wait; once it is back, jobs it lost are queued again; if it stays
//    away longer than `unavailableTimeout`, every pending call rejects with ClusterConnectionError;
//  - a job that leaves Redis unanswered (BullMQ failed it, or it was removed) rejects its tasks
//    with a named error: the worker that failed it says so at once through the results list, a
//    check of the caller's jobs every few seconds catches what that misses.
//
// Per job the caller makes one round trip of its own (adding the job) and reads results with
// one blocking BLMPOP per wake-up, however many are waiting. It reads no BullMQ event stream
// (QueueEvents): that stream carries several events per job of every caller of the queue, and
// reading it cost more CPU than everything else the caller does per job.

import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Socket } from "node:net";
import { CloneError, WorkerLostError } from "../errors.js";
import { serializeError } from "../wire/errors.js";
import { ANONYMOUS_TASK, type FnSpec, type ToWorker } from "../wire/messages.js";
import { connectRedis, disconnectQuietly, hopelessConnection, redactedUrl, type RedisTarget } from "./connection.js";
import { ClusterConnectionError, ForbiddenTaskError, JobLostError, JobTooLargeError } from "./errors.js";
import { asBatch, decodeResults, encodeJob, failedResults, type JobData, type RemoteFnSpec, type RemoteResults } from "./job-codec.js";
import { clusterKeys, WORKER_STALE_MS, type ClusterKeys, type WorkerInfo } from "./keys.js";
import { portableModuleId } from "./module-identity.js";
import type { RemoteWorkerHandle } from "./remote-handle.js";
import { signJob, type Authkey } from "./signing.js";

export interface ClusterConfig {
  target: RedisTarget;
  queue: string;
  authkey?: Authkey;
  maxJobBytes: number;
  /** Seconds a caller's heartbeat outlives it. */
  callerTtl: number;
  /** Seconds without Redis before pending calls reject. */
  unavailableTimeout: number;
}

/** Job options: a finished job leaves nothing behind; a failed one stays an hour for the dashboard. */
const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: { age: 3600 } } as const;
const REGISTRY_REFRESH_MS = 2000;
const RESULTS_PER_POP = 1000;
/** How often the caller checks that its jobs are still in Redis (a job missing twice in a row is lost). */
const JOB_CHECK_MS = 5000;

interface InflightJob {
  id: string;
  handle: RemoteWorkerHandle;
  ids: number[];
  name: string;
  data: JobData;
  modules: string[];
  inline: boolean;
  /** Handed to BullMQ (so it may need removing, or queueing again after Redis lost it). */
  added: boolean;
  /** The connection epoch in which a check found it missing from Redis (lost if missing again then). */
  missingIn?: number;
}

interface Connections {
  cmd: Redis;
  blocker: Redis;
  queue: Queue;
}

export class ClusterClient {
  readonly callerId = randomBytes(8).toString("hex");
  readonly #config: ClusterConfig;
  readonly #keys: ClusterKeys;
  readonly #handles = new Set<RemoteWorkerHandle>();
  readonly #referenced = new Set<RemoteWorkerHandle>();
  readonly #fnSpecs = new Map<number, FnSpec>();
  readonly #inflight = new Map<string, InflightJob>();
  #pendingAdds: InflightJob[] = [];
  #flushScheduled = false;
  #seq = 0;
  #closed = false;
  #registry: WorkerInfo[] = [];
  /** Since when Redis has not answered (from the start until the first connection too). */
  #downSince: number | null = Date.now();
  #everUp = false;
  /** Counts Redis (re)connections: a job found missing before a reconnection may since have been queued again. */
  #epoch = 0;
  #lastError = "";
  /** Set once Redis has been away too long: new jobs fail with it until Redis is back. */
  #failure: ClusterConnectionError | null = null;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #connections: Promise<Connections>;

  constructor(config: ClusterConfig) {
    this.#config = config;
    this.#keys = clusterKeys(config.queue);
    this.#connections = this.#connect();
    this.#connections.catch((error: unknown) => this.#failAll(this.#unavailable(error)));
    this.#timers.push(setInterval(() => this.#watch(), 250));
    for (const t of this.#timers) t.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  attach(handle: RemoteWorkerHandle): void {
    this.#handles.add(handle);
    this.#referenced.add(handle);
    this.#applyRefs();
  }

  /** A handle exited; the last one to go closes the connections. */
  detach(handle: RemoteWorkerHandle): void {
    this.#handles.delete(handle);
    this.#referenced.delete(handle);
    if (this.#handles.size === 0) void this.close();
    else this.#applyRefs();
  }

  setRef(handle: RemoteWorkerHandle, ref: boolean): void {
    if (ref) this.#referenced.add(handle);
    else this.#referenced.delete(handle);
    this.#applyRefs();
  }

  /**
   * Queue one batch of the scheduler's as a job. What can be refused without Redis throws here,
   * so the scheduler fails those tasks at once: shared objects, an inline function without an
   * authkey, a job over the size limit, a Redis that has been away too long.
   */
  submit(handle: RemoteWorkerHandle, msg: ToWorker): void {
    if (this.#failure) throw this.#failure;
    const batch = asBatch(msg);
    if (!batch) return;
    if (batch.revive && batch.revive.length > 0) {
      throw new CloneError(
        "cluster Pool: shared objects (Queue, Lock, Value, SharedMemory, ...) live in one machine's memory and cannot " +
          "travel to cluster workers; pass plain data",
        "args",
      );
    }
    if (batch.defs) for (const [id, spec] of batch.defs) this.#fnSpecs.set(id, spec);
    const defs: [number, RemoteFnSpec][] = [];
    const modules: string[] = [];
    let inline = false;
    let label = "";
    for (const fnId of new Set(batch.fns)) {
      const spec = this.#fnSpecs.get(fnId);
      if (!spec) throw new Error(`cluster Pool: internal error: function ${fnId} was never defined`);
      if (spec.kind === "source") {
        if (this.#config.authkey === undefined) {
          throw new ForbiddenTaskError(
            `cluster Pool: "${spec.name}" is an inline function; cluster workers run only functions from their --tasks ` +
              `modules. Export it from a module and pass mp.tasksFrom(...).${spec.name === ANONYMOUS_TASK ? "name" : spec.name}, ` +
              `or opt in to inline functions: an authkey in mp.cluster({ authkey }) and workers started with --allow-inline and the same key`,
          );
        }
        inline = true;
        defs.push([fnId, spec]);
        label ||= spec.name;
      } else {
        const module = portableModuleId(spec.url, "cluster Pool");
        modules.push(module);
        defs.push([fnId, { kind: "module", module, exportName: spec.exportName }]);
        label ||= `${module}#${spec.exportName}`;
      }
    }
    const payload = encodeJob({ defs, ids: batch.ids, fns: batch.fns, kinds: batch.kinds, data: batch.data, args1: batch.args1 });
    if (payload.length > this.#config.maxJobBytes) {
      throw new JobTooLargeError(
        `cluster Pool: a job of ${payload.length} bytes (${batch.ids.length} task(s) of ${label}) is over the limit of ` +
          `${this.#config.maxJobBytes} bytes (maxJobBytes); pass smaller items or a smaller chunksize, or raise maxJobBytes`,
        payload.length,
        this.#config.maxJobBytes,
      );
    }
    const id = `${this.callerId}-${++this.#seq}`;
    const data: JobData = { c: this.callerId, p: payload.toString("base64") };
    if (this.#config.authkey !== undefined) data.s = signJob(this.#config.authkey, id, payload);
    const job: InflightJob = { id, handle, ids: batch.ids, name: label, data, modules, inline, added: false };
    this.#inflight.set(id, job);
    handle.jobs.add(id);
    this.#pendingAdds.push(job);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  /** Drop a handle's jobs: remove those still queued, tell the workers to stop those running. */
  cancel(handle: RemoteWorkerHandle): void {
    const ids = [...handle.jobs];
    handle.jobs.clear();
    const added: string[] = [];
    for (const id of ids) {
      const job = this.#inflight.get(id);
      this.#inflight.delete(id);
      if (job?.added) added.push(id);
    }
    if (added.length === 0) return;
    void this.#connections.then(async ({ cmd, queue }) => {
      for (const id of added) await queue.remove(id).catch(() => 0);
      await cmd.publish(this.#keys.cancel, added.join(" "));
    }).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#failAll(new ClusterConnectionError("The cluster pool was closed"));
    // Connections still being made are closed by #connect once it sees #closed.
    if (this.#conns) await this.#teardown(this.#conns);
  }

  async #teardown(conns: Connections): Promise<void> {
    disconnectQuietly(conns.blocker);
    // Tidying up is a courtesy: a Redis that is away does not keep the caller from closing.
    const briefly = (work: Promise<unknown>) => Promise.race([work.catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    await briefly(conns.cmd.del(this.#keys.caller(this.callerId), this.#keys.results(this.callerId)));
    await briefly(conns.queue.close());
    // A close that could not finish (no Redis) leaves BullMQ's own connections retrying: cut them.
    await briefly(conns.queue.disconnect());
    disconnectQuietly(conns.cmd);
  }

  // ---- connections ------------------------------------------------------------------------

  async #connect(): Promise<Connections> {
    const { Queue } = await import("bullmq");
    const cmd = await connectRedis(this.#config.target, `multiproc-caller-${this.callerId}`, () => this.#closed);
    cmd.on("error", (e: Error) => this.#onError(e));
    cmd.on("ready", () => this.#onUp(cmd));
    cmd.on("close", () => (this.#downSince ??= Date.now()));
    cmd.on("connect", () => this.#applyRefs());
    const blocker = cmd.duplicate();
    blocker.on("error", () => {});
    blocker.on("connect", () => this.#applyRefs());
    const queue = new Queue(this.#config.queue, { connection: cmd });
    queue.on("error", () => {});
    this.#conns = { cmd, blocker, queue };
    if (this.#closed) {
      await this.#teardown(this.#conns);
      throw new ClusterConnectionError("The cluster pool was closed");
    }
    this.#applyRefs();
    void this.#readResults(blocker);
    this.#timers.push(setInterval(() => void this.#heartbeat(cmd), (this.#config.callerTtl * 1000) / 3));
    this.#timers.push(setInterval(() => void this.#refreshRegistry(cmd), REGISTRY_REFRESH_MS));
    this.#timers.push(setInterval(() => void this.#checkJobs(cmd).catch(() => {}), JOB_CHECK_MS));
    for (const t of this.#timers) t.unref();
    await this.#heartbeat(cmd);
    await queue.waitUntilReady();
    await this.#refreshRegistry(cmd);
    return this.#conns;
  }

  #conns: Connections | undefined;

  /** A connection error: remembered for the watchdog; one that retrying cannot cure, before Redis ever answered, fails the calls now. */
  #onError(error: Error): void {
    this.#lastError = error.message;
    const why = this.#everUp || this.#failure ? null : hopelessConnection(error, this.#config.target.url);
    if (why === null) return;
    this.#failure = new ClusterConnectionError(`cluster Pool: ${why}; the cluster's pending calls were rejected`);
    this.#failAll(this.#failure);
  }

  async #onUp(cmd: Redis): Promise<void> {
    this.#downSince = null;
    this.#failure = null;
    this.#epoch++;
    const again = this.#everUp;
    this.#everUp = true;
    if (!again) return;
    // Redis came back: it may have lost everything (no persistence). Say we live, then queue
    // again the jobs it no longer has; a job that ran twice is answered once.
    await this.#heartbeat(cmd);
    const conns = await this.#connections;
    for (const job of [...this.#inflight.values()]) {
      if (!job.added || !this.#inflight.has(job.id)) continue;
      const state = await conns.queue.getJobState(job.id).catch(() => "error");
      if (state === "unknown" && this.#inflight.has(job.id)) {
        await conns.queue.add(job.name, job.data, { ...JOB_OPTIONS, jobId: job.id }).catch(() => {});
      }
    }
  }

  async #heartbeat(cmd: Redis): Promise<void> {
    if (this.#closed) return;
    await cmd.set(this.#keys.caller(this.callerId), "1", "PX", Math.round(this.#config.callerTtl * 1000)).catch(() => {});
  }

  async #refreshRegistry(cmd: Redis): Promise<void> {
    const all = await cmd.hgetall(this.#keys.workers).catch(() => null);
    if (!all) return;
    const now = Date.now();
    this.#registry = Object.values(all)
      .map((v) => {
        try {
          return JSON.parse(v) as WorkerInfo;
        } catch {
          return null;
        }
      })
      .filter((w): w is WorkerInfo => w !== null && now - w.at < WORKER_STALE_MS);
  }

  /** Keep the event loop alive only while some handle is referenced (the pool has work). */
  #applyRefs(): void {
    const conns = this.#conns;
    if (!conns) return;
    const ref = this.#referenced.size > 0 && !this.#closed;
    for (const conn of [conns.cmd, conns.blocker]) {
      const stream = (conn as unknown as { stream?: Socket }).stream;
      if (stream && typeof stream.ref === "function") {
        if (ref) stream.ref();
        else stream.unref();
      }
    }
  }

  // ---- jobs -------------------------------------------------------------------------------

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    let conns: Connections;
    try {
      conns = await this.#connections;
    } catch {
      return;
    }
    const jobs = this.#pendingAdds.splice(0).filter((j) => this.#inflight.has(j.id));
    const accepted: InflightJob[] = [];
    for (const job of jobs) {
      const refusal = this.#refusal(job);
      if (refusal) this.#fail(job, refusal);
      else accepted.push(job);
    }
    if (accepted.length === 0) return;
    for (const job of accepted) job.added = true;
    try {
      // One job (a slow function's, sent as a lane frees) by add(): addBulk builds an ioredis
      // Pipeline, which copies every script BullMQ defined on the connection into it.
      if (accepted.length === 1) await conns.queue.add(accepted[0]!.name, accepted[0]!.data, { ...JOB_OPTIONS, jobId: accepted[0]!.id });
      else await conns.queue.addBulk(accepted.map((j) => ({ name: j.name, data: j.data, opts: { ...JOB_OPTIONS, jobId: j.id } })));
    } catch (error) {
      for (const job of accepted) this.#fail(job, error);
    }
  }

  /** Whether the live workers refuse this job: none runs one of its modules, or none takes inline functions. */
  #refusal(job: InflightJob): ForbiddenTaskError | null {
    const live = this.#registry;
    if (live.length === 0) return null; // no worker yet: the first to come decides
    for (const module of job.modules) {
      if (live.some((w) => w.modules.includes(module))) continue;
      const allowed = [...new Set(live.flatMap((w) => w.modules))];
      return new ForbiddenTaskError(
        `cluster Pool: no worker of queue "${this.#config.queue}" runs the module ${module}; they run ` +
          `${allowed.length > 0 ? allowed.join(", ") : "no modules"}. Start workers with --tasks for it`,
      );
    }
    if (job.inline && !live.some((w) => w.inline)) {
      return new ForbiddenTaskError(
        `cluster Pool: no worker of queue "${this.#config.queue}" runs inline functions; start workers with --allow-inline ` +
          `(and the same authkey), or export the function from a --tasks module`,
      );
    }
    return null;
  }

  /**
   * Wait for results and take all that are there (up to RESULTS_PER_POP) in one BLMPOP (Redis 7);
   * on an older Redis, a BLPOP for the first and an LPOP for the rest.
   */
  async #readResults(blocker: Redis): Promise<void> {
    const key = this.#keys.results(this.callerId);
    let blmpop = true;
    while (!this.#closed) {
      try {
        if (blmpop) {
          const popped = (await blocker.callBuffer("BLMPOP", 0, 1, key, "LEFT", "COUNT", RESULTS_PER_POP)) as [Buffer, Buffer[]] | null;
          if (popped) for (const bytes of popped[1]) this.#onResults(decodeResults(bytes));
          continue;
        }
        const first = await blocker.blpopBuffer(key, 0);
        if (first) this.#onResults(decodeResults(first[1]));
        const more = await blocker.lpopBuffer(key, RESULTS_PER_POP);
        if (more) for (const bytes of more) this.#onResults(decodeResults(bytes));
      } catch (error) {
        if (this.#closed) return;
        if (blmpop && /unknown command/i.test((error as Error).message)) {
          blmpop = false;
          continue;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  #onResults(results: RemoteResults): void {
    if (results.failed !== undefined) return this.#onJobFailed(results.job, results.failed);
    const job = this.#inflight.get(results.job);
    if (!job) return; // answered already, or cancelled: a duplicate
    this.#inflight.delete(job.id);
    const { ids, values, errors, lost, busyMs } = results;
    job.handle.deliver(job.id, { t: "results", ids, values, errors, lost, busyMs });
  }

  /**
   * BullMQ gave up on a job: its workers died under it more than maxStalledCount times in a row
   * (or a worker failed it outright). The worker that failed it says so (worker-service.ts), or
   * #checkJobs finds it failed. Its tasks fail with WorkerLostError, and like a local
   * worker's death that counts against `retries`: with retries left, they run again as new jobs.
   */
  #onJobFailed(jobId: string, reason: string): void {
    const job = this.#inflight.get(jobId);
    if (!job) return;
    const why = /stalled more than/.test(reason) ? `its workers died under it too many times in a row (${reason})` : reason;
    const error = new WorkerLostError(`cluster Pool: job ${jobId} (${job.name}) failed in the cluster: ${why}`, {
      exitCode: null,
      signal: null,
      workerId: 0,
      task: job.name,
    });
    this.#fail(job, error, true);
  }

  /**
   * Every JOB_CHECK_MS: are the caller's queued and running jobs still in Redis? One pipelined
   * HMGET for them all. A failed one whose report was missed (the worker that failed it could
   * not reach Redis, or died) fails as #onJobFailed does; one missing on two
   * checks in a row without a reconnection between (its answer, pushed before BullMQ removed it,
   * would have arrived long since) was removed unanswered: JobLostError.
   */
  async #checkJobs(cmd: Redis): Promise<void> {
    if (this.#closed || this.#downSince !== null) return;
    const jobs = [...this.#inflight.values()].filter((j) => j.added);
    if (jobs.length === 0) return;
    const epoch = this.#epoch;
    const pipeline = cmd.pipeline();
    for (const job of jobs) pipeline.hmget(this.#keys.job(job.id), "timestamp", "finishedOn", "failedReason");
    pipeline.llen(this.#keys.results(this.callerId));
    const replies = (await pipeline.exec()) ?? [];
    if (epoch !== this.#epoch) return;
    // Answers still waiting in the results list: a missing job's may be among them.
    const unread = replies[jobs.length]?.[1] !== 0;
    jobs.forEach((job, i) => {
      const [error, fields] = replies[i] ?? [null, null];
      if (error || !Array.isArray(fields) || !this.#inflight.has(job.id)) return;
      const [timestamp, finishedOn, failedReason] = fields as (string | null)[];
      if (timestamp !== null) {
        job.missingIn = undefined;
        if (finishedOn !== null && failedReason !== null) this.#onJobFailed(job.id, failedReason);
      } else if (job.missingIn !== epoch || unread) {
        job.missingIn = epoch;
      } else {
        this.#fail(
          job,
          new JobLostError(
            `cluster Pool: job ${job.id} (${job.name}) left Redis unanswered: it was removed (from the dashboard or by ` +
              `hand), or the workers took this caller for dead and dropped it (its heartbeat lapses when its event loop ` +
              `is blocked for longer than callerTtl, ${this.#config.callerTtl} s)`,
          ),
        );
      }
    });
  }

  /** Fail every task of a job with `error`; `lost`: as its worker's death (retried within `retries`). */
  #fail(job: InflightJob, error: unknown, lost = false): void {
    if (!this.#inflight.delete(job.id)) return;
    const r = failedResults(job.id, job.ids, serializeError(error));
    const msg = { t: "results", ids: r.ids, values: r.values, errors: r.errors, busyMs: 0 } as const;
    job.handle.deliver(job.id, lost ? { ...msg, lost: r.ids.map((_, i) => i) } : msg);
  }

  #failAll(error: unknown): void {
    for (const job of [...this.#inflight.values()]) this.#fail(job, error);
  }

  #watch(): void {
    if (this.#closed || this.#downSince === null || this.#failure) return;
    if (Date.now() - this.#downSince < this.#config.unavailableTimeout * 1000) return;
    this.#failure = this.#unavailable();
    this.#failAll(this.#failure);
  }

  #unavailable(error?: unknown): ClusterConnectionError {
    const why = error instanceof Error ? error.message : this.#lastError;
    return new ClusterConnectionError(
      `Redis at ${redactedUrl(this.#config.target.url)} has not answered for ${this.#config.unavailableTimeout} s` +
        `${why ? ` (${why})` : ""}; the cluster's pending calls were rejected (unavailableTimeout)`,
    );
  }
}
