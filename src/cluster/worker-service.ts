// `multiproc worker`: serves one queue from one machine. A BullMQ Worker takes jobs; a local
// process Pool runs their tasks, so the worker's own event loop stays free to renew job locks
// (a short lock: a worker killed mid-job has its jobs rerun elsewhere within seconds).
//
// What it runs (the security model): exports of the modules it was started with (--tasks),
// named portably (module-identity.ts); inline functions only with --allow-inline and an authkey;
// with an authkey, only jobs signed with it. Anything else is refused, reported to the caller as
// a ForbiddenTaskError and logged, never run. Jobs of a caller that is gone are dropped.
//
// Per job it adds no round trip of its own to BullMQ's (which finishes a job and fetches the next
// in one): the reply (one script: RPUSH and PEXPIRE) travels in the same write as BullMQ's
// completion of the job, and the caller's heartbeat is looked at once a second per caller at
// most. A job BullMQ fails (its workers died under it too often) is reported to its caller
// through the same results list, so callers need no QueueEvents stream reader.

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { Pool } from "../pool/pool.js";
import { tasksFrom, type TaskFunction } from "../fn/task-function.js";
import { serializeError } from "../wire/errors.js";
import { connectRedis, disconnectQuietly, hopelessConnection, redactedUrl, type RedisTarget } from "./connection.js";
import { ClusterConnectionError, ForbiddenTaskError } from "./errors.js";
import { decodeJob, encodeResults, failedResults, type JobData, type RemoteBatch, type RemoteResults } from "./job-codec.js";
import { callerOfJob, clusterKeys, type ClusterKeys, type WorkerInfo } from "./keys.js";
import { portableModuleId } from "./module-identity.js";
import { verifyJob, type Authkey } from "./signing.js";
import { runBatch } from "./task-runner.js";

type Fn = (...args: never[]) => unknown;

export interface WorkerServiceOptions {
  target: RedisTarget;
  queue: string;
  /** Task module files (paths or file URLs): the allow-list. */
  tasks: string[];
  processes: number;
  /** Jobs taken at once; default twice the processes, so a process never waits for the next job. */
  concurrency?: number;
  allowInline?: boolean;
  authkey?: Authkey;
  /** Milliseconds a job's lock lasts without renewal: how soon a dead worker's jobs run elsewhere. Default 2000. */
  lockMs?: number;
  /** Times a job may lose its worker (lock lapsed) and run again before BullMQ fails it. Default 5. */
  maxStalled?: number;
  log?: (line: string) => void;
}

const REGISTRY_REFRESH_MS = 2000;
/** How often one of the workers looks for dead callers' jobs among the oldest waiting ones, and how many it looks at. */
const SWEEP_MS = 5000;
const SWEEP_JOBS = 5000;
/** A results list nobody reads (its caller died) expires. */
const RESULTS_TTL_MS = 10 * 60 * 1000;
/**
 * How long a caller seen alive is taken to still be (never longer than its heartbeat's remaining
 * TTL): one PTTL a second per caller instead of one EXISTS per job. A caller that closes deletes
 * its heartbeat; its jobs still queued may then run for up to this long before they are dropped
 * (their results expire unread).
 */
const CALLER_SEEN_MS = 1000;
/** The reply: push a job's results and keep the list from outliving its caller, in one round trip. */
const REPLY_SCRIPT = `redis.call("RPUSH", KEYS[1], ARGV[1])
return redis.call("PEXPIRE", KEYS[1], ARGV[2])`;

type ReplyCommand = (key: string, results: Buffer, ttlMs: number) => Promise<unknown>;

export class WorkerService {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  readonly #opts: WorkerServiceOptions;
  readonly #keys: ClusterKeys;
  readonly #allowed = new Map<string, string>(); // portable id -> local file URL
  readonly #running = new Map<string, AbortController>();
  readonly #inline = new Map<string, Fn>();
  /** Caller id -> Date.now() until which it is taken to be alive (CALLER_SEEN_MS). */
  readonly #callersSeen = new Map<string, number>();
  /** A look at a caller's heartbeat under way: the jobs taken meanwhile share it. */
  readonly #callersAsked = new Map<string, Promise<boolean>>();
  readonly #log: (line: string) => void;
  #pool: Pool | undefined;
  #worker: Worker | undefined;
  #cmd: Redis | undefined;
  #sub: Redis | undefined;
  #workerConn: Redis | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #queue: Queue | undefined;
  #stopping: Promise<void> | undefined;
  /** Jobs dropped because their caller was gone, and jobs refused: for logs and tests. */
  dropped = 0;
  refused = 0;

