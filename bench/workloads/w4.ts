// W4: a 16 MiB Float64Array round-tripped through a worker 20 times, copied (structured clone
// both ways) and transferred (buffer moved both ways). Milliseconds per round trip.
//
// Every peer's runs are interleaved (one run of each peer per repetition, starting with a
// different peer each time), each on a pool of its own opened for W4: a round trip costs
// 0.05-0.3 ms, and on a shared VM the machine's speed drifts more than that between one peer's
// block of runs and the next one's, and a pool fresh from W1-W3 carries their garbage.
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import { median, nowMs } from "../stats.ts";
import { naRow } from "./na.ts";

export type Echo = (data: Float64Array) => Promise<Float64Array>;

export interface EchoPeer {
  peer: string;
  echo: Echo;
}

export async function w4(variant: "copy" | "transfer", peers: EchoPeer[], config: BenchConfig): Promise<Row[]> {
  const length = config.w4Bytes / Float64Array.BYTES_PER_ELEMENT;
  // One array per peer, allocated outside the timings: each run starts from the array the
  // peer's last run got back.
  const data: Float64Array[] = peers.map(() => {
    const array = new Float64Array(length);
    array[length - 1] = 42;
    return array;
  });
  const run = async (i: number): Promise<number> => {
    const t0 = nowMs();
    for (let r = 0; r < config.w4RoundTrips; r++) data[i] = await peers[i]!.echo(data[i]!);
    const elapsed = nowMs() - t0;
    const back = data[i]!;
    if (!(back instanceof Float64Array) || back.length !== length || back[length - 1] !== 42) {
      throw new Error(`${peers[i]!.peer}: the array did not come back intact`);
    }
    return elapsed;
  };
  const samples: number[][] = peers.map(() => []);
  const failed: (unknown | undefined)[] = peers.map(() => undefined);
  const { warmup, reps } = config.repeat;
  for (let rep = 0; rep < warmup + reps; rep++) {
    for (let k = 0; k < peers.length; k++) {
      const i = (rep + k) % peers.length;
      if (failed[i] !== undefined) continue;
      try {
        const elapsed = await run(i);
        if (rep >= warmup) samples[i]!.push(elapsed);
      } catch (error) {
        failed[i] = error;
      }
    }
  }
  return peers.map(({ peer }, i): Row => {
    const base = { workload: "W4" as const, peer, variant, unit: "ms/round trip", higherIsBetter: false };
    if (failed[i] !== undefined) return naRow(base, failed[i]);
    return { ...base, value: median(samples[i]!) / config.w4RoundTrips, samples: samples[i] };
  });
}
