// `npm run demo`: the seed's three programs, then a CPU-bound job run serially and in
// parallel on both contexts, with the times and the speed-up.
import { spawnSync } from "node:child_process";
import * as mp from "multiproc";

const seeds: [string, string][] = [
  ["Q3: two processes, each sleeping 3 s, started together", "q3-process.ts"],
  ["Q5: a pool of 5 squares 9 numbers, each taking 2 s", "q5-pool-map.ts"],
  ["Q6: a pool of 4, each worker printing its own item and waiting its own time", "q6-work-log.ts"],
];
for (const [title, file] of seeds) {
  console.log(`\n=== ${title}   (examples/seed/${file})\n`);
  const started = performance.now();
  spawnSync(process.execPath, ["--import", "tsx", new URL(`./seed/${file}`, import.meta.url).pathname], { stdio: "inherit" });
  console.log(`\n    (wall time ${((performance.now() - started) / 1000).toFixed(2)} s)`);
}

/** CPU-bound work: count the primes in [lo, hi) by trial division. Self-contained, so it can run in workers. */
function countPrimes([lo, hi]: [number, number]): number {
  let count = 0;
  for (let n = Math.max(lo, 2); n < hi; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

const TASKS = 16;
const SPAN = 400_000;
const ranges: [number, number][] = Array.from({ length: TASKS }, (_, i) => [i * SPAN, (i + 1) * SPAN]);
const workers = mp.cpuCount();

console.log(`\n=== A CPU-bound job: counting primes below ${(TASKS * SPAN).toLocaleString()} in ${TASKS} tasks, on ${workers} CPUs\n`);
let started = performance.now();
const serialCount = ranges.map(countPrimes).reduce((a, b) => a + b, 0);
const serial = (performance.now() - started) / 1000;
console.log(`  serial, in this process:         ${serial.toFixed(2)} s   (${serialCount} primes)`);

for (const context of ["process", "thread"] as const) {
  started = performance.now();
  await using pool = new mp.Pool({ processes: workers, context });
  await pool.apply(() => 0); // the workers are up
  const startup = (performance.now() - started) / 1000;
  started = performance.now();
  const counts = await pool.map(countPrimes, ranges, { chunksize: 1 });
  const parallel = (performance.now() - started) / 1000;
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== serialCount) throw new Error(`the ${context} pool counted ${total} primes, serial counted ${serialCount}`);
  console.log(
    `  Pool(${workers}), ${context} context:`.padEnd(35) +
      `${parallel.toFixed(2)} s   speed-up x${(serial / parallel).toFixed(2)}   (workers started in ${startup.toFixed(2)} s)`,
  );
}
