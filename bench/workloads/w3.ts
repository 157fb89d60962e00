// W3: CPU-bound tasks of about 50 ms each, against the same work done serially in the parent.
// Reports the speed-up (serial time / pool time).
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import type { Repeat } from "../stats.ts";
import type { Peer, PoolHandle } from "../peers/types.ts";
import { median, nowMs, timeRuns } from "../stats.ts";
import { spin } from "../workers/tasks.mjs";

export interface SpinBaseline {
  /** Iterations of spin() that take about config.w3TaskMs in this process. */
  iters: number;
  /** Samples of the serial run of all W3 tasks in the parent at the start of the run, in ms. */
  serialSamples: number[];
  serialMs: number;
}

export async function spinBaseline(config: BenchConfig): Promise<SpinBaseline> {
  let iters = 10_000;
  for (;;) {
    const t0 = nowMs();
    spin(iters);
    if (nowMs() - t0 > 20) break;
    iters *= 2;
  }
  const times = await timeRuns(() => spin(iters), { warmup: 1, reps: 3 });
  iters = Math.max(1, Math.round((iters * config.w3TaskMs) / Math.min(...times)));
  const serialSamples = await timeRuns(() => {
    for (let i = 0; i < config.w3Tasks; i++) spin(iters);
  }, { warmup: 0, reps: Math.max(1, config.repeatCpu.reps) });
  return { iters, serialSamples, serialMs: median(serialSamples) };
}

export function serialRow(baseline: SpinBaseline): Row {
  return {
    workload: "W3",
    peer: "serial (parent)",
    value: 1,
    unit: "x",
    higherIsBetter: true,
    samples: baseline.serialSamples,
    note: `${baseline.serialMs.toFixed(0)} ms for the serial run`,
  };
}

/** One run of all W3 tasks on the pool, submitted together. */
async function spinAllOnce(pool: PoolHandle, config: BenchConfig, baseline: SpinBaseline): Promise<void> {
  const pending: Promise<number>[] = [];
  for (let i = 0; i < config.w3Tasks; i++) pending.push(pool.spin(baseline.iters));
  await Promise.all(pending);
}

export interface Speedup {
  /** Median of the per-repetition speed-ups. */
  value: number;
  poolSamples: number[];
  serialSamples: number[];
}

/**
 * The speed-up of the pool over the parent, measured in pairs: each repetition runs the work
 * serially in the parent, then on the pool, and takes the ratio of the two. Pairing keeps a
 * change of load on the machine between the start of the run and this peer's turn out of the
 * ratio; the median of the pairs is reported.
 */
export async function measureSpeedup(pool: PoolHandle, config: BenchConfig, baseline: SpinBaseline, repeat: Repeat): Promise<Speedup> {
  for (let i = 0; i < repeat.warmup; i++) await spinAllOnce(pool, config, baseline);
  const poolSamples: number[] = [];
  const serialSamples: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < repeat.reps; i++) {
    const [serial] = await timeRuns(() => {
      for (let t = 0; t < config.w3Tasks; t++) spin(baseline.iters);
    }, { warmup: 0, reps: 1 });
    const [parallel] = await timeRuns(() => spinAllOnce(pool, config, baseline), { warmup: 0, reps: 1 });
    serialSamples.push(serial);
    poolSamples.push(parallel);
    ratios.push(serial / parallel);
  }
  return { value: median(ratios), poolSamples, serialSamples };
}

export async function w3(peer: Peer, pool: PoolHandle, config: BenchConfig, baseline: SpinBaseline): Promise<Row> {
  const speedup = await measureSpeedup(pool, config, baseline, config.repeatCpu);
  return {
    workload: "W3",
    peer: peer.label,
    value: speedup.value,
    unit: "x",
    higherIsBetter: true,
    samples: speedup.poolSamples,
    note: `${median(speedup.poolSamples).toFixed(0)} ms on the pool, ${median(speedup.serialSamples).toFixed(0)} ms serial`,
  };
}
