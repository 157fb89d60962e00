// `npm run bench -- --cli`: `multiproc map` against GNU parallel and xargs -P on the same JSONL
// job (bench/cli/square*.mjs: n => n * n on {"n": i} lines), 2 workers or jobs each, items/s
// from the wall time of the whole command (start-up included), output checked. GNU parallel and
// xargs run one process per item, as they are used on a list of items; a process start-up
// costs what a tiny item's work costs thousands of times, so they get fewer items. GNU parallel
// --pipe (one process per 1 MB block of lines) is there too: its most efficient form, where it
// only splits the input. A serial node over the whole input is the floor.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchConfig } from "./config.ts";
import { formatNumber, median, nowMs } from "./stats.ts";

export interface CliRow {
  peer: string;
  items: number;
  value: number | null;
  unit: "items/s";
  samples: number[];
  note?: string;
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export function cliBench(config: BenchConfig, log: (m: string) => void): CliRow[] {
  const dir = mkdtempSync(join(tmpdir(), "multiproc-bench-cli-"));
  const big = config.quick ? 50_000 : 200_000;
  const small = config.quick ? 20 : 60;
  const reps = config.quick ? 1 : 3;
  const input = (n: number) => {
    const path = join(dir, `in-${n}.jsonl`);
    writeFileSync(path, Array.from({ length: n }, (_, i) => `{"n":${i}}\n`).join(""));
    return path;
  };
  const inputs = { [big]: input(big), [small]: input(small) };
  const out = join(dir, "out.jsonl");
  const cli = here("../dist/cli/main.js");
  const job = here("./cli/square.mjs");
  const node = JSON.stringify(process.execPath);
  const has = (tool: string) => spawnSync("bash", ["-c", `command -v ${tool}`]).status === 0;
  const peers: { peer: string; n: number; cmd: (inp: string) => string; needs?: string; ordered: boolean }[] = [
    { peer: "multiproc map (process)", n: big, cmd: (i) => `${node} ${cli} map ${job}#square ${i} -p 2 --context process`, ordered: true },
    { peer: "multiproc map (thread)", n: big, cmd: (i) => `${node} ${cli} map ${job}#square ${i} -p 2 --context thread`, ordered: true },
    { peer: "GNU parallel -j2, a process per item", n: small, needs: "parallel", cmd: (i) => `parallel -k -j2 ${node} ${here("./cli/square-arg.mjs")} {} :::: ${i}`, ordered: true },
    { peer: "xargs -P2, a process per item", n: small, needs: "xargs", cmd: (i) => `xargs -P2 -d '\\n' -n1 ${node} ${here("./cli/square-arg.mjs")} < ${i}`, ordered: false },
    { peer: "GNU parallel --pipe -j2, a process per 1 MB block", n: big, needs: "parallel", cmd: (i) => `parallel -k -j2 --pipe --block 1M ${node} ${here("./cli/square-stdin.mjs")} < ${i}`, ordered: true },
    { peer: "node, one process, serial", n: big, cmd: (i) => `${node} ${here("./cli/square-stdin.mjs")} < ${i}`, ordered: true },
  ];
  const rows: CliRow[] = [];
  try {
    for (const p of peers) {
      if (p.needs && !has(p.needs)) {
        rows.push({ peer: p.peer, items: p.n, value: null, unit: "items/s", samples: [], note: `n/a (${p.needs} is not installed: apt-get install ${p.needs})` });
        continue;
      }
      log(`cli: ${p.peer}, ${p.n} items x ${reps}`);
      const samples: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = nowMs();
        const res = spawnSync("bash", ["-c", `${p.cmd(inputs[p.n]!)} > ${out}`], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
        const ms = nowMs() - t0;
        if (res.status !== 0) throw new Error(`${p.peer} failed (${res.status}): ${res.stderr.slice(0, 500)}`);
        const lines = readFileSync(out, "utf8").split("\n").slice(0, -1);
        const expected = Array.from({ length: p.n }, (_, i) => String(i * i));
        const got = p.ordered ? lines : [...lines].sort((a, b) => Number(a) - Number(b));
        if (got.length !== p.n || got.some((l, i) => l !== expected[i])) throw new Error(`${p.peer}: wrong output (${lines.length} lines)`);
        samples.push(ms);
      }
      rows.push({ peer: p.peer, items: p.n, value: (p.n * 1000) / median(samples), unit: "items/s", samples });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function formatCli(rows: CliRow[]): string {
  const base = rows.find((r) => r.peer.startsWith("GNU parallel -j2"))?.value ?? null;
  const lines = ["| command | items | items/s | vs GNU parallel (a process per item) |", "| --- | --- | --- | --- |"];
  for (const r of rows) {
    const ratio = r.value !== null && base !== null ? `${formatNumber(r.value / base)}x` : "";
    lines.push(`| ${r.peer} | ${r.items} | ${r.value === null ? r.note ?? "n/a" : formatNumber(r.value)} | ${ratio} |`);
  }
  return lines.join("\n");
}
