// Workload sizes and repetition counts for the full and --quick runs.
import type { Repeat } from "./stats.ts";

export interface BenchConfig {
  quick: boolean;
  workers: number;
  w1Tasks: number;
  w2Items: number;
  w3Tasks: number;
  w3TaskMs: number;
  w4Bytes: number;
  w4RoundTrips: number;
  w6Items: number;
  w6Chunksize: number;
  scalingWorkers: number[];
  /** Repetitions of the throughput workloads (W1, W2, W4). */
  repeat: Repeat;
  /** Repetitions of the CPU-bound workload (W3), whose runs are long; each is a serial + pool pair. */
  repeatCpu: Repeat;
  /** Repetitions of the start-up workload (W5). */
  repeatStartup: Repeat;
  /** Repetitions of the fresh-process imap workload (W6). */
  repeatW6: Repeat;
}

/**
 * The full run uses the sizes of issue 5. --quick (under a minute on 2 cores, for a smoke test
 * and a rough picture) runs W1, W2, W4 and W6 at a quarter of their size and repeats less;
 * its rates (tasks/s, items/s, ms per round trip) are comparable, if noisier.
 */
export function makeConfig(quick: boolean): BenchConfig {
  return {
    quick,
    workers: 2,
    w1Tasks: quick ? 5_000 : 20_000,
    w2Items: quick ? 50_000 : 200_000,
    w3Tasks: 16,
    w3TaskMs: 50,
    w4Bytes: 16 * 1024 * 1024,
    w4RoundTrips: quick ? 5 : 20,
    w6Items: quick ? 250_000 : 1_000_000,
    w6Chunksize: 1000,
    scalingWorkers: [1, 2, 4, 8, 16],
    repeat: quick ? { warmup: 1, reps: 3 } : { warmup: 2, reps: 7 },
    repeatCpu: quick ? { warmup: 0, reps: 1 } : { warmup: 1, reps: 5 },
    repeatStartup: quick ? { warmup: 1, reps: 3 } : { warmup: 2, reps: 7 },
    repeatW6: quick ? { warmup: 0, reps: 1 } : { warmup: 0, reps: 3 },
  };
}
