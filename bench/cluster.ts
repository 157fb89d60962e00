// `npm run bench -- --cluster`: mp.cluster through Redis against the local process Pool with the
// same number of worker processes, and against plain BullMQ with one job per item; the time a
// SIGKILLed worker's job takes to start again elsewhere; lost and duplicated results; and how
// tiny-item throughput grows with the number of worker processes (1, 2, 4, 8).
// Needs a Redis (REDIS_URL, default redis://127.0.0.1:6379). Each run uses queues of its own.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as mp from "multiproc";
import type { BenchConfig } from "./config.ts";
import { formatNumber, median, nowMs } from "./stats.ts";
import { spinBaseline } from "./workloads/w3.ts";

export interface ClusterRow {
  what: string;
  peer: string;
  value: number | null;
  unit: string;
  samples: number[];
  note?: string;
}

type BenchTasks = typeof import("./workers/tasks.mjs");
type TestTasks = typeof import("../test/fixtures/cluster-tasks.mjs");
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here("../dist/cli/main.js");
const BENCH_TASKS = here("./workers/tasks.mjs");
const MARK_TASKS = here("../test/fixtures/cluster-tasks.mjs");
const tasks = mp.tasksFrom<BenchTasks>(new URL(`file://${BENCH_TASKS}`));
const markTasks = mp.tasksFrom<TestTasks>(new URL(`file://${MARK_TASKS}`));

interface Started {
  child: ChildProcess;
  pid: number;
  exited: Promise<unknown>;
}

async function startProcess(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    const check = () => out.includes("ready") && resolve();
    child.stdout!.on("data", check);
    void exited.then(() => reject(new Error(`exited before it was ready:\n${out}`)));
  });
  return { child, pid: child.pid!, exited };
}

function startWorkers(redis: string, queue: string, count: number, processes: number, taskFile = BENCH_TASKS): Promise<Started[]> {
  return Promise.all(
    Array.from({ length: count }, () => startProcess([CLI, "worker", "--redis", redis, "--queue", queue, "--tasks", taskFile, "--processes", String(processes)])),
  );
}

async function stopAll(started: Started[]): Promise<void> {
  for (const s of started) s.child.kill("SIGKILL");
  await Promise.all(started.map((s) => s.exited));
}

async function clean(redis: string, queue: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const conn = new Redis(redis);
  for (const pattern of [`bull:${queue}:*`, `multiproc:${queue}:*`]) {
    const keys = await conn.keys(pattern);
    if (keys.length > 0) await conn.del(...keys);
  }
  conn.disconnect();
}

const queueName = (what: string) => `bench-${what}-${randomBytes(3).toString("hex")}`;

async function timed(reps: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = nowMs();
    await fn();
    out.push(nowMs() - t0);
  }
  return out;
}

/** Tiny items through the cluster, with `workers` x `processes` worker processes. */
async function clusterTiny(redis: string, items: number[], workers: number, processes: number, reps: number): Promise<number[]> {
  const queue = queueName("tiny");
  const started = await startWorkers(redis, queue, workers, processes);
  try {
    await using pool = new (mp.cluster({ redis, queue }).Pool)();
    return await timed(reps, async () => {
      const out = await pool.map(tasks.square, items);
      if (out.length !== items.length || out[items.length - 1] !== items[items.length - 1]! ** 2) throw new Error("wrong results");
    });
  } finally {
    await stopAll(started);
    await clean(redis, queue);
  }
}

async function plainBullmq(redis: string, n: number, workers: number): Promise<{ samples: number[]; n: number }> {
  const { Queue } = await import("bullmq");
  const { Redis } = await import("ioredis");
  const queue = queueName("plain");
  const started = await Promise.all(Array.from({ length: workers }, () => startProcess([here("./cluster/plain-bullmq-worker.mjs"), redis, queue, "50"])));
  const conn = new Redis(redis, { maxRetriesPerRequest: null });
  const q = new Queue(queue, { connection: conn });
  try {
    // Completions are counted from the queue's completed set: QueueEvents' stream is trimmed
    // (about 10,000 events), so a reader that falls behind at this rate misses some.
    let expected = 0;
    const samples = await timed(2, async () => {
      expected += n;
      for (let i = 0; i < n; i += 1000) {
        await q.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: "sq", data: { n: i + j } })));
      }
      while ((await q.getCompletedCount()) < expected) await new Promise((r) => setTimeout(r, 10));
    });
    return { samples, n };
  } finally {
    await q.close();
    conn.disconnect();
    for (const s of started) s.child.kill("SIGTERM");
    await Promise.all(started.map((s) => s.exited));
    await clean(redis, queue);
  }
}

