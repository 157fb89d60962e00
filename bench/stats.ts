// Small statistics and timing helpers shared by every workload.

/** The median of a non-empty list of numbers (mean of the two middle values for even lengths). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function nowMs(): number {
  return performance.now();
}

export interface Repeat {
  /** Untimed runs before measuring (JIT, pool warm-up, page faults). */
  warmup: number;
  /** Timed runs; the median is reported. */
  reps: number;
}

/**
 * Runs `fn` `warmup` times untimed, then `reps` times timed, and returns each timed run's
 * duration in milliseconds.
 */
export async function timeRuns(fn: () => Promise<unknown> | unknown, repeat: Repeat): Promise<number[]> {
  for (let i = 0; i < repeat.warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeat.reps; i++) {
    const t0 = nowMs();
    await fn();
    samples.push(nowMs() - t0);
  }
  return samples;
}

/** Short human formatting: 3 significant digits, thousands with a k/M suffix. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}
