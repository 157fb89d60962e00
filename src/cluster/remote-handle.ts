// A pool worker slot whose work goes to the cluster: the Pool's scheduler (src/pool/) sends it
// batches as it would to a local worker, and each batch becomes one BullMQ job that any
// `multiproc worker` may take. So chunking, batching, ordering, error rebuilding, timeouts and
// option checks are the local Pool's own; this file only answers the backend interface
// (backends/backend.ts). "Killing" it cancels its jobs; it "exits" once told to and its jobs are answered.

import type { ExitInfo, SpawnOptions, WorkerHandle } from "../backends/backend.js";
import type { FromWorker, ToWorker } from "../wire/messages.js";
import type { ClusterClient } from "./client.js";

let handles = 0;

export class RemoteWorkerHandle implements WorkerHandle {
  readonly context = "process" as const;
  /** Its work runs elsewhere; the caller's own pid stands in. */
  readonly pid = process.pid;
  readonly id = -++handles;
  /** Ids of its jobs that are queued or running and not yet answered. */
  readonly jobs = new Set<string>();
  #exiting = false;
  #exited = false;

  constructor(
    private readonly client: ClusterClient,
    private readonly options: SpawnOptions,
  ) {}

  send(msg: ToWorker): void {
    if (this.#exited) return;
    if (!Array.isArray(msg)) {
      if (msg.t === "init") {
        // Ready at once: jobs wait in the client until Redis answers, and fail clearly if it never does.
        queueMicrotask(() => !this.#exited && this.options.onMessage({ t: "ready" }));
        return;
      }
      if (msg.t === "exit") {
        this.#exiting = true;
        this.#maybeExit();
        return;
      }
      if (msg.t === "process") throw new TypeError("A cluster runs Pool tasks, not Process targets");
    }
    this.client.submit(this, msg);
  }

  /** A job's answer (or its failure), from the client; each job is answered at most once. */
  deliver(jobId: string, msg: FromWorker): void {
    if (!this.jobs.delete(jobId)) return;
    if (!this.#exited) this.options.onMessage(msg);
    this.#maybeExit();
  }

  terminate(): void {
    this.kill();
  }

  kill(): void {
    if (this.#exited) return;
    this.client.cancel(this);
    this.#exit({ code: null, signal: "SIGKILL" });
  }

  ref(): void {
    this.client.setRef(this, true);
  }

  unref(): void {
    this.client.setRef(this, false);
  }

  #maybeExit(): void {
    if (this.#exiting && this.jobs.size === 0 && !this.#exited) this.#exit({ code: 0, signal: null });
  }

  #exit(info: ExitInfo): void {
    this.#exited = true;
    setImmediate(() => {
      this.client.detach(this);
      this.options.onExit(info);
    });
  }
}
