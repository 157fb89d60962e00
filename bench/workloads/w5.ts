// W5: pool start-up plus one task, then shutdown. Milliseconds.
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import type { Peer } from "../peers/types.ts";
import { spawnSync } from "node:child_process";
import { median, nowMs, timeRuns } from "../stats.ts";

export async function w5(peer: Peer, config: BenchConfig, env?: NodeJS.ProcessEnv): Promise<Row> {
  const samples = await timeRuns(async () => {
    const pool = await peer.open(config.workers, env);
    try {
      if ((await pool.square(3)) !== 9) throw new Error("wrong result");
    } finally {
      await pool.close();
    }
  }, config.repeatStartup);
  return { workload: "W5", peer: peer.label, value: median(samples), unit: "ms", higherIsBetter: false, samples };
}

export const EXTRA_CA_UNSET = "NODE_EXTRA_CA_CERTS unset";

/** `node -e 0` with this environment: the floor under any process pool's start-up. */
export function nodeBoot(env: NodeJS.ProcessEnv, config: BenchConfig): { value: number; samples: number[] } {
  const samples: number[] = [];
  for (let i = 0; i < config.repeatStartup.warmup + config.repeatStartup.reps; i++) {
    const t0 = nowMs();
    const r = spawnSync(process.execPath, ["-e", "0"], { env, stdio: "ignore" });
    if (r.status !== 0) throw new Error(`node -e 0 exited with ${r.status ?? r.signal}`);
    if (i >= config.repeatStartup.warmup) samples.push(nowMs() - t0);
  }
  return { value: median(samples), samples };
}
