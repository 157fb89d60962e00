// `npm run bench -- --connection` (or `node --import tsx bench/connection.ts [--quick]` on its
// own, after `npm run build`): bytes round trips per second over multiprocessing.connection,
// multiproc against Python's, measured in this run. Every pairing of client and server (multiproc
// or Python on each side, so the interop is timed too), TCP and Unix sockets, 64-byte and 64 KiB
// messages, all with an authkey. Each server and each client is a process of its own: Python's
// are python3 bench/connection/echo.py, multiproc's bench/connection/echo-server.mjs and
// echo-client.mjs. The load of a shared machine drifts, so the pairings are interleaved: each
// round runs every pairing once (N round trips after a warm-up, in a rotating order), and a row's
// ratio is the median of its per-round ratios to Python -> Python in the same round.
import { spawn, type ChildProcess } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { median, formatNumber } from "./stats.ts";

const PY = new URL("./connection/echo.py", import.meta.url).pathname;
const NODE_SERVER = new URL("./connection/echo-server.mjs", import.meta.url).pathname;
const NODE_CLIENT = new URL("./connection/echo-client.mjs", import.meta.url).pathname;
type Side = "multiproc" | "python";
type Family = "inet" | "unix";

export interface ConnectionRow {
  client: Side;
  server: Side;
  family: Family;
  size: number;
  /** Median over the rounds. */
  roundTripsPerSecond: number;
  /** Median of this round's rate / Python -> Python's rate in the same round. */
  ratio: number;
  /** Round trips per second, one per round. */
  samples: number[];
}

async function firstLine(child: ChildProcess): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  for await (const line of rl) {
    rl.close();
    return line.trim();
  }
  throw new Error("the process printed nothing");
}

function serverCommand(side: Side, family: Family): [string, string[]] {
  return side === "python" ? ["python3", [PY, "serve", family]] : [process.execPath, [NODE_SERVER, family]];
}

function clientCommand(side: Side, address: string, size: number, n: number): [string, string[]] {
  const args = [address, String(size), String(n), "1"];
  return side === "python" ? ["python3", [PY, "client", ...args]] : [process.execPath, [NODE_CLIENT, ...args]];
}

/** One run: a server, a client doing `n` round trips after a warm-up; round trips per second. */
async function run(server: Side, client: Side, family: Family, size: number, n: number): Promise<number> {
  const serverProcess = spawn(...serverCommand(server, family), { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((r) => serverProcess.on("exit", r));
  const address = await firstLine(serverProcess);
  const clientProcess = spawn(...clientCommand(client, address, size, n), { stdio: ["ignore", "pipe", "inherit"] });
  const ms = (JSON.parse(await firstLine(clientProcess)) as number[])[0]!;
  await exited;
  return n / (ms / 1000);
}

const PAIRINGS: [client: Side, server: Side][] = [
  ["python", "python"],
  ["multiproc", "python"],
  ["python", "multiproc"],
  ["multiproc", "multiproc"],
];

export async function connectionBench(quick: boolean, log: (m: string) => void): Promise<ConnectionRow[]> {
  const rounds = quick ? 3 : 7;
  const configs = [64, 64 * 1024].flatMap((size) => (["inet", "unix"] as const).map((family) => ({ size, family, n: (size <= 64 ? 20_000 : 4_000) / (quick ? 4 : 1) })));
  const rates = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  const key = (c: Side, s: Side, f: Family, size: number) => `${c} ${s} ${f} ${size}`;
  for (let round = 0; round < rounds; round++) {
    for (const { size, family, n } of configs) {
      const here = new Map<string, number>();
      for (let i = 0; i < PAIRINGS.length; i++) {
        const [client, server] = PAIRINGS[(i + round) % PAIRINGS.length]!;
        log(`connection: round ${round + 1}/${rounds}, ${client} client -> ${server} server, ${family}, ${size} B x ${n} (load ${loadavg()[0].toFixed(1)})`);
        here.set(key(client, server, family, size), await run(server, client, family, size, n));
      }
      const python = here.get(key("python", "python", family, size))!;
      for (const [k, rate] of here) {
        rates.set(k, [...(rates.get(k) ?? []), rate]);
        ratios.set(k, [...(ratios.get(k) ?? []), rate / python]);
      }
    }
  }
  return configs.flatMap(({ size, family }) =>
    PAIRINGS.map(([client, server]) => {
      const k = key(client, server, family, size);
      return { client, server, family, size, roundTripsPerSecond: median(rates.get(k)!), ratio: median(ratios.get(k)!), samples: rates.get(k)! };
    }),
  );
}

export function formatConnection(rows: ConnectionRow[]): string {
  const lines = ["| client -> server | family | message | round trips/s | vs Python -> Python (per round) |", "| --- | --- | --- | ---: | ---: |"];
  for (const row of rows) {
    const range = row.samples.map((r, i) => r / rows.find((p) => p.client === "python" && p.server === "python" && p.family === row.family && p.size === row.size)!.samples[i]!);
    const ratio = `${row.ratio.toFixed(2)}x (${Math.min(...range).toFixed(2)}-${Math.max(...range).toFixed(2)})`;
    const size = row.size >= 1024 ? `${row.size / 1024} KiB` : `${row.size} B`;
    lines.push(`| ${row.client} -> ${row.server} | ${row.family === "inet" ? "TCP" : "Unix"} | ${size} | ${formatNumber(row.roundTripsPerSecond)} | ${ratio} |`);
  }
  return lines.join("\n");
}

export function connectionHeader(): string {
  return `Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const before = connectionHeader();
  const rows = await connectionBench(process.argv.includes("--quick"), (m) => console.error(m));
  console.log(`\nmultiprocessing.connection bytes round trips, authkey on (${before}; at the end: load ${loadavg()[0].toFixed(2)})\n\n${formatConnection(rows)}`);
}
