// `npm run bench -- --connection` (or `node --import tsx bench/connection.ts` on its own, after
// `npm run build`): bytes round trips per second over multiprocessing.connection, multiproc
// against Python's, measured in this run. Every pairing of client and server (multiproc or
// Python on each side, so the interop is timed too), TCP and Unix sockets, 64-byte and 64 KiB
// messages, all with an authkey. Each server is its own process; each client does N round trips
// (sendBytes then recvBytes), REPS times after a warm-up, and the median counts. Python's rows are
// python3 bench/connection/echo.py; multiproc's server is bench/connection/echo-server.mjs.
import { spawn, type ChildProcess } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import * as mp from "multiproc";
import { median, nowMs, formatNumber } from "./stats.ts";

const PY = new URL("./connection/echo.py", import.meta.url).pathname;
const NODE_SERVER = new URL("./connection/echo-server.mjs", import.meta.url).pathname;
type Side = "multiproc" | "python";
type Family = "inet" | "unix";

export interface ConnectionRow {
  client: Side;
  server: Side;
  family: Family;
  size: number;
  roundTripsPerSecond: number;
  samples: number[];
}

async function firstLine(child: ChildProcess): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  for await (const line of rl) {
    rl.close();
    return line.trim();
  }
  throw new Error("the server printed no address");
}

function startServer(side: Side, family: Family): { child: ChildProcess; address: Promise<string> } {
  const child = side === "python" ? spawn("python3", [PY, "serve", family], { stdio: ["ignore", "pipe", "inherit"] }) : spawn(process.execPath, [NODE_SERVER, family], { stdio: ["ignore", "pipe", "inherit"] });
  return { child, address: firstLine(child) };
}

async function nodeClient(address: string, size: number, n: number, reps: number): Promise<number[]> {
  const target: mp.connection.Address = /^\d+$/.test(address) ? ["127.0.0.1", Number(address)] : address;
  await using conn = await mp.connection.Client(target, { authkey: "bench-connection" });
  const payload = Buffer.alloc(size, 0x78);
  for (let i = 0; i < n / 10; i++) {
    await conn.sendBytes(payload);
    await conn.recvBytes();
  }
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = nowMs();
    for (let i = 0; i < n; i++) {
      await conn.sendBytes(payload);
      await conn.recvBytes();
    }
    samples.push(nowMs() - t0);
  }
  return samples;
}

async function pythonClient(address: string, size: number, n: number, reps: number): Promise<number[]> {
  const child = spawn("python3", [PY, "client", address, String(size), String(n), String(reps)], { stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(await firstLine(child)) as number[];
}

export async function connectionBench(quick: boolean, log: (m: string) => void): Promise<ConnectionRow[]> {
  const rows: ConnectionRow[] = [];
  const reps = quick ? 3 : 5;
  for (const size of [64, 64 * 1024]) {
    const n = (size <= 64 ? 20_000 : 4_000) / (quick ? 4 : 1);
    for (const family of ["inet", "unix"] as const) {
      for (const server of ["python", "multiproc"] as const) {
        for (const client of ["python", "multiproc"] as const) {
          log(`connection: ${client} client -> ${server} server, ${family}, ${size} B x ${n}`);
          const { child, address } = startServer(server, family);
          const exited = new Promise((r) => child.on("exit", r));
          const samples = client === "python" ? await pythonClient(await address, size, n, reps) : await nodeClient(await address, size, n, reps);
          await exited;
          rows.push({ client, server, family, size, roundTripsPerSecond: n / (median(samples) / 1000), samples });
        }
      }
    }
  }
  return rows;
}

export function formatConnection(rows: ConnectionRow[]): string {
  const lines = ["| client -> server | family | message | round trips/s | vs Python -> Python |", "| --- | --- | --- | ---: | ---: |"];
  for (const row of rows) {
    const python = rows.find((r) => r.client === "python" && r.server === "python" && r.family === row.family && r.size === row.size)!;
    const ratio = row.roundTripsPerSecond / python.roundTripsPerSecond;
    const size = row.size >= 1024 ? `${row.size / 1024} KiB` : `${row.size} B`;
    lines.push(`| ${row.client} -> ${row.server} | ${row.family === "inet" ? "TCP" : "Unix"} | ${size} | ${formatNumber(row.roundTripsPerSecond)} | ${ratio.toFixed(2)}x |`);
  }
  return lines.join("\n");
}

export function connectionHeader(): string {
  return `Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await connectionBench(process.argv.includes("--quick"), (m) => console.error(m));
  console.log(`\nmultiprocessing.connection bytes round trips, authkey on (${connectionHeader()})\n\n${formatConnection(rows)}`);
}
