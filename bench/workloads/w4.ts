// W4: a 16 MiB Float64Array round-tripped through a worker 20 times, copied (structured clone
// both ways) and transferred (buffer moved both ways). Milliseconds per round trip.
import type { BenchConfig } from "../config.ts";
import type { Row } from "../results.ts";
import { median, timeRuns } from "../stats.ts";

export type Echo = (data: Float64Array) => Promise<Float64Array>;

export async function w4(peer: string, variant: "copy" | "transfer", echo: Echo, config: BenchConfig): Promise<Row> {
  const length = config.w4Bytes / Float64Array.BYTES_PER_ELEMENT;
  // Allocated once, outside the timings: each run starts from the array the last one got back.
  let data: Float64Array = new Float64Array(length);
  data[length - 1] = 42;
  const samples = await timeRuns(async () => {
    for (let i = 0; i < config.w4RoundTrips; i++) data = await echo(data);
    if (!(data instanceof Float64Array) || data.length !== length || data[length - 1] !== 42) {
      throw new Error("the array did not come back intact");
    }
  }, config.repeat);
  return {
    workload: "W4",
    peer,
    variant,
    value: median(samples) / config.w4RoundTrips,
    unit: "ms/round trip",
    higherIsBetter: false,
    samples,
  };
}