async function recovery(redis: string, reps: number): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const queue = queueName("recover");
    const pair = await startWorkers(redis, queue, 2, 1, MARK_TASKS);
    try {
      await using pool = new (mp.cluster({ redis, queue }).Pool)(2);
      const dir = mkdtempSync(join(tmpdir(), "mp-bench-recover-"));
      const job = pool.apply(markTasks.marked, [dir, 1000]);
      while (readdirSync(dir).length === 0) await new Promise((res) => setTimeout(res, 5));
      const victim = pair.find((w) => w.pid === Number(readdirSync(dir)[0]))!;
      const killedAt = Date.now();
      victim.child.kill("SIGKILL");
      const result = await job;
      out.push(result.start - killedAt);
    } finally {
      await stopAll(pair);
      await clean(redis, queue);
    }
  }
  return out;
}

/** A worker SIGKILLed in the middle of an imapUnordered: how many results are missing and how many came twice. */
async function lostAndDuplicated(redis: string, n: number): Promise<{ lost: number; duplicated: number }> {
  const queue = queueName("exactly-once");
  const pair = await startWorkers(redis, queue, 2, 1, MARK_TASKS);
  try {
    await using pool = new (mp.cluster({ redis, queue }).Pool)(8);
    const counts = new Map<number, number>();
    setTimeout(() => pair[0]!.child.kill("SIGKILL"), 500);
    const items = Array.from({ length: n }, (_, i) => i);
    for await (const r of pool.imapUnordered(markTasks.where, items, { chunksize: 1 })) counts.set(r.n, (counts.get(r.n) ?? 0) + 1);
    return { lost: items.filter((i) => !counts.has(i)).length, duplicated: [...counts.values()].filter((c) => c > 1).length };
  } finally {
    await stopAll(pair);
    await clean(redis, queue);
  }
}

