// Where the CPU goes in a cluster map: the caller, the `multiproc worker` main processes, their
// task processes, and Redis (a private redis-server, so only this run counts), beside the local
// process Pool with the same number of task processes. Reads /proc/<pid>/stat (Linux).
//
//   node --import tsx bench/cluster/cpu-split.ts cpu  [workers=2] [processes=1] [lanes=32] [rounds=3]
//   node --import tsx bench/cluster/cpu-split.ts tiny [workers=2] [processes=1] [lanes=32] [rounds=3]
//
//   node --import tsx bench/cluster/cpu-split.ts jobs [workers=2] [processes=1] [lanes=32] [rounds=3]
//
// cpu: 64 spin tasks of ~50 ms, chunksize 1; tiny: map(square) over 1,000,000 numbers; jobs:
// 1,000 spin tasks of ~1 ms, chunksize 1 (one job each: too slow to batch), to read the CPU
// each job costs outside the task processes.
// Rounds alternate local and cluster; medians are printed, with the load average, and the Redis
// commands the cluster rounds cost per job (INFO commandstats before and after each).
// CPU_SPLIT_PROFILE=DIR: the workers' main processes write V8 CPU profiles there (--cpu-prof);
// CPU_SPLIT_WORKER_ARGS="--perf-basic-prof ...": more Node.js flags for them (for `perf record`).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import * as mp from "multiproc";
import { median, nowMs } from "../stats.ts";

const [mode = "cpu", w = "2", p = "1", l = "32", r = "3"] = process.argv.slice(2);
const [workers, processes, lanes, rounds] = [Number(w), Number(p), Number(l), Number(r)];
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const TASKS = here("../workers/tasks.mjs");
const tasks = mp.tasksFrom<typeof import("../workers/tasks.mjs")>(new URL(`file://${TASKS}`));
const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMs(pid: number, kernelOnly = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((kernelOnly ? 0 : Number(f[11])) + Number(f[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

function childrenOf(pids: number[]): number[] {
  const set = new Set(pids);
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (set.has(ppid)) out.push(Number(d));
    } catch {}
  }
  return out;
}

const sum = (pids: number[], kernelOnly = false) => pids.reduce((a, pid) => a + cpuMs(pid, kernelOnly), 0);
const selfMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function started(child: ChildProcess, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => (out += d) && out.includes(word) && resolve());
    child.on("exit", () => reject(new Error(`exited:\n${out}`)));
  });
}

const port = await freePort();
const redisServer = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "ignore"] });
await started(redisServer, "Ready to accept");
const url = `redis://127.0.0.1:${port}`;
const queue = `cpu-split-${randomBytes(3).toString("hex")}`;
const profileDir = process.env.CPU_SPLIT_PROFILE;
const profile = [...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []), ...(process.env.CPU_SPLIT_WORKER_ARGS?.split(" ").filter(Boolean) ?? [])];
const ws = Array.from({ length: workers }, () =>
  spawn(process.execPath, [...profile, here("../../dist/cli/main.js"), "worker", "--redis", url, "--queue", queue, "--tasks", TASKS, "--processes", String(processes)], { stdio: ["ignore", "pipe", "inherit"] }),
);
await Promise.all(ws.map((c) => started(c, "ready")));
const workerPids = ws.map((c) => c.pid!);

let items: number[];
let run: (pool: mp.Pool) => Promise<unknown>;
if (mode === "tiny") {
  items = Array.from({ length: 1_000_000 }, (_, i) => i);
  run = (pool) => pool.map(tasks.square, items);
} else {
  let iters = 10_000;
  const { spin } = await import(TASKS);
  for (;;) {
    // Calibrated on CPU time, not wall time, so that a loaded machine does not shrink the tasks.
    let ms = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = selfMs();
      spin(iters);
      ms = Math.min(ms, selfMs() - t0);
    }
    if (ms > 20) {
      iters = Math.round((iters * (mode === "jobs" ? 1 : 50)) / ms);
      break;
    }
    iters *= 2;
  }
  items = Array.from({ length: mode === "jobs" ? 1000 : 64 }, () => iters);
  run = (pool) => pool.map(tasks.spin, items, { chunksize: 1 });
}

