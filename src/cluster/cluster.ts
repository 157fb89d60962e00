// mp.cluster({ redis, queue }): the same Pool, with its workers on any number of machines.
// `new cluster.Pool()` is a local Pool (src/pool/) whose backend is the cluster: each of its
// "workers" is a lane of jobs on a BullMQ queue (remote-handle.ts), served by every
// `multiproc worker` started on that queue (worker-service.ts).

import type { SpawnWorker } from "../backends/backend.js";
import type { Context } from "../context.js";
import { Pool } from "../pool/pool.js";
import { ClusterClient, type ClusterConfig } from "./client.js";
import { checkQueueName, redactedUrl, redisUrl } from "./connection.js";
import { RemoteWorkerHandle } from "./remote-handle.js";
import type { Authkey } from "./signing.js";
import type { ConnectionOptions as TlsOptions } from "node:tls";

/** Options of mp.cluster(): where the Redis server is and which queue the workers serve. */
export interface ClusterOptions {
  /** redis://[:password@]host:port or rediss:// (TLS); default: the REDIS_URL environment variable. */
  redis?: string;
  /** The BullMQ queue the workers serve (`multiproc worker --queue`). */
  queue: string;
  /**
   * Shared secret: jobs are signed with it (HMAC-SHA256), and workers started with the same key
   * run only signed jobs. Needed for inline functions (workers need --allow-inline as well).
   * Default: the MULTIPROC_AUTHKEY environment variable, if set.
   */
  authkey?: Authkey;
  /** TLS options for rediss:// URLs (a private CA, client certificates). */
  tls?: TlsOptions;
  /** The largest job (one chunk, serialized) that may be queued, in bytes; default 64 MiB. */
  maxJobBytes?: number;
  /** Seconds after a caller's death that its queued jobs are dropped; default 15. */
  callerTtl?: number;
  /** Seconds without Redis before pending calls reject with ClusterConnectionError; default 30. */
  unavailableTimeout?: number;
}

/** Options of a cluster's Pool (`new cluster.Pool(options)`). */
export interface ClusterPoolOptions {
  /**
   * How many jobs' lanes the pool keeps busy: like a local pool's processes, it sets map's
   * default chunksize (items / (4 x processes)) and how much work is in flight. Default 32;
   * the total of the workers' --processes is a good value.
   */
  processes?: number;
  /** Add the caller's stack to errors from tasks (default true). */
  callerStacks?: boolean;
}

/** What mp.cluster() returns: a queue on Redis and the Pool class whose tasks run on its workers. */
export interface Cluster {
  /** The queue's name. */
  readonly queue: string;
  /** The Redis URL, without its password. */
  readonly redis: string;
  /** A Pool whose tasks run on the queue's workers: `new cluster.Pool()`, `new cluster.Pool(64)`. */
  readonly Pool: new (processesOrOptions?: number | ClusterPoolOptions) => Pool;
}

export const DEFAULT_CLUSTER_PROCESSES = 32;

/**
 * The same Pool over Redis (BullMQ): tasks run on the workers started with
 * `npx multiproc worker --redis ... --queue ...` on any machine.
 */
export function cluster(options: ClusterOptions): Cluster {
  const where = "mp.cluster()";
  if (typeof options !== "object" || options === null) throw new TypeError(`${where}: expected { redis, queue }`);
  const config: ClusterConfig = {
    target: { url: redisUrl(options.redis, where), tls: options.tls },
    queue: checkQueueName(options.queue, where),
    authkey: options.authkey ?? (process.env.MULTIPROC_AUTHKEY || undefined),
    maxJobBytes: positive(options.maxJobBytes, 64 * 1024 * 1024, "maxJobBytes", where),
    callerTtl: positive(options.callerTtl, 15, "callerTtl", where),
    unavailableTimeout: positive(options.unavailableTimeout, 30, "unavailableTimeout", where),
  };
  if (config.authkey !== undefined && !(typeof config.authkey === "string" || config.authkey instanceof Uint8Array) || config.authkey?.length === 0) {
    throw new TypeError(`${where}: authkey must be a non-empty string or Uint8Array`);
  }

  class ClusterPool extends Pool {
    constructor(processesOrOptions?: number | ClusterPoolOptions) {
      const opts: ClusterPoolOptions =
        typeof processesOrOptions === "object" && processesOrOptions !== null ? processesOrOptions : { processes: processesOrOptions };
      for (const key of Object.keys(opts)) {
        if (key !== "processes" && key !== "callerStacks") {
          throw new TypeError(
            `cluster Pool: option "${key}" is not available on a cluster (workers are started by \`multiproc worker\`, ` +
              `which sets their processes and modules); it takes processes and callerStacks`,
          );
        }
      }
      // One client per pool: its caller id, heartbeat and results list live and die with it.
      let client: ClusterClient | null = null;
      const spawn: SpawnWorker = (spawnOptions) => {
        if (client === null || client.closed) client = new ClusterClient(config);
        const handle = new RemoteWorkerHandle(client, spawnOptions);
        client.attach(handle);
        return handle;
      };
      // The scheduler takes any context that brings its own backend (start-method.ts).
      const context = { name: "process", spawn } as unknown as Context;
      super({ processes: opts.processes ?? DEFAULT_CLUSTER_PROCESSES, callerStacks: opts.callerStacks, context });
    }
  }

  return Object.freeze({ queue: config.queue, redis: redactedUrl(config.target.url), Pool: ClusterPool });
}

function positive(value: number | undefined, fallback: number, name: string, where: string): number {
  if (value === undefined) return fallback;
  if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${where}: ${name} must be a number > 0, got ${String(value)}`);
  }
  return value;
}
