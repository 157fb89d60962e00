// `npm run bench -- --manager` (or `node --import tsx bench/manager.ts` on its own, after
// `npm run build`): proxy calls per second on a managed dict, multiproc's Manager (its server a
// child process, or a worker thread) against Python's multiprocessing.Manager, in this run.
// One round trip is a set then a get (`await d.set("k", i); await d.get("k")`, Python's
// `d["k"] = i; d["k"]`), N of them after a warm-up. REPS rounds, each running Python, then the
// process and the thread manager once (a fresh manager each), so that a shared machine's drifting
// load touches every peer alike; the table shows medians, and "vs Python" is the median of the
// rounds' own ratios. Python's row is python3 bench/manager/py_manager.py.
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
  /** Milliseconds of each round's N round trips. */
  samples: number[];
  /** Median over the rounds of this peer's speed / Python's in the same round. */
  vsPython: number;
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
  const rounds = quick ? 3 : 7;
  const peers = ["python", "process", "thread"] as const;
  const samples: Record<(typeof peers)[number], number[]> = { python: [], process: [], thread: [] };
  for (let r = 0; r < rounds; r++) {
    log(`manager: round ${r + 1}/${rounds}, ${n} set+get round trips each (load ${loadavg()[0].toFixed(2)})`);
    for (const peer of peers) samples[peer].push(...(peer === "python" ? await pythonRun(n, 1) : await multiprocRun(peer, n, 1)));
  }
  return peers.map((peer) => ({
    peer: peer === "python" ? "Python multiprocessing.Manager" : `multiproc Manager (${peer})`,
    roundTripsPerSecond: n / (median(samples[peer]) / 1000),
    samples: samples[peer],
    vsPython: median(samples[peer].map((ms, i) => samples.python[i]! / ms)),
  }));
}

export function formatManager(rows: ManagerRow[]): string {
  const python = rows.find((r) => r.peer.startsWith("Python"))!;
  const lines = ["| manager | dict set+get round trips/s | proxy calls/s | vs Python |", "| --- | ---: | ---: | ---: |"];
  for (const row of rows) {
    const ratio = row === python ? 1 : row.vsPython;
    const spread = row === python ? "" : ` (rounds ${Math.min(...row.samples.map((ms, i) => python.samples[i]! / ms)).toFixed(2)}-${Math.max(...row.samples.map((ms, i) => python.samples[i]! / ms)).toFixed(2)}x)`;
    lines.push(`| ${row.peer} | ${formatNumber(row.roundTripsPerSecond)} | ${formatNumber(row.roundTripsPerSecond * 2)} | ${ratio.toFixed(2)}x${spread} |`);
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
