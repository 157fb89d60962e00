// The benchmark suite of issue 5: multiproc (thread and process contexts) against piscina,
// tinypool, workerpool and Python's multiprocessing, all measured in this one run.
//
//   npm run bench                      full run, writes bench/results/latest.{json,svg}
//   npm run bench -- --quick           under a minute: fewer repetitions, smaller W6
//   npm run bench -- --scaling         W3's speed-up at 1, 2, 4, 8 and 16 workers
//   npm run bench -- --monitoring      what progress and pool.stats() cost on W1 and W2
//   npm run bench -- --cli             multiproc map against GNU parallel and xargs -P
//   npm run bench -- --cluster         mp.cluster through Redis vs the local Pool and plain BullMQ
//   npm run bench -- --connection      Listener/Client bytes round trips vs Python's multiprocessing.connection
//   npm run bench -- --manager         Manager proxy calls (a dict's set then get) vs Python's Manager
//   options: --only=W1,W4  --peers=multiproc,piscina  --no-write
// Peers come from the project's node_modules, or from MULTIPROC_BENCH_PEERS=/some/prefix.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release } from "node:os";
import { makeConfig, type BenchConfig } from "./config.ts";
import { renderChart } from "./chart.ts";
import { peerFactories } from "./peers/registry.ts";
import { peerVersion } from "./peers/resolve.ts";
import { openRawEcho } from "./peers/raw.ts";
import { PYTHON, pythonRows, pythonScalingRows, pythonVersion, pythonW6Rows } from "./peers/python.ts";
import type { Peer, PoolHandle } from "./peers/types.ts";
import { formatReport } from "./report.ts";
import type { Results, Row, WorkloadId } from "./results.ts";
import { computeTargets, RAW } from "./targets.ts";
import { median } from "./stats.ts";
import { cliBench, formatCli } from "./cli-map.ts";
import { clusterBench, formatCluster } from "./cluster.ts";
import { connectionBench, formatConnection } from "./connection.ts";
import { managerBench, formatManager } from "./manager.ts";
import { formatMonitoring, monitoringBench } from "./monitoring.ts";
import { attempt, errorMessage, naRow } from "./workloads/na.ts";
import { w1 } from "./workloads/w1.ts";
import { w2, w2Items } from "./workloads/w2.ts";
import { measureSpeedup, serialRow, spinBaseline, w3, type SpinBaseline } from "./workloads/w3.ts";
import { w4, type EchoPeer } from "./workloads/w4.ts";
import { EXTRA_CA_UNSET, nodeBoot, w5 } from "./workloads/w5.ts";
import { w6, w6Idle } from "./workloads/w6.ts";

interface Options {
  quick: boolean;
  scaling: boolean;
  monitoring: boolean;
  cli: boolean;
  cluster: boolean;
  connection: boolean;
  manager: boolean;
  write: boolean;
  only: Set<string> | null;
  peers: string[] | null;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const only = value("only");
  const peers = value("peers");
  return {
    quick: argv.includes("--quick"),
    scaling: argv.includes("--scaling"),
    monitoring: argv.includes("--monitoring"),
    cli: argv.includes("--cli"),
    cluster: argv.includes("--cluster"),
    connection: argv.includes("--connection"),
    manager: argv.includes("--manager"),
    write: !argv.includes("--no-write"),
    only: only === undefined ? null : new Set(only.toUpperCase().split(",")),
    peers: peers === undefined ? null : peers.split(","),
  };
}

const t0 = Date.now();
const log = (message: string): void => {
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
};

class Runner {
  readonly rows: Row[] = [];
  readonly available: { key: string; peer: Peer }[] = [];
  readonly unavailable = new Map<string, { peer: Peer; error: unknown }>();

  constructor(
    readonly config: BenchConfig,
    readonly options: Options,
  ) {}

  wants(workload: WorkloadId | "PY"): boolean {
    return this.options.only === null || this.options.only.has(workload);
  }

  wantsPeer(name: string): boolean {
    return this.options.peers === null || this.options.peers.some((p) => name.includes(p));
  }

