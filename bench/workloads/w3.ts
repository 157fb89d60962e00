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
  /** Samples of the serial run of all W3 tasks in the parent, in ms. */
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
  }, config.repeatCpu);
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

/** Wall time of all W3 tasks on the pool, submitted together. */
export async function spinAll(pool: PoolHandle, config: BenchConfig, baseline: SpinBaseline, repeat: Repeat): Promise<number[]> {
  return timeRuns(async () => {
    const pending: Promise<number>[] = [];
    for (let i = 0; i < config.w3Tasks; i++) pending.push(pool.spin(baseline.iters));
    await Promise.all(pending);
  }, repeat);
}

export async function w3(peer: Peer, pool: PoolHandle, config: BenchConfig, baseline: SpinBaseline): Promise<Row> {
  const samples = await spinAll(pool, config, baseline, config.repeatCpu);
  const poolMs = median(samples);
  return {
    workload: "W3",
    peer: peer.label,
    value: baseline.serialMs / poolMs,
    unit: "x",
    higherIsBetter: true,
    samples,
    note: `${poolMs.toFixed(0)} ms on the pool`,
  };
}
