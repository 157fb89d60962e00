// piscina worker: named exports, called with run(arg, { name }).
const piscina = await import(process.env.BENCH_PISCINA_URL);
const move = piscina.move ?? piscina.default.move;

export { square, squareChunk, spin, echo } from "./tasks.mjs";

export function echoMove(data) {
  return move(data);
}
