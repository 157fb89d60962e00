// W5: pool start-up plus one task, then shutdown. Milliseconds.
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import type { Peer } from "../peers/types.ts";
import { median, timeRuns } from "../stats.ts";

export async function w5(peer: Peer, config: BenchConfig): Promise<Row> {
  const samples = await timeRuns(async () => {
    const pool = await peer.open(config.workers);
    try {
      if ((await pool.square(3)) !== 9) throw new Error("wrong result");
    } finally {
      await pool.close();
    }
  }, config.repeatStartup);
  return { workload: "W5", peer: peer.label, value: median(samples), unit: "ms", higherIsBetter: false, samples };
}
