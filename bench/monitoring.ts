// `npm run bench -- --monitoring`: what progress and pool.stats() cost, on W1 (20,000 tiny apply
// calls) and W2 (map over 200,000 tiny items), multiproc on both contexts. Variants, interleaved
// one run each per repetition so that the machine's drift hits them alike:
//   - "default": stats on (they always are), no progress option;
//   - "stats hooks off": the pool's monitor methods replaced by no-ops in this process, the
//     floor that shows what the always-on counters and histograms cost;
//   - "progress callback" (W2): map(..., { progress: () => {} }).
import { median, nowMs, formatNumber } from "./stats.ts";
import type { BenchConfig } from "./config.ts";

type Variant = "default" | "stats hooks off" | "progress callback";

interface MpModule {
  Pool: new (options: { processes: number; context: "process" | "thread" }) => {
    applyAsync(fn: (x: number) => number, args: number[]): Promise<number>;
    map(fn: (x: number) => number, items: number[], options?: { progress?: () => void }): Promise<number[]>;
    terminate(): Promise<void>;
  };
}

export interface MonitoringRow {
  workload: "W1" | "W2" | "hooks";
  context: string;
  variant: Variant;
  value: number;
  unit: string;
  samples: number[];
}

export async function monitoringBench(config: BenchConfig, log: (m: string) => void): Promise<MonitoringRow[]> {
  const specifier = "multiproc";
  const mp = (await import(specifier)) as MpModule;
  // The same module instance as "multiproc" resolves to: dist/pool/stats.js.
  const statsUrl = new URL("../dist/pool/stats.js", import.meta.url).href;
  const { PoolMonitor } = (await import(statsUrl)) as { PoolMonitor: MonitorClass };
  const hooks = ["submitted", "sent", "ran", "settled", "retried", "workerStarted", "workerReady", "workerExited", "working"];
  const originals = Object.fromEntries(hooks.map((h) => [h, PoolMonitor.prototype[h]]));
  const setHooks = (on: boolean) => {
    for (const h of hooks) PoolMonitor.prototype[h] = on ? originals[h] : () => {};
  };
  const rows: MonitoringRow[] = [hookCost(PoolMonitor, log)];
  const items = Array.from({ length: config.w2Items }, (_, i) => i);
  for (const context of ["thread", "process"] as const) {
    const pool = new mp.Pool({ processes: config.workers, context });
    try {
      const w1 = async () => {
        const pending: Promise<number>[] = new Array(config.w1Tasks);
        for (let i = 0; i < config.w1Tasks; i++) pending[i] = pool.applyAsync((x: number) => x * x, [i]);
        await Promise.all(pending);
      };
      const runs: { workload: "W1" | "W2"; variant: Variant; run: () => Promise<unknown>; stats: boolean }[] = [
        { workload: "W1", variant: "default", run: w1, stats: true },
        { workload: "W1", variant: "stats hooks off", run: w1, stats: false },
        { workload: "W2", variant: "default", run: () => pool.map((x: number) => x * x, items), stats: true },
        { workload: "W2", variant: "stats hooks off", run: () => pool.map((x: number) => x * x, items), stats: false },
        { workload: "W2", variant: "progress callback", run: () => pool.map((x: number) => x * x, items, { progress: () => {} }), stats: true },
      ];
      const samples = runs.map(() => [] as number[]);
      log(`monitoring: multiproc (${context}), ${runs.length} variants interleaved`);
      for (let rep = 0; rep < config.repeat.warmup + config.repeat.reps; rep++) {
        // A different variant first each time.
        for (let k = 0; k < runs.length; k++) {
          const i = (k + rep) % runs.length;
          setHooks(runs[i]!.stats);
          const t0 = nowMs();
          await runs[i]!.run();
          if (rep >= config.repeat.warmup) samples[i]!.push(nowMs() - t0);
        }
      }
      setHooks(true);
      runs.forEach((r, i) => {
        const n = r.workload === "W1" ? config.w1Tasks : config.w2Items;
        rows.push({ workload: r.workload, context, variant: r.variant, value: (n * 1000) / median(samples[i]!), unit: r.workload === "W1" ? "tasks/s" : "items/s", samples: samples[i]! });
      });
    } finally {
      setHooks(true);
      await pool.terminate();
    }
  }
  return rows;
}

interface MonitorLike {
  submitted(task: { queuedAt: number }): void;
  sent(batch: { queuedAt: number }[]): void;
  ran(busyMs: number, count: number): void;
  settled(ok: boolean): void;
  working(working: boolean): void;
}
type MonitorClass = { prototype: Record<string, unknown> } & (new (events: { listenerCount(name: string): number }) => MonitorLike);

/**
 * The hooks alone, without a pool: what one task's submit, send, result and settle cost the
 * monitor, in ns (batches of 64 tasks, as tiny tasks travel). The rows above are pool runs,
 * whose run-to-run spread on a busy machine is larger than this.
 */
function hookCost(PoolMonitor: MonitorClass, log: (m: string) => void): MonitoringRow {
  log("monitoring: the stats hooks alone");
  const monitor = new PoolMonitor({ listenerCount: () => 0 });
  const batch = Array.from({ length: 64 }, () => ({ queuedAt: 0 }));
  const samples: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    const rounds = 5000;
    const t0 = nowMs();
    for (let r = 0; r < rounds; r++) {
      for (const t of batch) monitor.submitted(t);
      monitor.working(true);
      monitor.sent(batch);
      monitor.ran(0.5, batch.length);
      for (let i = 0; i < batch.length; i++) monitor.settled(true);
      monitor.working(false);
    }
    samples.push(((nowMs() - t0) * 1e6) / (rounds * batch.length));
  }
  return { workload: "hooks", context: "-", variant: "default", value: median(samples), unit: "ns per task", samples };
}

export function formatMonitoring(rows: MonitoringRow[]): string {
  const lines = ["| workload | context | variant | rate | vs stats hooks off |", "| --- | --- | --- | --- | --- |"];
  for (const row of rows) {
    if (row.workload === "hooks") {
      const w1 = rows.find((r) => r.workload === "W1" && r.variant === "default");
      const share = w1 ? ` (${((row.value * w1.value) / 1e7).toFixed(2)}% of a W1 task at ${formatNumber(w1.value)} tasks/s)` : "";
      lines.push(`| stats hooks alone | - | submit, send, result, settle | ${row.value.toFixed(0)} ns per task${share} | |`);
      continue;
    }
    const floor = rows.find((r) => r.workload === row.workload && r.context === row.context && r.variant === "stats hooks off")!;
    lines.push(`| ${row.workload} | ${row.context} | ${row.variant} | ${formatNumber(row.value)} ${row.unit} | ${(row.value / floor.value).toFixed(2)}x |`);
  }
  return lines.join("\n");
}