  async loadPeers(): Promise<void> {
    for (const [key, factory] of Object.entries(peerFactories)) {
      if (!this.wantsPeer(key)) continue;
      const peer = factory();
      try {
        await peer.load();
        this.available.push({ key, peer });
      } catch (error) {
        this.unavailable.set(key, { peer, error });
        log(`${peer.label}: n/a (${errorMessage(error)})`);
      }
    }
  }

  /** n/a rows for every unavailable peer, so that the table says why a row is missing. */
  addUnavailable(workload: WorkloadId, variants: (string | undefined)[] = [undefined]): void {
    for (const { peer, error } of this.unavailable.values()) {
      for (const variant of variants) {
        this.rows.push(naRow({ workload, peer: peer.label, variant, unit: "", higherIsBetter: true }, error));
      }
    }
  }

  /** W1 to W3 on one warm pool per peer. */
  async pooledWorkloads(baseline: SpinBaseline | null): Promise<void> {
    if (!(["W1", "W2", "W3"] as const).some((w) => this.wants(w))) return;
    const items = w2Items(this.config);
    for (const { peer } of this.available) {
      let pool;
      try {
        pool = await peer.open(this.config.workers);
        await pool.square(1); // the workers are up
      } catch (error) {
        for (const workload of ["W1", "W2", "W3"] as const) {
          if (this.wants(workload)) this.rows.push(naRow({ workload, peer: peer.label, unit: "", higherIsBetter: true }, error));
        }
        await pool?.close().catch(() => undefined);
        continue;
      }
      const p = pool;
      const step = (name: string): void => log(`${peer.label}: ${name}`);
      if (this.wants("W1")) step("W1");
      if (this.wants("W1")) this.rows.push(await attempt({ workload: "W1", peer: peer.label, unit: "tasks/s", higherIsBetter: true }, () => w1(peer, p, this.config)));
      if (this.wants("W2")) step("W2");
      if (this.wants("W2")) this.rows.push(await attempt({ workload: "W2", peer: peer.label, unit: "items/s", higherIsBetter: true }, () => w2(peer, p, this.config, items)));
      if (this.wants("W3")) step("W3");
      if (this.wants("W3") && baseline !== null) this.rows.push(await attempt({ workload: "W3", peer: peer.label, unit: "x", higherIsBetter: true }, () => w3(peer, p, this.config, baseline)));
      await pool.close().catch((error: unknown) => log(`${peer.label}: close failed: ${errorMessage(error)}`));
    }
  }

  /** W4, both variants: every peer (and raw worker_threads) on a pool of its own, interleaved. */
  async transfers(): Promise<void> {
    const opened: { peer: Peer; pool: PoolHandle }[] = [];
    for (const { peer } of this.available) {
      try {
        const pool = await peer.open(this.config.workers);
        opened.push({ peer, pool });
        await pool.square(1); // the workers are up
      } catch (error) {
        for (const variant of ["copy", "transfer"]) this.rows.push(naRow({ workload: "W4", peer: peer.label, variant, unit: "", higherIsBetter: false }, error));
      }
    }
    const raw = this.wantsPeer("raw") ? await openRawEcho() : null;
    try {
      for (const variant of ["copy", "transfer"] as const) {
        log(`W4 ${variant}: ${opened.length + (raw ? 1 : 0)} peers, interleaved`);
        const peers: EchoPeer[] = [];
        for (const { peer, pool } of opened) {
          const echo = variant === "copy" ? pool.echoCopy : pool.echoTransfer;
          if (echo === undefined) {
            const why = variant === "copy" ? "typed arrays do not survive its IPC" : "not possible across processes";
            this.rows.push({ workload: "W4", peer: peer.label, variant, unit: "ms/round trip", higherIsBetter: false, value: null, note: `n/a (${why})` });
          } else {
            peers.push({ peer: peer.label, echo });
          }
        }
        if (raw) peers.push({ peer: RAW, echo: (d) => raw.echo(d, variant === "transfer") });
        this.rows.push(...(await w4(variant, peers, this.config)));
      }
    } finally {
      await raw?.close();
      for (const { peer, pool } of opened) await pool.close().catch((error: unknown) => log(`${peer.label}: close failed: ${errorMessage(error)}`));
    }
  }