export async function clusterBench(config: BenchConfig, log: (m: string) => void): Promise<ClusterRow[]> {
  const redis = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const rows: ClusterRow[] = [];
  const reps = config.quick ? 1 : 3;
  const nTiny = config.quick ? 200_000 : 1_000_000;
  const items = Array.from({ length: nTiny }, (_, i) => i);
  const rate = (samples: number[], n: number) => (n * 1000) / median(samples);

  log(`cluster: ${nTiny} tiny items, local process Pool(2)`);
  {
    await using local = new mp.Pool({ processes: 2, context: "process" });
    const samples = await timed(reps, () => local.map(tasks.square, items));
    rows.push({ what: "tiny items", peer: "local process Pool(2)", value: rate(samples, nTiny), unit: "items/s", samples });
  }
  log(`cluster: ${nTiny} tiny items, 2 multiproc workers x 1 process`);
  const tiny = await clusterTiny(redis, items, 2, 1, reps);
  rows.push({ what: "tiny items", peer: "cluster, 2 workers x 1 process", value: rate(tiny, nTiny), unit: "items/s", samples: tiny });
  const nPlain = config.quick ? 2000 : 10_000;
  log(`cluster: plain BullMQ, one job per item, ${nPlain} items, 2 workers`);
  const plain = await plainBullmq(redis, nPlain, 2);
  rows.push({ what: "tiny items", peer: "plain BullMQ, 1 job per item, 2 workers", value: rate(plain.samples, plain.n), unit: "items/s", samples: plain.samples, note: `measured on ${plain.n} items; a rate, so it extrapolates to ${nTiny} at ${formatNumber(nTiny / rate(plain.samples, plain.n))} s` });

  log("cluster: 64 CPU-bound tasks");
  const cpuConfig = { ...config, w3Tasks: 64 };
  const baseline = await spinBaseline(cpuConfig);
  const spinItems = Array.from({ length: 64 }, () => baseline.iters);
  {
    // Interleaved, one run of each per repetition, so that both see the same load on a shared machine.
    const queue = queueName("cpu");
    const started = await startWorkers(redis, queue, 2, 1);
    try {
      await using local = new mp.Pool({ processes: 2, context: "process" });
      // The default 32 lanes: jobs wait in Redis ahead of the workers, so a process never idles for a round trip.
      await using pool = new (mp.cluster({ redis, queue }).Pool)();
      const localSamples: number[] = [];
      const clusterSamples: number[] = [];
      await local.map(tasks.spin, spinItems.slice(0, 4), { chunksize: 1 });
      await pool.map(tasks.spin, spinItems.slice(0, 4), { chunksize: 1 });
      for (let i = 0; i < (config.quick ? 1 : 5); i++) {
        for (const [target, samples] of [[local, localSamples], [pool, clusterSamples]] as const) {
          const t0 = nowMs();
          await target.map(tasks.spin, spinItems, { chunksize: 1 });
          samples.push(nowMs() - t0);
        }
      }
      rows.push({ what: "64 CPU-bound tasks", peer: "local process Pool(2)", value: baseline.serialMs / median(localSamples), unit: "x serial", samples: localSamples });
      const ratios = localSamples.map((l, i) => l / clusterSamples[i]!);
      rows.push({
        what: "64 CPU-bound tasks",
        peer: "cluster, 2 workers x 1 process",
        value: baseline.serialMs / median(clusterSamples),
        unit: "x serial",
        samples: clusterSamples,
        note: `per repetition, cluster speed / local speed: ${ratios.map((r) => r.toFixed(2)).join(", ")}`,
      });
    } finally {
      await stopAll(started);
      await clean(redis, queue);
    }
  }

  log("cluster: recovery after SIGKILL");
  const rec = await recovery(redis, reps);
  rows.push({ what: "recovery after SIGKILL", peer: "cluster, 2 workers", value: median(rec), unit: "ms", samples: rec, note: "from the kill to the job's start on the other worker" });
  log("cluster: lost and duplicated results with a worker SIGKILLed mid-call");
  const exact = await lostAndDuplicated(redis, config.quick ? 500 : 2000);
  rows.push({ what: "lost / duplicated results", peer: "cluster, 2 workers, one SIGKILLed", value: exact.lost + exact.duplicated, unit: "results", samples: [exact.lost, exact.duplicated], note: `${exact.lost} lost, ${exact.duplicated} duplicated` });

  for (const total of [1, 2, 4, 8]) {
    const [workers, processes] = total === 1 ? [1, 1] : [2, total / 2];
    log(`cluster scaling: ${workers} worker(s) x ${processes} process(es)`);
    const samples = await clusterTiny(redis, items, workers, processes, 1);
    rows.push({ what: "scaling, tiny items", peer: `${total} process(es): ${workers} worker(s) x ${processes}`, value: rate(samples, nTiny), unit: "items/s", samples });
  }
  return rows;
}

export function formatCluster(rows: ClusterRow[]): string {
  const lines = ["| what | peer | value | unit | note |", "| --- | --- | --- | --- | --- |"];
  for (const r of rows) lines.push(`| ${r.what} | ${r.peer} | ${r.value === null ? "n/a" : formatNumber(r.value)} | ${r.unit} | ${r.note ?? ""} |`);
  const tinyLocal = rows.find((r) => r.what === "tiny items" && r.peer.startsWith("local"))?.value;
  const tinyCluster = rows.find((r) => r.what === "tiny items" && r.peer.startsWith("cluster"))?.value;
  const plain = rows.find((r) => r.peer.startsWith("plain"))?.value;
  const cpuLocal = rows.find((r) => r.what.startsWith("64") && r.peer.startsWith("local"))?.value;
  const cpuCluster = rows.find((r) => r.what.startsWith("64") && r.peer.startsWith("cluster"))?.value;
  const ratio = (a?: number | null, b?: number | null) => (a && b ? `${(a / b).toFixed(2)}x` : "n/a");
  lines.push(
    "",
    `cluster vs local process Pool, tiny items: ${ratio(tinyCluster, tinyLocal)}; vs plain BullMQ: ${ratio(tinyCluster, plain)}`,
    `CPU-bound speed-up, cluster / local: ${ratio(cpuCluster, cpuLocal)} (target: within 10%)`,
  );
  return lines.join("\n");
}
