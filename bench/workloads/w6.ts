// W6: imap over a lazy generator of many items, each run in a fresh child process so that its
// peak RSS belongs to this workload alone. Reports items/s and peak RSS (MiB) of that process.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import { median } from "../stats.ts";

const run = promisify(execFile);
const childSource = new URL("./w6-child.ts", import.meta.url).pathname;
// The child runs as plain JavaScript, bundled once from w6-child.ts, so that its peak RSS is the
// pool's and not the TypeScript loader's (tsx adds ~35 MiB to any Node.js process). The bundle
// sits one folder below bench/, as the peers' sources do, so their worker-script URLs still resolve.
const childPath = new URL("../.build/w6-child.mjs", import.meta.url).pathname;
let bundled: Promise<void> | undefined;

function bundleChild(): Promise<void> {
  return (bundled ??= import("esbuild").then(async (esbuild) => {
    await esbuild.build({
      entryPoints: [childSource],
      outfile: childPath,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "error",
    });
  }));
}

interface ChildResult {
  ms: number;
  maxRssKiB: number;
}

async function runChild(key: string, config: BenchConfig): Promise<ChildResult> {
  await bundleChild();
  const args = [childPath, key, String(config.w6Items), String(config.w6Chunksize), String(config.workers)];
  try {
    const { stdout } = await run(process.execPath, args, { timeout: 300_000, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "") as ChildResult;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(stderr !== undefined && stderr !== "" ? (stderr.split("\n").pop() ?? stderr) : String(error));
  }
}

/** Two rows for one peer: throughput and peak RSS, medians over repeatW6 fresh processes. */
export async function w6(key: string, label: string, config: BenchConfig): Promise<Row[]> {
  const results: ChildResult[] = [];
  for (let i = 0; i < config.repeatW6.warmup + config.repeatW6.reps; i++) {
    const result = await runChild(key, config);
    if (i >= config.repeatW6.warmup) results.push(result);
  }
  return rowsFrom(label, results.map((r) => r.ms), results.map((r) => r.maxRssKiB), config.w6Items);
}

export function rowsFrom(label: string, ms: number[], rssKiB: number[], items: number): Row[] {
  return [
    { workload: "W6", peer: label, variant: "speed", value: (items * 1000) / median(ms), unit: "items/s", higherIsBetter: true, samples: ms },
    { workload: "W6", peer: label, variant: "peak RSS", value: median(rssKiB) / 1024, unit: "MiB", higherIsBetter: false, samples: rssKiB.map((k) => k / 1024) },
  ];
}

/** The peak RSS of a child that loads Node.js and does nothing: the floor under every W6 row. */
export async function w6Idle(config: BenchConfig): Promise<Row> {
  const result = await runChild("idle", config);
  return { workload: "W6", peer: "node, idle", variant: "peak RSS", value: result.maxRssKiB / 1024, unit: "MiB", higherIsBetter: false };
}