  async startup(): Promise<void> {
    for (const { peer } of this.available) {
      log(`${peer.label}: W5`);
      this.rows.push(await attempt({ workload: "W5", peer: peer.label, unit: "ms", higherIsBetter: false }, () => w5(peer, this.config)));
    }
    this.addUnavailable("W5");
    // Node 20 parses the whole CA bundle at start-up when NODE_EXTRA_CA_CERTS is set
    // (nodejs/node#40524; Node 24 defers it): every child process pays it, Python does not.
    // Show what it costs here, and the process pools without it.
    if (process.env.NODE_EXTRA_CA_CERTS) {
      const unset = { ...process.env };
      delete unset.NODE_EXTRA_CA_CERTS;
      for (const [variant, env] of [["as set here", process.env], [EXTRA_CA_UNSET, unset]] as const) {
        const boot = { workload: "W5" as const, peer: "node -e 0 (Node's own start-up)", variant, unit: "ms", higherIsBetter: false };
        this.rows.push(await attempt(boot, async () => ({ ...boot, ...nodeBoot(env, this.config) })));
      }
      for (const { peer } of this.available.filter(({ peer }) => peer.context === "process")) {
        log(`${peer.label}: W5, ${EXTRA_CA_UNSET}`);
        const base = { workload: "W5" as const, peer: peer.label, variant: EXTRA_CA_UNSET, unit: "ms", higherIsBetter: false };
        this.rows.push(await attempt(base, async () => ({ ...(await w5(peer, this.config, unset)), variant: EXTRA_CA_UNSET })));
      }
    }
  }

  async imap(python: boolean): Promise<void> {
    this.rows.push(await attempt({ workload: "W6", peer: "node, idle", variant: "peak RSS", unit: "MiB", higherIsBetter: false }, () => w6Idle(this.config)));
    for (const { key, peer } of this.available) {
      log(`${peer.label}: W6 (${this.config.w6Items} items, fresh process)`);
      try {
        this.rows.push(...(await w6(key, peer.label, this.config)));
      } catch (error) {
        for (const variant of ["speed", "peak RSS"]) this.rows.push(naRow({ workload: "W6", peer: peer.label, variant, unit: "", higherIsBetter: true }, error));
      }
    }
    this.addUnavailable("W6");
    if (python) {
      log(`${PYTHON}: W6`);
      try {
        this.rows.push(...(await pythonW6Rows(this.config)));
      } catch (error) {
        this.rows.push(naRow({ workload: "W6", peer: PYTHON, unit: "", higherIsBetter: true }, error));
      }
    }
  }

  async scaling(baseline: SpinBaseline, python: boolean): Promise<void> {
    for (const { peer } of this.available) {
      for (const workers of this.config.scalingWorkers) {
        log(`${peer.label}: W3 at ${workers} workers`);
        const base = { workload: "W3-scaling" as const, peer: peer.label, variant: `${workers} worker${workers === 1 ? "" : "s"}`, unit: "x", higherIsBetter: true };
        this.rows.push(
          await attempt(base, async () => {
            const pool = await peer.open(workers);
            try {
              // At least one untimed round: the pool's workers start up lazily.
              const repeat = { warmup: Math.max(1, this.config.repeatCpu.warmup), reps: this.config.repeatCpu.reps };
              const speedup = await measureSpeedup(pool, this.config, baseline, repeat);
              return { ...base, value: speedup.value, samples: speedup.poolSamples };
            } finally {
              await pool.close();
            }
          }),
        );
      }
    }
    this.addUnavailable("W3-scaling");
    if (python) {
      log(`${PYTHON}: W3 scaling`);
      try {
        this.rows.push(...(await pythonScalingRows(this.config)));
      } catch (error) {
        this.rows.push(naRow({ workload: "W3-scaling", peer: PYTHON, unit: "x", higherIsBetter: true }, error));
      }
    }
  }
}

