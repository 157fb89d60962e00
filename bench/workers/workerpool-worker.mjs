// workerpool worker (thread and process worker types): functions registered by name for exec().
import { square, squareChunk, spin, echo } from "./tasks.mjs";

const workerpool = (await import(process.env.BENCH_WORKERPOOL_URL)).default;

workerpool.worker({
  square,
  squareChunk,
  spin,
  echo,
  echoTransfer: (data) => new workerpool.Transfer(data, [data.buffer]),
});
