// tinypool worker (worker_threads and child_process runtimes): named exports, run(arg, { name }).
const { default: Tinypool } = await import(process.env.BENCH_TINYPOOL_URL);

export { square, squareChunk, spin, echo } from "./tasks.mjs";

export function echoMove(data) {
  return Tinypool.move(data);
}