function sortRows(rows: Row[]): Row[] {
  const order: WorkloadId[] = ["W1", "W2", "W3", "W4", "W5", "W6", "W3-scaling"];
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => order.indexOf(a.row.workload) - order.indexOf(b.row.workload) || a.index - b.index)
    .map(({ row }) => row);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const config = makeConfig(options.quick);
  if (options.monitoring || options.cli || options.cluster || options.connection || options.manager) {
    // Runs of their own, each with its own table and results file.
    const dir = new URL("./results/", import.meta.url);
    mkdirSync(dir, { recursive: true });
    const header = `Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`;
    const write = (name: string, rows: unknown) => {
      if (options.write) writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, loadAverage: loadavg()[0], quick: config.quick, rows }, null, 2)}\n`);
    };
    if (options.monitoring) {
      const rows = await monitoringBench(config, log);
      console.log(`\nProgress and stats cost (${header})\n\n${formatMonitoring(rows)}`);
      write("monitoring", rows);
    }
    if (options.cli) {
      const rows = cliBench(config, log);
      console.log(`\nmultiproc map vs GNU parallel and xargs -P on a JSONL job (${header})\n\n${formatCli(rows)}`);
      write("cli", rows);
    }
    if (options.cluster) {
      const rows = await clusterBench(config, log);
      console.log(`\nmp.cluster through Redis (${header})\n\n${formatCluster(rows)}`);
      write("cluster", rows);
    }
    if (options.connection) {
      const rows = await connectionBench(config.quick, log);
      console.log(`\nmultiprocessing.connection bytes round trips, authkey on (${header}; at the end: load ${loadavg()[0].toFixed(2)})\n\n${formatConnection(rows)}`);
      write("connection", rows);
    }
    if (options.manager) {
      const rows = await managerBench(config.quick, log);
      console.log(`\nManager proxy calls, a dict's set then get (${header})\n\n${formatManager(rows)}`);
      write("manager", rows);
    }
    return;
  }
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  const runner = new Runner(config, options);
  const python = runner.wantsPeer("python") ? await pythonVersion() : null;
  await runner.loadPeers();

  log("W3 serial baseline (parent)");
  const baseline = runner.wants("W3") || options.scaling ? await spinBaseline(config) : null;

  if (options.scaling) {
    if (baseline !== null) {
      runner.rows.push({ ...serialRow(baseline), workload: "W3-scaling" });
      await runner.scaling(baseline, python !== null);
    }
  } else {
    if (baseline !== null && runner.wants("W3")) runner.rows.push(serialRow(baseline));
    await runner.pooledWorkloads(baseline);
    if (runner.wants("W4")) await runner.transfers();
    for (const workload of ["W1", "W2", "W3", "W4"] as const) if (runner.wants(workload)) runner.addUnavailable(workload, workload === "W4" ? ["copy", "transfer"] : [undefined]);
    if (runner.wants("W5")) await runner.startup();
    if (runner.wants("W6")) await runner.imap(python !== null);
    if (python !== null && (["W1", "W2", "W3", "W4", "W5"] as const).some((w) => runner.wants(w))) {
      log(`${PYTHON}: W1-W5`);
      try {
        runner.rows.push(...(await pythonRows(config)));
      } catch (error) {
        runner.rows.push(naRow({ workload: "W1", peer: PYTHON, unit: "", higherIsBetter: true }, error));
      }
    }
  }

  const versions: Record<string, string> = {};
  for (const name of ["multiproc", "piscina", "tinypool", "workerpool"]) {
    const version = name === "multiproc" ? process.env.npm_package_version ?? "local" : peerVersion(name);
    if (version !== null) versions[name] = version;
  }
  const rows = sortRows(runner.rows);
  const results: Results = {
    date: new Date().toISOString(),
    quick: config.quick,
    node: process.version,
    python,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    platform: `${platform()} ${release()}`,
    loadAverage: [loadAtStart, loadavg()[0]],
    versions,
    rows,
    targets: options.scaling ? [] : computeTargets(rows),
  };
  console.log(formatReport(results));
  log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (options.write) {
    const dir = new URL("./results/", import.meta.url);
    mkdirSync(dir, { recursive: true });
    const name = options.scaling ? "scaling" : "latest";
    writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(results, null, 2)}\n`);
    if (!options.scaling) writeFileSync(new URL(`${name}.svg`, dir), renderChart(results));
    log(`wrote bench/results/${name}.json${options.scaling ? "" : " and .svg"}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