  constructor(opts: WorkerServiceOptions) {
    this.#opts = opts;
    this.#keys = clusterKeys(opts.queue);
    this.#log = opts.log ?? ((line) => console.error(line));
    if (opts.allowInline && opts.authkey === undefined) {
      throw new TypeError("multiproc worker: --allow-inline needs an authkey (MULTIPROC_AUTHKEY), so that only signed jobs run source");
    }
    for (const spec of opts.tasks) {
      const url = spec.startsWith("file:") ? spec : pathToFileURL(resolve(spec)).href;
      if (!existsSync(new URL(url))) throw new TypeError(`multiproc worker: --tasks ${spec}: no such file`);
      this.#allowed.set(portableModuleId(url, "multiproc worker"), url);
    }
    if (this.#allowed.size === 0 && !opts.allowInline) throw new TypeError("multiproc worker: give at least one --tasks module");
  }

  /** The portable ids of the modules it runs. */
  get modules(): string[] {
    return [...this.#allowed.keys()];
  }

  /**
   * Connect and start taking jobs. A connection error that retrying cannot cure (an untrusted
   * TLS certificate, a wrong password) rejects with ClusterConnectionError, before anything else
   * is started; other errors are waited through (Redis may be starting).
   */
  async start(): Promise<void> {
    const cmd = (this.#cmd = await connectRedis(this.#opts.target, `multiproc-worker-${this.id}`));
    cmd.defineCommand("multiprocReply", { numberOfKeys: 1, lua: REPLY_SCRIPT });
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => {
          const why = hopelessConnection(error, this.#opts.target.url);
          if (why !== null) reject(new ClusterConnectionError(`multiproc worker: ${why}`));
        };
        cmd.on("error", onError);
        cmd.once("ready", () => {
          cmd.off("error", onError);
          resolve();
        });
      });
    } catch (error) {
      disconnectQuietly(cmd);
      throw error;
    }
    await this.#start(cmd);
  }

  async #start(cmd: Redis): Promise<void> {
    const { Queue: BullQueue, Worker, WaitingError } = await import("bullmq");
    const { target, queue, processes } = this.#opts;
    this.#pool = new Pool({ processes, context: "process", callerStacks: false });
    const sub = (this.#sub = cmd.duplicate());
    sub.on("error", () => {});
    sub.on("message", (_channel: string, ids: string) => {
      for (const id of ids.split(" ")) this.#running.get(id)?.abort();
    });
    await sub.subscribe(this.#keys.cancel);
    await this.#register();
    this.#timer = setInterval(() => void this.#register(), REGISTRY_REFRESH_MS);
    this.#queue = new BullQueue(queue, { connection: cmd });
    this.#queue.on("error", () => {});
    this.#sweepTimer = setInterval(() => void this.#sweep().catch(() => {}), SWEEP_MS);
    const lockDuration = this.#opts.lockMs ?? 2000;
    const workerConn = (this.#workerConn = cmd.duplicate());
    workerConn.on("error", () => {});
    workerConn.defineCommand("multiprocReply", { numberOfKeys: 1, lua: REPLY_SCRIPT });
    this.#worker = new Worker(queue, (job: Job, token?: string) => this.#process(job, token, WaitingError), {
      connection: workerConn,
      concurrency: this.#opts.concurrency ?? processes * 2,
      lockDuration,
      stalledInterval: Math.max(250, lockDuration / 2),
      maxStalledCount: this.#opts.maxStalled ?? 5,
    });
    this.#worker.on("error", (e) => this.#log(`multiproc worker: ${e.message}`));
    this.#worker.on("failed", (job, error) => void this.#onFailed(job, error).catch(() => {}));
    await this.#worker.waitUntilReady();
    this.#log(
      `multiproc worker ${this.id}: serving queue "${queue}" at ${redactedUrl(target.url)} with ${processes} processes; ` +
        `tasks: ${this.modules.join(", ") || "(none)"}${this.#opts.allowInline ? "; inline functions allowed (signed)" : ""}`,
    );
  }

