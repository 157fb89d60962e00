// `multiproc dashboard`: bull-board for a cluster's Redis (src/cluster/dashboard.ts).

import { parseArgs } from "node:util";
import { checkQueueName, redactedUrl, redisUrl } from "../cluster/connection.js";
import { dashboardInstallCommand, startDashboard } from "../cluster/dashboard.js";
import type { Command } from "./main.js";

const usage = `Usage: multiproc dashboard [--redis URL] [--port N] [--host HOST] [--queue NAME ...]

Serves bull-board, a web dashboard of the BullMQ queues in a Redis: the jobs of mp.cluster
pools waiting, running, failed, and the workers' activity. Its packages are optional peer
dependencies of multiproc, not installed with it; install them in your project with
  ${dashboardInstallCommand()}

Options:
  --redis URL    redis://[:password@]host:port or rediss:// (TLS); default: REDIS_URL
  --port N       port to serve on; default 3000 (0: any free port)
  --host HOST    address to listen on; default 127.0.0.1 (the dashboard can remove jobs:
                 expose it only behind your own authentication)
  --queue NAME   show only this queue; repeat for more; default: every queue found`;

export const command: Command = {
  summary: "serve bull-board, a web dashboard of a cluster's queues",
  usage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { redis: { type: "string" }, port: { type: "string" }, host: { type: "string" }, queue: { type: "string", multiple: true } },
      strict: true,
    });
    const where = "multiproc dashboard";
    const port = values.port === undefined ? 3000 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${where}: --port must be 0-65535, got ${values.port}`);
    const url = redisUrl(values.redis, where);
    const dashboard = await startDashboard({
      target: { url },
      port,
      host: values.host ?? "127.0.0.1",
      queues: values.queue?.map((q) => checkQueueName(q, where)),
    });
    console.log(`multiproc dashboard for ${redactedUrl(url)}: ${dashboard.url}`);
    return new Promise<number>((resolve) => {
      const stop = () => void dashboard.close().then(() => resolve(0), () => resolve(1));
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
  },
};
