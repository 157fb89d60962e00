// W2: map over many tiny items (the library's map, or chunks of Python's default size). Items/s.
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import type { Peer, PoolHandle } from "../peers/types.ts";
import { median, timeRuns } from "../stats.ts";

export function w2Items(config: BenchConfig): number[] {
  return Array.from({ length: config.w2Items }, (_, i) => i);
}

export async function w2(peer: Peer, pool: PoolHandle, config: BenchConfig, items: number[]): Promise<Row> {
  const samples = await timeRuns(async () => {
    const results = await pool.map(items);
    const last = items.length - 1;
    if (results.length !== items.length || results[last] !== last * last) throw new Error("wrong map result");
  }, config.repeat);
  return {
    workload: "W2",
    peer: peer.label,
    value: (items.length * 1000) / median(samples),
    unit: "items/s",
    higherIsBetter: true,
    samples,
  };
}