  /** Finish the jobs being run, take no more, then stop the local pool. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    await this.#worker?.close();
    if (this.#pool) {
      this.#pool.close();
      await this.#pool.join();
    }
    await this.#cmd?.hdel(this.#keys.workers, this.id).catch(() => 0);
    await this.#queue?.close().catch(() => {});
    this.#closeConnections();
  }

  #closeConnections(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    disconnectQuietly(this.#sub);
    disconnectQuietly(this.#workerConn);
    disconnectQuietly(this.#cmd);
  }

  async #register(): Promise<void> {
    const now = Date.now();
    for (const [caller, until] of this.#callersSeen) if (until <= now) this.#callersSeen.delete(caller);
    const info: WorkerInfo = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      processes: this.#opts.processes,
      modules: this.modules,
      inline: this.#opts.allowInline === true,
      at: Date.now(),
    };
    await this.#cmd?.hset(this.#keys.workers, this.id, JSON.stringify(info)).catch(() => 0);
  }

  /**
   * Jobs of dead callers leave the queue within about callerTtl + SWEEP_MS even while every
   * worker is busy: one worker a round looks at the oldest waiting jobs (the next to run) and
   * removes those whose caller's heartbeat is gone. Workers also drop such jobs as they take them.
   */
  async #sweep(): Promise<void> {
    const cmd = this.#cmd!;
    if ((await cmd.set(this.#keys.sweep, this.id, "PX", SWEEP_MS - 500, "NX")) !== "OK") return;
    const byCaller = new Map<string, string[]>();
    for (const id of await cmd.lrange(this.#keys.waiting, -SWEEP_JOBS, -1)) {
      const caller = callerOfJob(id);
      if (caller === null) continue;
      const ids = byCaller.get(caller);
      if (ids) ids.push(id);
      else byCaller.set(caller, [id]);
    }
    for (const [caller, ids] of byCaller) {
      if ((await cmd.exists(this.#keys.caller(caller))) === 1) continue;
      let removed = 0;
      for (const id of ids) removed += await this.#queue!.remove(id).catch(() => 0);
      this.dropped += removed;
      if (removed > 0) this.#log(`multiproc worker: ${removed} queued job(s) dropped: their caller ${caller} is gone`);
    }
  }

  async #process(job: Job, token: string | undefined, WaitingError: new () => Error): Promise<void> {
    const data = job.data as JobData;
    const jobId = job.id ?? "";
    if (this.#stopping) {
      // Taken by a fetch that was under way when the worker was told to stop: give it back for
      // another worker (WaitingError tells BullMQ the job is not finished).
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (!data || typeof data.c !== "string" || typeof data.p !== "string") {
      this.refused++;
      this.#log(`multiproc worker: job ${jobId} is not a multiproc job; refused`);
      return;
    }
    if (!(await this.#callerAlive(data.c))) {
      this.dropped++;
      this.#log(`multiproc worker: job ${jobId} dropped: its caller is gone`);
      return;
    }
    const payload = Buffer.from(data.p, "base64");
    let batch: RemoteBatch;
    try {
      batch = decodeJob(payload);
    } catch {
      this.refused++;
      this.#log(`multiproc worker: job ${jobId} could not be read; refused`);
      return;
    }
    const authkey = this.#opts.authkey;
    if (authkey !== undefined && !verifyJob(authkey, jobId, payload, data.s)) {
      return this.#refuse(data.c, jobId, batch, `job ${jobId} is ${data.s ? "signed with another key" : "not signed"}; this worker runs only jobs signed with its authkey`);
    }
    const functions = new Map<number, TaskFunction<Fn>>();
    for (const [fnId, spec] of batch.defs) {
      if (spec.kind === "module") {
        const url = this.#allowed.get(spec.module);
        if (!url) return this.#refuse(data.c, jobId, batch, `the module ${spec.module} is not one this worker runs (${this.modules.join(", ") || "none"}); start it with --tasks for it`);
        functions.set(fnId, (tasksFrom(url) as Record<string, TaskFunction<Fn>>)[spec.exportName]!);
      } else {
        if (!this.#opts.allowInline || authkey === undefined) {
          return this.#refuse(data.c, jobId, batch, `"${spec.name}" is an inline function; this worker runs only its --tasks modules (start it with --allow-inline and an authkey to run signed inline functions)`);
        }
        functions.set(fnId, this.#compile(spec.source));
      }
    }
    const controller = new AbortController();
    this.#running.set(jobId, controller);
    try {
      const results = await runBatch(this.#pool!, jobId, batch, functions, controller.signal);
      if (!controller.signal.aborted) this.#reply(data.c, results);
    } finally {
      this.#running.delete(jobId);
    }
  }

  /**
   * Whether the caller's heartbeat is there: asked at most once per CALLER_SEEN_MS per caller, and
   * once at a time (the jobs taken together at the start of a map would each have asked).
   */
  #callerAlive(caller: string): Promise<boolean> | true {
    const until = this.#callersSeen.get(caller);
    if (until !== undefined && Date.now() < until) return true;
    let asking = this.#callersAsked.get(caller);
    if (!asking) {
      asking = this.#askCaller(caller).finally(() => this.#callersAsked.delete(caller));
      this.#callersAsked.set(caller, asking);
    }
    return asking;
  }

  async #askCaller(caller: string): Promise<boolean> {
    const now = Date.now();
    // PTTL: -2 when the key is gone, -1 when it has no expiry (kept by hand), else the ms it has left.
    const ttl = await this.#cmd!.pttl(this.#keys.caller(caller));
    if (ttl === -2) {
      this.#callersSeen.delete(caller);
      return false;
    }
    this.#callersSeen.set(caller, now + (ttl < 0 ? CALLER_SEEN_MS : Math.min(ttl, CALLER_SEEN_MS)));
    return true;
  }

  /**
   * BullMQ failed a job (it stalled more than --max-stalled times: its workers died under it; or
   * its processing threw): tell its caller through its results list, where it rejects the job's
   * tasks with WorkerLostError. The caller's periodic check of its jobs catches a report lost here.
   */
  async #onFailed(job: Job | undefined, error: Error): Promise<void> {
    const data = job?.data as JobData | undefined;
    if (!job?.id || !data || typeof data.c !== "string") return;
    await this.#push(data.c, { job: job.id, ids: [], values: [], busyMs: 0, failed: error.message || String(error) });
  }

  async #refuse(caller: string, jobId: string, batch: RemoteBatch, why: string): Promise<void> {
    this.refused++;
    this.#log(`multiproc worker: refused ${why}`);
    this.#reply(caller, failedResults(jobId, batch.ids, serializeError(new ForbiddenTaskError(`multiproc worker ${this.id}: ${why}; nothing ran`))));
  }

  /**
   * Answer a job as its processing returns: on BullMQ's own connection, corked until the end of
   * this tick, so that BullMQ's completion of the job (moveToFinished, issued in the same tick
   * once the processor returns) leaves in the same write, and Redis runs the two in order: the
   * results are in the list before the job leaves Redis. Not awaited (that would send the
   * completion a round trip later); if the reply fails, so does most likely the completion on
   * the same connection (the job runs again, its duplicate answer is dropped), else the caller's
   * check of its jobs finds the job gone unanswered (JobLostError). Errors are logged.
   */
  #reply(caller: string, results: RemoteResults): void {
    const conn = this.#workerConn!;
    const stream = (conn as unknown as { stream?: import("node:net").Socket }).stream;
    if (stream && conn.status === "ready" && stream.writableCorked === 0) {
      stream.cork();
      process.nextTick(() => stream.uncork());
    }
    this.#send(conn, caller, results).catch((error: Error) => this.#log(`multiproc worker: could not answer job ${results.job}: ${error.message}`));
  }

  /** A message for a caller's results list, on its own (a failure report), awaited. */
  async #push(caller: string, results: RemoteResults): Promise<void> {
    await this.#send(this.#cmd!, caller, results);
  }

  async #send(conn: Redis, caller: string, results: RemoteResults): Promise<void> {
    // One script, not MULTI: ioredis builds a Pipeline for a MULTI, copying every script BullMQ
    // defined on the connection (~50) into it, which cost more CPU than the round trip.
    const reply = (conn as unknown as { multiprocReply: ReplyCommand }).multiprocReply;
    await reply.call(conn, this.#keys.results(caller), encodeResults(results), RESULTS_TTL_MS);
  }

  /** A signed inline function, as the function object the local pool sends on by source. */
  #compile(source: string): Fn {
    let fn = this.#inline.get(source);
    if (!fn) {
      // Only creates the function (its body runs in the local pool's workers); reached only for
      // jobs whose signature matched, on a worker started with --allow-inline.
      fn = new Function(`return (${source});`)() as Fn;
      this.#inline.set(source, fn);
    }
    return fn;
  }
}
