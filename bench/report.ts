// The printed report: the environment, then one table of medians and ratios, then the targets.
import type { Results, Row } from "./results.ts";
import { rowKey } from "./results.ts";
import { formatNumber } from "./stats.ts";
import { findRow, ratio, tableReference } from "./targets.ts";

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 2 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
}

function ratioCell(row: Row, rows: readonly Row[]): string {
  if (row.value === null) return "";
  if (row.workload === "W3" || row.workload === "W3-scaling") return "";
  const refKey = tableReference[row.workload];
  if (refKey === undefined) return "";
  const refKeyForRow = row.workload === "W6" && row.variant === "speed" ? `${refKey.replace(/ peak RSS$/, "")} speed` : refKey;
  const r = ratio(row, findRow(rows, row.workload, refKeyForRow));
  return r === null ? "" : `${r.toFixed(2)}x`;
}

export function formatReport(results: Results): string {
  const lines: string[] = [];
  lines.push(
    `multiproc benchmarks (${results.quick ? "quick" : "full"}), ${results.date}`,
    `node ${results.node}, python ${results.python ?? "absent"}, ${results.cpus} CPUs (${results.cpuModel}), ${results.platform}`,
    `versions: ${Object.entries(results.versions).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    "",
  );
  const header = ["workload", "peer", "median", "unit", "ratio", "note"];
  const body = results.rows.map((row) => [
    row.workload,
    rowKey(row),
    row.value === null ? "n/a" : formatNumber(row.value),
    row.unit,
    ratioCell(row, results.rows),
    row.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  lines.push(pad(header, widths), widths.map((w) => "-".repeat(w)).join("  "));
  let previous = "";
  for (const cells of body) {
    if (previous !== "" && cells[0] !== previous) lines.push("");
    previous = cells[0];
    lines.push(pad(cells, widths));
  }
  lines.push(
    "",
    "ratio: times better than the workload's reference row (W1, W5: piscina; W2: Python Pool.map;",
    "W4: raw worker_threads transfer; W6: Python), >1 is better. W3: speed-up over the serial run.",
    "",
    "targets (multiproc vs reference, >1 is better):",
  );
  const nameWidth = Math.max(...results.targets.map((t) => t.name.length));
  for (const t of results.targets) {
    lines.push(`  ${t.name.padEnd(nameWidth)}  ${t.ratio === null ? "n/a" : `${t.ratio.toFixed(2)}x`}`);
  }
  return lines.join("\n");
}
