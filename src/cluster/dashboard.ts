// `multiproc dashboard`: bull-board (the dashboard BullMQ users know) for a Redis's queues, served
// by Hono on Node's http server. Queues are found by their BullMQ keys and refreshed as they come
// and go. Its packages are loaded only here, and are optional peer dependencies of multiproc
// (package.json), installed only by those who want the dashboard: without them it says which are
// missing and how to install them (DashboardUnavailableError), before it connects to anything.

import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { connectRedis, type RedisTarget } from "./connection.js";
import { DashboardUnavailableError } from "./errors.js";

/** The packages only the dashboard loads: optional peer dependencies of multiproc, as tsx is. */
export const DASHBOARD_PACKAGES = ["@bull-board/api", "@bull-board/hono", "@hono/node-server", "hono"] as const;

/**
 * `npm install` for these packages, at the versions package.json's peerDependencies give; a range
 * with characters a shell reads (`^`, `<`, `|`, ...) is in double quotes, which sh, zsh, PowerShell
 * and cmd.exe all take (cmd.exe would drop a bare `^`).
 */
export function dashboardInstallCommand(names: readonly string[] = DASHBOARD_PACKAGES): string {
  let ranges: Record<string, string> = {};
  try {
    // src/cluster/ and dist/cluster/ are both two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { peerDependencies?: Record<string, string> };
    ranges = pkg.peerDependencies ?? {};
  } catch {
    // Without package.json (a bundle): the names alone, at npm's latest.
  }
  const spec = (name: string) => {
    const s = ranges[name] ? `${name}@${ranges[name]}` : name;
    return /^[\w@./:-]+$/.test(s) ? s : `"${s}"`;
  };
  return `npm install ${names.map(spec).join(" ")}`;
}

/** Throws DashboardUnavailableError when any of DASHBOARD_PACKAGES cannot be found from here. */
export function checkDashboardPackages(): void {
  const missing = DASHBOARD_PACKAGES.filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch (err) {
      // Found but broken (e.g. no entry point) is not "missing": importing it will say what is wrong.
      return (err as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND";
    }
  });
  if (missing.length === 0) return;
  const install = dashboardInstallCommand(missing);
  const them = missing.length === 1 ? "it" : "them";
  throw new DashboardUnavailableError(
    `the dashboard needs ${missing.length === 1 ? "a package that is" : "packages that are"} not installed: ${missing.join(", ")} ` +
      `(optional peer dependencies of multiproc, which only the dashboard uses). Install ${them} with:\n  ${install}`,
    missing,
    install,
  );
}

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

/** Serve the dashboard. Rejects with DashboardUnavailableError when its packages are not installed. */
export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  checkDashboardPackages();
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