const local = new mp.Pool({ processes: workers * processes, context: "process" });
const cluster = new (mp.cluster({ redis: url, queue }).Pool)(lanes);
await run(local);
await run(cluster);
const redisPid = redisServer.pid!;
const { Redis } = await import("ioredis");
const stats = new Redis(url);
/** Calls per command since the server started (INFO commandstats). */
async function commandCalls(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await stats.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}
// CPU while idle (timers: heartbeats, registry refreshes, lock and stall checks), to tell apart
// from what each job costs.
const IDLE_MS = 5000;
const idleBefore = { caller: selfMs(), mains: sum(workerPids), redis: cpuMs(redisPid) };
await new Promise((r) => setTimeout(r, IDLE_MS));
const idle = { caller: selfMs() - idleBefore.caller, mains: sum(workerPids) - idleBefore.mains, redis: cpuMs(redisPid) - idleBefore.redis };
const commands = new Map<string, number>();
let jobs = 0;
type Split = { wall: number; caller: number; mains: number; tasks: number; redis: number; callerSys: number; mainsSys: number };
const rows: { local: Split[]; cluster: Split[] } = { local: [], cluster: [] };
const loads: string[] = [];
for (let i = 0; i < rounds; i++) {
  loads.push(readFileSync("/proc/loadavg", "utf8").split(" ")[0]!);
  for (const which of ["local", "cluster"] as const) {
    const pool = which === "local" ? local : cluster;
    const taskPids = which === "local" ? childrenOf([process.pid]).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("runtime/worker.js")) : childrenOf(workerPids);
    const before = {
      caller: selfMs(),
      mains: which === "local" ? 0 : sum(workerPids),
      tasks: sum(taskPids),
      redis: cpuMs(redisPid),
      callerSys: process.cpuUsage().system / 1000,
      mainsSys: sum(workerPids, true),
    };
    const calls = which === "cluster" ? await commandCalls() : null;
    const t0 = nowMs();
    await run(pool);
    const wall = nowMs() - t0;
    if (calls) {
      for (const [name, n] of await commandCalls()) commands.set(name, (commands.get(name) ?? 0) + n - (calls.get(name) ?? 0));
      jobs += mode === "tiny" ? 4 * lanes : items.length;
    }
    rows[which].push({
      wall,
      caller: selfMs() - before.caller,
      mains: which === "local" ? 0 : sum(workerPids) - before.mains,
      tasks: sum(taskPids) - before.tasks,
      redis: cpuMs(redisPid) - before.redis,
      callerSys: process.cpuUsage().system / 1000 - before.callerSys,
      mainsSys: which === "local" ? 0 : sum(workerPids, true) - before.mainsSys,
    });
  }
}
const med = (xs: Split[], k: keyof Split) => median(xs.map((x) => x[k]));
console.log(`mode ${mode}, ${workers} worker(s) x ${processes} process(es), ${lanes} lanes, ${rounds} rounds; load at each round: ${loads.join(" ")}`);
console.log("| pool | wall ms | caller CPU ms | worker mains CPU ms | task processes CPU ms | Redis CPU ms | CPU outside tasks |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const which of ["local", "cluster"] as const) {
  const x = rows[which];
  const outside = med(x, "caller") + med(x, "mains") + med(x, "redis");
  console.log(`| ${which} | ${med(x, "wall").toFixed(0)} | ${med(x, "caller").toFixed(0)} | ${med(x, "mains").toFixed(0)} | ${med(x, "tasks").toFixed(0)} | ${med(x, "redis").toFixed(0)} | ${((100 * outside) / (outside + med(x, "tasks"))).toFixed(1)}% |`);
}
if (mode !== "tiny") {
  const per = (which: "local" | "cluster", k: keyof Split) => ((1000 * med(rows[which], k)) / items.length).toFixed(0);
  console.log(
    `CPU per task outside the task processes, µs: local caller ${per("local", "caller")}; cluster caller ${per("cluster", "caller")}, ` +
      `worker mains ${per("cluster", "mains")}, Redis ${per("cluster", "redis")} (task processes: local ${per("local", "tasks")}, cluster ${per("cluster", "tasks")}); ` +
      `of which in the kernel: local caller ${per("local", "callerSys")}, cluster caller ${per("cluster", "callerSys")}, worker mains ${per("cluster", "mainsSys")}`,
  );
}
console.log(`wall per round, local: ${rows.local.map((x) => x.wall.toFixed(0)).join(" ")}; cluster: ${rows.cluster.map((x) => x.wall.toFixed(0)).join(" ")}`);
console.log(`cluster/local speed per round: ${rows.local.map((x, i) => (x.wall / rows.cluster[i]!.wall).toFixed(2)).join(" ")}`);
const perSecond = (ms: number) => ((ms * 1000) / IDLE_MS).toFixed(1);
console.log(`idle, ${IDLE_MS / 1000} s between calls: caller ${perSecond(idle.caller)} ms/s, worker mains ${perSecond(idle.mains)} ms/s, Redis ${perSecond(idle.redis)} ms/s`);
const perJob = [...commands].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
const total = perJob.reduce((a, [, n]) => a + n, 0);
console.log(`Redis commands per job (cluster rounds, ~${jobs} jobs, INFO commandstats included): ${(total / jobs).toFixed(1)}: ` + perJob.map(([k, n]) => `${k} ${(n / jobs).toFixed(2)}`).join(", "));
stats.disconnect();
await local.terminate();
await cluster.terminate();
// SIGTERM: a worker stops cleanly, so that its profile (if any) is written.
await Promise.all(ws.map((c) => new Promise<void>((resolve) => {
  const force = setTimeout(() => c.kill("SIGKILL"), 10_000);
  c.once("exit", () => (clearTimeout(force), resolve()));
  c.kill("SIGTERM");
})));
redisServer.kill("SIGKILL");
