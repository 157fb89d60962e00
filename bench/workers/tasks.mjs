// The benchmark's task functions, shared by every peer's worker script and by the parent's
// serial baseline. multiproc ships the same bodies inline (see bench/peers/multiproc.ts).

export function square(n) {
  return n * n;
}

export function squareChunk(chunk) {
  const out = new Array(chunk.length);
  for (let i = 0; i < chunk.length; i++) out[i] = chunk[i] * chunk[i];
  return out;
}

/** CPU-bound work: a fixed loop, calibrated by the parent to take about 50 ms. */
export function spin(iters) {
  let x = 0;
  for (let i = 0; i < iters; i++) x = (x * 31 + i) % 1000003;
  return x;
}

export function echo(data) {
  return data;
}
