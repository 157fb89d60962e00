// `npm run bench -- --manager` (or `node --import tsx bench/manager.ts` on its own, after
// `npm run build`): proxy calls per second on a managed dict, multiproc's Manager (its server a
// child process, or a worker thread) against Python's multiprocessing.Manager, in this run.
// One round trip is a set then a get (`await d.set("k", i); await d.get("k")`, Python's
// `d["k"] = i; d["k"]`), N of them per rep, REPS reps after a warm-up; the median counts.
// Python's row is python3 bench/manager/py_manager.py.
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import * as mp from "multiproc";
import { median, nowMs, formatNumber } from "./stats.ts";

const PY = new URL("./manager/py_manager.py", import.meta.url).pathname;

export interface ManagerRow {
  peer: string;
  /** set+get round trips per second (two proxy calls each). */
  roundTripsPerSecond: number;
  samples: number[];
}

async function multiprocRun(context: mp.ContextName, n: number, reps: number): Promise<number[]> {
  await using manager = await mp.Manager({ context });
  const d = await manager.dict<string, number>();
  for (let i = 0; i < n / 10; i++) {
    await d.set("k", i);
    await d.get("k");
  }
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = nowMs();
    for (let i = 0; i < n; i++) {
      await d.set("k", i);
      await d.get("k");
    }
    samples.push(nowMs() - t0);
  }
  return samples;
}

async function pythonRun(n: number, reps: number): Promise<number[]> {
  const child = spawn("python3", [PY, String(n), String(reps)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`python3 ${PY} exited with ${code}`);
  return JSON.parse(out) as number[];
}

export async function managerBench(quick: boolean, log: (m: string) => void): Promise<ManagerRow[]> {
  const n = quick ? 2_000 : 10_000;
  const reps = quick ? 3 : 5;
  const rows: ManagerRow[] = [];
  // Interleaved, so that drifts of a shared machine's load touch every peer alike.
  for (const peer of ["python", "process", "thread"] as const) {
    log(`manager: ${peer}, ${n} set+get round trips x ${reps}`);
    const samples = peer === "python" ? await pythonRun(n, reps) : await multiprocRun(peer, n, reps);
    rows.push({ peer: peer === "python" ? "Python multiprocessing.Manager" : `multiproc Manager (${peer})`, roundTripsPerSecond: n / (median(samples) / 1000), samples });
  }
  return rows;
}

export function formatManager(rows: ManagerRow[]): string {
  const python = rows.find((r) => r.peer.startsWith("Python"))!;
  const lines = ["| manager | dict set+get round trips/s | proxy calls/s | vs Python |", "| --- | ---: | ---: | ---: |"];
  for (const row of rows) {
    lines.push(`| ${row.peer} | ${formatNumber(row.roundTripsPerSecond)} | ${formatNumber(row.roundTripsPerSecond * 2)} | ${(row.roundTripsPerSecond / python.roundTripsPerSecond).toFixed(2)}x |`);
  }
  return lines.join("\n");
}

export function managerHeader(): string {
  return `Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await managerBench(process.argv.includes("--quick"), (m) => console.error(m));
  console.log(`\nManager proxy calls, a dict's set then get (${managerHeader()})\n\n${formatManager(rows)}`);
}
