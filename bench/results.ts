// The shape of a benchmark run's results, as printed and as written to bench/results/latest.json.

export type WorkloadId = "W1" | "W2" | "W3" | "W4" | "W5" | "W6" | "W3-scaling";

export interface Row {
  workload: WorkloadId;
  /** The library and context, e.g. "piscina (thread)" or "python multiprocessing". */
  peer: string;
  /** What was measured when a peer has several rows, e.g. "transfer" or "spawn" or "8 workers". */
  variant?: string;
  /** The median; null when the peer could not run this workload. */
  value: number | null;
  unit: string;
  /** Whether a larger value is better (tasks/s) or a smaller one (ms, MiB). */
  higherIsBetter: boolean;
  /** The per-repetition samples the median was taken from. */
  samples?: number[];
  /** Why the value is missing ("n/a (...)"), or a note on how it was measured. */
  note?: string;
}

export interface Target {
  /** e.g. "W1 thread vs piscina". */
  name: string;
  subject: string;
  reference: string;
  /** How many times better the subject is than the reference (>1: better), or null. */
  ratio: number | null;
}

export interface Results {
  date: string;
  quick: boolean;
  node: string;
  python: string | null;
  cpus: number;
  cpuModel: string;
  platform: string;
  /** 1-minute load average at the start and the end of the run: other work on the machine skews timings. */
  loadAverage: [number, number];
  versions: Record<string, string>;
  rows: Row[];
  targets: Target[];
}

export function rowKey(row: Pick<Row, "peer" | "variant">): string {
  return row.variant === undefined ? row.peer : `${row.peer} ${row.variant}`;
}
