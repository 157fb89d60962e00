// Turns a results JSON into an SVG bar chart of the target ratios (log scale, 1x in the middle:
// bars to the right are better than the reference, to the left worse). No dependencies.
// Usage: node --import tsx bench/chart.ts [bench/results/latest.json] [bench/results/latest.svg]
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Results } from "./results.ts";

const escape = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function renderChart(results: Results): string {
  const rowHeight = 26;
  const labelWidth = 330;
  const plotWidth = 440;
  const valueWidth = 70;
  const top = 56;
  const width = labelWidth + plotWidth + valueWidth + 20;
  const height = top + results.targets.length * rowHeight + 40;
  const maxLog = 4; // the axis spans 1/16x .. 16x
  const x0 = labelWidth + plotWidth / 2;
  const xOf = (r: number): number => {
    const l = Math.max(-maxLog, Math.min(maxLog, Math.log2(r)));
    return x0 + (l / maxLog) * (plotWidth / 2);
  };
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">multiproc vs reference (times better, log scale)</text>`,
    `<text x="10" y="40" fill="#555">${escape(`node ${results.node}, python ${results.python ?? "absent"}, ${results.cpus} CPUs, ${results.date.slice(0, 10)}${results.quick ? ", quick run" : ""}`)}</text>`,
  );
  for (const tick of [1 / 16, 1 / 4, 1, 4, 16]) {
    const x = xOf(tick);
    const label = tick < 1 ? `1/${1 / tick}x` : `${tick}x`;
    out.push(
      `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 30}" stroke="${tick === 1 ? "#333" : "#ddd"}"/>`,
      `<text x="${x}" y="${height - 14}" text-anchor="middle" fill="#555">${label}</text>`,
    );
  }
  results.targets.forEach((t, i) => {
    const y = top + i * rowHeight;
    out.push(`<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escape(t.name)}</text>`);
    if (t.ratio === null) {
      out.push(`<text x="${x0 + 6}" y="${y + 17}" fill="#999">n/a</text>`);
      return;
    }
    const x = xOf(t.ratio);
    const left = Math.min(x, x0);
    const barWidth = Math.max(1, Math.abs(x - x0));
    const colour = t.ratio >= 1 ? "#2e7d32" : "#c62828";
    out.push(
      `<rect x="${left.toFixed(1)}" y="${y + 5}" width="${barWidth.toFixed(1)}" height="${rowHeight - 10}" fill="${colour}"/>`,
      `<text x="${labelWidth + plotWidth + 8}" y="${y + 17}">${t.ratio.toFixed(2)}x</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function main(): void {
  const input = process.argv[2] ?? fileURLToPath(new URL("./results/latest.json", import.meta.url));
  const output = process.argv[3] ?? input.replace(/\.json$/, ".svg");
  const results = JSON.parse(readFileSync(input, "utf8")) as Results;
  writeFileSync(output, renderChart(results));
  console.log(`wrote ${output}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
