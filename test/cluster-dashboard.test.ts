// `multiproc dashboard`: bull-board for a cluster's Redis, loaded in headless Chromium (Debian's
// `chromium`), which must find the queue. Skipped, loudly, without Redis or without Chromium.

import assert from "node:assert/strict";
import { execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import * as mp from "multiproc";
import { cleanQueue, CLI, queueName, REDIS_URL, skipWithoutRedis, startWorker, stopWorkers, TASKS, type WorkerProcess } from "./fixtures/cluster-harness.js";

const CHROMIUM = process.env.CHROMIUM ?? "chromium";
const haveChromium = spawnSync(CHROMIUM, ["--version"]).status === 0;
const skipRedis = await skipWithoutRedis("test/cluster-dashboard.test.ts");
if (!haveChromium) console.warn(`\n!! ${CHROMIUM} is not installed: the dashboard's browser test was SKIPPED (apt-get install chromium)\n`);
const skip = skipRedis || (haveChromium ? false : `${CHROMIUM} is not installed: apt-get install chromium (Debian) to run this test`);

/** Chromium's rendering of `url` after its scripts ran (a fresh profile, nothing from the network but `url`). */
export async function chromiumDom(url: string, screenshot?: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "mp-chromium-"));
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${profile}`,
    "--virtual-time-budget=15000",
    "--window-size=1280,720",
  ];
  if (screenshot) await promisify(execFile)(CHROMIUM, [...flags, `--screenshot=${screenshot}`, url], { timeout: 120_000 });
  const { stdout } = await promisify(execFile)(CHROMIUM, [...flags, "--dump-dom", url], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

const workers: WorkerProcess[] = [];
const queue = queueName("dashboard");
after(async () => {
  await stopWorkers(...workers);
  if (!skip) await cleanQueue(queue);
});

test("multiproc dashboard serves bull-board, and Chromium finds the cluster's queue on the page", { skip, timeout: 240_000 }, async () => {
  workers.push(await startWorker(queue));
  const tasks = mp.tasksFrom<typeof import("./fixtures/cluster-tasks.mjs")>(new URL(`file://${TASKS}`));
  {
    await using pool = new (mp.cluster({ redis: REDIS_URL, queue }).Pool)(2);
    assert.deepEqual(await pool.map(tasks.square, [1, 2, 3]), [1, 4, 9]);
  }
  const dashboard = spawn(process.execPath, [CLI, "dashboard", "--redis", REDIS_URL, "--port", "0", "--queue", queue], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    let out = "";
    dashboard.stdout!.on("data", (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the dashboard did not start: ${out}`)), 60_000);
      dashboard.stdout!.on("data", () => {
        const m = /(http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const dom = await chromiumDom(url, process.env.MULTIPROC_DASHBOARD_SCREENSHOT);
    assert.match(dom, /<title>multiproc<\/title>/);
    assert.ok(dom.includes(queue), "the rendered page names the queue");
  } finally {
    dashboard.kill("SIGTERM");
  }
});
