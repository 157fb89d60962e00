// `multiproc dashboard`: bull-board (the dashboard BullMQ users know) for a Redis's queues, served
// by Hono on Node's http server. Queues are found by their BullMQ keys and refreshed as they come
// and go. Its packages are loaded only here, so nothing else pays for them.

import type { Server } from "node:http";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { connectRedis, type RedisTarget } from "./connection.js";

export interface DashboardOptions {
  target: RedisTarget;
  /** TCP port; 0 picks a free one. */
  port: number;
  host: string;
  /** Show only these queues; default: every BullMQ queue in the Redis. */
  queues?: string[];
}

export interface Dashboard {
  /** Where it serves, e.g. http://127.0.0.1:3000/ */
  readonly url: string;
  close(): Promise<void>;
}

const REFRESH_MS = 5000;

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { serveStatic }, { serve }, { Hono }, { Queue: BullQueue }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/hono"),
    import("@hono/node-server/serve-static"),
    import("@hono/node-server"),
    import("hono"),
    import("bullmq"),
  ]);
  const redis = await connectRedis(opts.target, "multiproc-dashboard");
  const queues = new Map<string, Queue>();
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath("/");
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: "multiproc" } } });

  const refresh = async () => {
    const names = opts.queues ?? (await queueNames(redis));
    for (const name of names) {
      if (queues.has(name)) continue;
      const queue = new BullQueue(name, { connection: redis });
      queue.on("error", () => {});
      queues.set(name, queue);
      board.addQueue(new BullMQAdapter(queue));
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => {}), REFRESH_MS);

  const app = new Hono();
  app.route("/", serverAdapter.registerPlugin());
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, () => resolve(s as Server));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    url: `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}/`,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      redis.disconnect();
    },
  };
}

/** The BullMQ queues in a Redis: each has a `bull:<name>:meta` key. */
async function queueNames(redis: Redis): Promise<string[]> {
  const names = new Set<string>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", "bull:*:meta", "COUNT", 1000);
    cursor = next;
    for (const key of keys) names.add(key.slice("bull:".length, -":meta".length));
  } while (cursor !== "0");
  return [...names].sort();
}

