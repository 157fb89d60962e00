// W6, inside a fresh process: imap over a lazy generator, then this process's peak RSS.
// Usage (w6.ts bundles it first): node bench/.build/w6-child.mjs <peer key | idle> <items> <chunksize> <workers>
// Prints one JSON line: { ms, maxRssKiB }.
import { readFileSync } from "node:fs";
import { makePeer } from "../peers/registry.ts";
import { nowMs } from "../stats.ts";

function* naturals(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** Peak resident set size in KiB: VmHWM where /proc has it, else resourceUsage().maxRSS. */
function peakRssKiB(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match !== null) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

async function main(): Promise<void> {
  const [key = "idle", itemsArg = "1000000", chunkArg = "1000", workersArg = "2"] = process.argv.slice(2);
  const items = Number(itemsArg);
  let ms = 0;
  if (key !== "idle") {
    const peer = makePeer(key);
    await peer.load();
    const pool = await peer.open(Number(workersArg));
    const t0 = nowMs();
    let count = 0;
    let last = -1;
    for await (const value of pool.imap(naturals(items), Number(chunkArg))) {
      count++;
      last = value;
    }
    ms = nowMs() - t0;
    await pool.close();
    if (count !== items || last !== (items - 1) * (items - 1)) throw new Error(`imap gave ${count} results, last ${last}`);
  }
  process.stdout.write(`${JSON.stringify({ ms, maxRssKiB: peakRssKiB() })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
