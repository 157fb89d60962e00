// W1: many tiny tasks (n => n * n), submitted one by one and awaited together. Tasks/s.
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import type { Peer, PoolHandle } from "../peers/types.ts";
import { median, timeRuns } from "../stats.ts";

export async function w1(peer: Peer, pool: PoolHandle, config: BenchConfig): Promise<Row> {
  const n = config.w1Tasks;
  const samples = await timeRuns(async () => {
    const pending: Promise<number>[] = new Array(n);
    for (let i = 0; i < n; i++) pending[i] = pool.square(i);
    const results = await Promise.all(pending);
    if (results[n - 1] !== (n - 1) * (n - 1)) throw new Error(`wrong result ${results[n - 1]}`);
  }, config.repeat);
  return { workload: "W1", peer: peer.label, value: (n * 1000) / median(samples), unit: "tasks/s", higherIsBetter: true, samples };
}
