// Where the CPU goes in a cluster map: the caller, the `multiproc worker` main processes, their
// task processes, and Redis (a private redis-server, so only this run counts), beside the local
// process Pool with the same number of task processes. Reads /proc/<pid>/stat (Linux).
//
//   node --import tsx bench/cluster/cpu-split.ts cpu  [workers=2] [processes=1] [lanes=32] [rounds=3]
//   node --import tsx bench/cluster/cpu-split.ts tiny [workers=2] [processes=1] [lanes=32] [rounds=3]
//
// cpu: 64 spin tasks of ~50 ms, chunksize 1; tiny: map(square) over 1,000,000 numbers.
// Rounds alternate local and cluster; medians are printed, with the load average.
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

function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime
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

const sum = (pids: number[]) => pids.reduce((a, pid) => a + cpuMs(pid), 0);
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
const ws = Array.from({ length: workers }, () =>
  spawn(process.execPath, [here("../../dist/cli/main.js"), "worker", "--redis", url, "--queue", queue, "--tasks", TASKS, "--processes", String(processes)], { stdio: ["ignore", "pipe", "inherit"] }),
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
    let ms = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = nowMs();
      spin(iters);
      ms = Math.min(ms, nowMs() - t0);
    }
    if (ms > 20) {
      iters = Math.round((iters * 50) / ms);
      break;
    }
    iters *= 2;
  }
  items = Array.from({ length: 64 }, () => iters);
  run = (pool) => pool.map(tasks.spin, items, { chunksize: 1 });
}

const local = new mp.Pool({ processes: workers * processes, context: "process" });
const cluster = new (mp.cluster({ redis: url, queue }).Pool)(lanes);
await run(local);
await run(cluster);
const redisPid = redisServer.pid!;
type Split = { wall: number; caller: number; mains: number; tasks: number; redis: number };
const rows: { local: Split[]; cluster: Split[] } = { local: [], cluster: [] };
const loads: string[] = [];
for (let i = 0; i < rounds; i++) {
  loads.push(readFileSync("/proc/loadavg", "utf8").split(" ")[0]!);
  for (const which of ["local", "cluster"] as const) {
    const pool = which === "local" ? local : cluster;
    const taskPids = which === "local" ? childrenOf([process.pid]).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("runtime/worker.js")) : childrenOf(workerPids);
    const before = { caller: selfMs(), mains: which === "local" ? 0 : sum(workerPids), tasks: sum(taskPids), redis: cpuMs(redisPid) };
    const t0 = nowMs();
    await run(pool);
    const wall = nowMs() - t0;
    rows[which].push({
      wall,
      caller: selfMs() - before.caller,
      mains: which === "local" ? 0 : sum(workerPids) - before.mains,
      tasks: sum(taskPids) - before.tasks,
      redis: cpuMs(redisPid) - before.redis,
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
console.log(`wall per round, local: ${rows.local.map((x) => x.wall.toFixed(0)).join(" ")}; cluster: ${rows.cluster.map((x) => x.wall.toFixed(0)).join(" ")}`);
console.log(`cluster/local speed per round: ${rows.local.map((x, i) => (x.wall / rows.cluster[i]!.wall).toFixed(2)).join(" ")}`);
await local.terminate();
await cluster.terminate();
for (const c of ws) c.kill("SIGKILL");
redisServer.kill("SIGKILL");
