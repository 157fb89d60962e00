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
  // W4 and W6 rows compare like with like: copy with copy, speed with speed.
  let refKeyForRow = refKey;
  if (row.workload === "W6" && row.variant === "speed") refKeyForRow = refKey.replace(/ peak RSS$/, " speed");
  if (row.workload === "W4" && row.variant === "copy") refKeyForRow = refKey.replace(/ transfer$/, " copy");
  const r = ratio(row, findRow(rows, row.workload, refKeyForRow));
  return r === null ? "" : `${r.toFixed(2)}x`;
}

/** W3-scaling rows as a matrix: one line per peer, one column per worker count. */
function scalingMatrix(rows: readonly Row[]): string[] {
  const scaling = rows.filter((r) => r.workload === "W3-scaling" && r.variant !== undefined);
  if (scaling.length === 0) return [];
  const columns = [...new Set(scaling.map((r) => r.variant as string))];
  const peers = [...new Set(scaling.map((r) => r.peer))];
  const peerWidth = Math.max(4, ...peers.map((p) => p.length));
  const colWidth = Math.max(...columns.map((c) => c.length)) + 2;
  const lines = ["", "W3 speed-up over serial by worker count:", `${"peer".padEnd(peerWidth)}${columns.map((c) => c.padStart(colWidth)).join("")}`];
  for (const peer of peers) {
    const cells = columns.map((c) => {
      const row = scaling.find((r) => r.peer === peer && r.variant === c);
      return (row?.value == null ? "n/a" : `${row.value.toFixed(2)}x`).padStart(colWidth);
    });
    lines.push(`${peer.padEnd(peerWidth)}${cells.join("")}`);
  }
  return lines;
}

export function formatReport(results: Results): string {
  const lines: string[] = [];
  lines.push(
    `multiproc benchmarks (${results.quick ? "quick" : "full"}), ${results.date}`,
    `node ${results.node}, python ${results.python ?? "absent"}, ${results.cpus} CPUs (${results.cpuModel}), ${results.platform}`,
    `versions: ${Object.entries(results.versions).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `load average (1 min) at start ${results.loadAverage[0].toFixed(2)}, at end ${results.loadAverage[1].toFixed(2)}`,
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
  lines.push(...scalingMatrix(results.rows));
  if (results.targets.length === 0) return lines.join("\n");
  lines.push(
    "",
    "ratio: times better than the workload's reference row (W1, W5: piscina; W2: Python Pool.map;",
    "W4: raw worker_threads, copy or transfer; W6: Python), >1 is better. W3: speed-up over the serial run.",
    "",
    "targets (multiproc vs reference, >1 is better):",
  );
  const nameWidth = Math.max(...results.targets.map((t) => t.name.length));
  for (const t of results.targets) {
    lines.push(`  ${t.name.padEnd(nameWidth)}  ${t.ratio === null ? "n/a" : `${t.ratio.toFixed(2)}x`}`);
  }
  return lines.join("\n");
}
