// Python's multiprocessing, run as python3 bench/python/bench.py with the same sizes, and its
// JSON samples turned into rows (medians taken here, as for the Node.js peers).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import { median } from "../stats.ts";
import { rowsFrom } from "../workloads/w6.ts";

const run = promisify(execFile);
const script = new URL("../python/bench.py", import.meta.url).pathname;
export const PYTHON = "python multiprocessing";

interface Samples {
  samples_ms: number[];
}
interface Paired extends Samples {
  serial_ms: number[];
  speedups: number[];
}
interface PythonOutput {
  python: string;
  start_method: string;
  w1?: Samples & { tasks: number };
  w2?: Samples & { items: number };
  w3?: Paired;
  w4?: Samples & { round_trips: number };
  w5?: { fork: number[]; spawn: number[] };
  w6?: { ms: number; items: number; max_rss_kib: number };
  w3scaling?: { by_workers: Record<string, Paired> };
}

export async function pythonVersion(): Promise<string | null> {
  try {
    const { stdout, stderr } = await run("python3", ["--version"]);
    return (stdout || stderr).trim().replace(/^Python /, "");
  } catch {
    return null;
  }
}

async function runPython(config: BenchConfig, workloads: string): Promise<PythonOutput> {
  const args = [
    script,
    `--workloads=${workloads}`,
    `--workers=${config.workers}`,
    `--warmup=${config.repeat.warmup}`,
    `--reps=${config.repeat.reps}`,
    `--cpu-warmup=${config.repeatCpu.warmup}`,
    `--cpu-reps=${config.repeatCpu.reps}`,
    `--startup-warmup=${config.repeatStartup.warmup}`,
    `--startup-reps=${config.repeatStartup.reps}`,
    `--w1-tasks=${config.w1Tasks}`,
    `--w2-items=${config.w2Items}`,
    `--w3-tasks=${config.w3Tasks}`,
    `--w3-ms=${config.w3TaskMs}`,
    `--w4-bytes=${config.w4Bytes}`,
    `--w4-round-trips=${config.w4RoundTrips}`,
    `--w6-items=${config.w6Items}`,
    `--w6-chunksize=${config.w6Chunksize}`,
    `--scaling=${config.scalingWorkers.join(",")}`,
  ];
  const { stdout } = await run("python3", args, { timeout: 600_000, maxBuffer: 1 << 22 });
  return JSON.parse(stdout) as PythonOutput;
}

/** Python's rows for W1 to W5. */
export async function pythonRows(config: BenchConfig): Promise<Row[]> {
  const out = await runPython(config, "w1,w2,w3,w4,w5");
  const rows: Row[] = [];
  const peer = `${PYTHON} (${out.start_method})`;
  if (out.w1 !== undefined) {
    const ms = median(out.w1.samples_ms);
    rows.push({ workload: "W1", peer, value: (out.w1.tasks * 1000) / ms, unit: "tasks/s", higherIsBetter: true, samples: out.w1.samples_ms, note: "apply_async" });
  }
  if (out.w2 !== undefined) {
    const ms = median(out.w2.samples_ms);
    rows.push({ workload: "W2", peer, value: (out.w2.items * 1000) / ms, unit: "items/s", higherIsBetter: true, samples: out.w2.samples_ms, note: "Pool.map, default chunksize" });
  }
  if (out.w3 !== undefined) {
    const serial = median(out.w3.serial_ms);
    const pool = median(out.w3.samples_ms);
    rows.push({ workload: "W3", peer, value: median(out.w3.speedups), unit: "x", higherIsBetter: true, samples: out.w3.samples_ms, note: `${pool.toFixed(0)} ms on the pool vs ${serial.toFixed(0)} ms serial in Python` });
  }
  if (out.w4 !== undefined) {
    rows.push({ workload: "W4", peer, variant: "copy", value: median(out.w4.samples_ms) / out.w4.round_trips, unit: "ms/round trip", higherIsBetter: false, samples: out.w4.samples_ms, note: "array('d'), pickled" });
  }
  if (out.w5 !== undefined) {
    for (const method of ["fork", "spawn"] as const) {
      rows.push({ workload: "W5", peer: PYTHON, variant: method, value: median(out.w5[method]), unit: "ms", higherIsBetter: false, samples: out.w5[method] });
    }
  }
  return rows;
}

/** Python's W6 rows: each repetition in a fresh interpreter. */
export async function pythonW6Rows(config: BenchConfig): Promise<Row[]> {
  const ms: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < config.repeatW6.reps; i++) {
    const out = await runPython(config, "w6");
    if (out.w6 === undefined) throw new Error("no w6 result");
    ms.push(out.w6.ms);
    rss.push(out.w6.max_rss_kib);
  }
  return rowsFrom(PYTHON, ms, rss, config.w6Items);
}

/** Python's W3 speed-up at each worker count of config.scalingWorkers. */
export async function pythonScalingRows(config: BenchConfig): Promise<Row[]> {
  const out = await runPython(config, "w3scaling");
  if (out.w3scaling === undefined) throw new Error("no w3scaling result");
  return Object.entries(out.w3scaling.by_workers).map(([workers, paired]) => ({
    workload: "W3-scaling" as const,
    peer: PYTHON,
    variant: `${workers} worker${workers === "1" ? "" : "s"}`,
    value: median(paired.speedups),
    unit: "x",
    higherIsBetter: true,
    samples: paired.samples_ms,
  }));
}
