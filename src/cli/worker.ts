// `multiproc worker`: serve a cluster queue from this machine (src/cluster/worker-service.ts).

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cpuCount } from "../cpu.js";
import { checkQueueName, redisUrl } from "../cluster/connection.js";
import { WorkerService } from "../cluster/worker-service.js";
import type { Command } from "./main.js";

const usage = `Usage: multiproc worker --queue NAME --tasks ./tasks.js [--tasks ./more.js] [options]

Takes jobs from a cluster queue (mp.cluster({ redis, queue })) and runs their tasks on a local
pool of processes. It runs only exports of its --tasks modules.

Options:
  --redis URL        redis://[:password@]host:port or rediss:// (TLS); default: REDIS_URL
  --tls-ca FILE      PEM file of the CA that signed Redis's TLS certificate (a private
                     CA; NODE_EXTRA_CA_CERTS=FILE works too)
  --queue NAME       the queue to serve (required)
  --tasks FILE       a task module it may run; repeat for more (required)
  --processes N      local worker processes; default: the CPU count (${cpuCount()} here)
  --concurrency N    jobs taken at once; default: twice the processes
  --lock-ms MS       a job's lock without renewal: how soon a dead worker's jobs run
                     elsewhere; default 2000
  --max-stalled N    times a job may lose its worker and run again before it fails
                     with WorkerLostError; default 5
  --allow-inline     also run inline functions, from jobs signed with the authkey
                     (MULTIPROC_AUTHKEY, required with this flag)

The authkey comes from the MULTIPROC_AUTHKEY environment variable: with one, the worker runs
only jobs signed with it. SIGTERM or Ctrl-C: finish the running jobs, take no more, exit.`;

export const command: Command = {
  summary: "serve a cluster queue (mp.cluster) from this machine",
  usage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        redis: { type: "string" },
        queue: { type: "string" },
        tasks: { type: "string", multiple: true },
        processes: { type: "string" },
        concurrency: { type: "string" },
        "allow-inline": { type: "boolean" },
        "lock-ms": { type: "string" },
        "max-stalled": { type: "string" },
        "tls-ca": { type: "string" },
      },
      strict: true,
    });
    const where = "multiproc worker";
    const service = new WorkerService({
      target: { url: redisUrl(values.redis, where), tls: values["tls-ca"] === undefined ? undefined : { ca: readCa(values["tls-ca"]) } },
      queue: checkQueueName(values.queue, where),
      tasks: values.tasks ?? [],
      processes: count(values.processes, cpuCount(), "--processes"),
      concurrency: values.concurrency === undefined ? undefined : count(values.concurrency, 1, "--concurrency"),
      allowInline: values["allow-inline"] === true,
      authkey: process.env.MULTIPROC_AUTHKEY || undefined,
      lockMs: values["lock-ms"] === undefined ? undefined : count(values["lock-ms"], 2000, "--lock-ms"),
      maxStalled: values["max-stalled"] === undefined ? undefined : count(values["max-stalled"], 5, "--max-stalled", 0),
    });
    await service.start();
    console.log(`ready ${service.id}`);
    return new Promise<number>((resolve) => {
      let signals = 0;
      const stop = (signal: NodeJS.Signals) => {
        if (++signals > 1) {
          console.error(`multiproc worker: ${signal} again, exiting now`);
          process.exit(130);
        }
        console.error(`multiproc worker: ${signal}: finishing the running jobs, taking no more`);
        service.stop().then(
          () => resolve(0),
          (error: unknown) => {
            console.error(`multiproc worker: ${error instanceof Error ? error.message : String(error)}`);
            resolve(1);
          },
        );
      };
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    });
  },
};

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TypeError(`multiproc worker: --tls-ca ${file}: ${(error as Error).message}`);
  }
}

function count(value: string | undefined, fallback: number, flag: string, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`multiproc worker: ${flag} must be an integer >= ${min}, got ${value}`);
  return n;
}
