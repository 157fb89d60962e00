// Chunks of plain numbers (map over a numeric range, the results of n => n * n) travel as one
// Float64Array: structured clone copies a typed array in one piece, where it writes an array
// element by element with a tag each, which made the receiving side the bottleneck of a big
// map in the process context. Workers and pools read items and results by index, so either
// form works for them; every number, -0 and NaN included, survives the trip.

const MIN_PACKED = 16;

/** `values` as a Float64Array if it is a dense array of at least MIN_PACKED numbers, else itself. */
export function packNumbers(values: unknown[]): unknown[] | Float64Array {
  const n = values.length;
  if (n < MIN_PACKED || typeof values[0] !== "number" || typeof values[n - 1] !== "number") return values;
  for (let i = 0; i < n; i++) if (typeof values[i] !== "number") return values;
  return Float64Array.from(values as number[]);
}
