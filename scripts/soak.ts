// Soak: 200,000 tasks through one pool, reporting the parent's heap and RSS at 10%, 50% and
// 100%, to show memory stays bounded. Not a test: `npm run soak [-- --tasks N --context thread]`.
import * as mp from "multiproc";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const TASKS = Number(arg("tasks", "200000"));
const context = arg("context", "process") as mp.ContextName;
const IN_FLIGHT = 5_000; // submitted and not yet settled, at most

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
function report(label: string): void {
  global.gc?.();
  const m = process.memoryUsage();
  console.log(`${label.padEnd(6)} heapUsed ${mb(m.heapUsed).padStart(9)}   rss ${mb(m.rss).padStart(9)}`);
}

console.log(`soak: ${TASKS.toLocaleString()} tasks, Pool(2), ${context} context, Node ${process.version}`);
await using pool = new mp.Pool({ processes: 2, context });
report("start");
const checkpoints = new Map([[Math.floor(TASKS * 0.1), "10%"], [Math.floor(TASKS * 0.5), "50%"], [TASKS, "100%"]]);
const started = performance.now();
let done = 0;
let submitted = 0;
let wrong = 0;
await new Promise<void>((resolve, reject) => {
  const submitMore = () => {
    while (submitted < TASKS && submitted - done < IN_FLIGHT) {
      const i = submitted++;
      // Mixed work: applies, some with objects, some that throw.
      pool.apply((x: number) => (x % 1000 === 999 ? Promise.reject(new Error(`e${x}`)) : { x, sq: x * x }), [i]).then(
        (r) => {
          if (r.sq !== i * i) wrong++;
          settle();
        },
        (e: Error) => {
          if (e.message !== `e${i}`) wrong++;
          settle();
        },
      );
    }
  };
  const settle = () => {
    done++;
    const label = checkpoints.get(done);
    if (label) report(label);
    if (done === TASKS) resolve();
    else submitMore();
  };
  try {
    submitMore();
  } catch (e) {
    reject(e);
  }
});
const seconds = (performance.now() - started) / 1000;
console.log(`done: ${(TASKS / seconds).toFixed(0)} tasks/s, ${wrong} wrong results`);
if (wrong) process.exitCode = 1;
