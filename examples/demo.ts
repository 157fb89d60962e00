// `npm run demo`: what multiproc does, in about half a minute. First the three small Python
// multiprocessing programs this project started from (examples/seed/), each rewritten in
// TypeScript and run as its own program; then a CPU-bound job run serially and on a pool of
// both contexts. Each step prints the time it should take next to the time it took, and says so
// when the machine was too busy for the parallel speed-up to show.
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import * as mp from "multiproc";

const cpus = mp.cpuCount();

/** "the machine is busy" when other programs use most of the CPUs; the load average says how busy. */
function busyNote(): string {
  const load = loadavg()[0]!;
  return load >= cpus * 0.5
    ? `the machine is busy (load average ${load.toFixed(1)} on ${cpus} CPUs): other programs took CPU time from this one`
    : `load average ${load.toFixed(1)} on ${cpus} CPUs`;
}

interface SeedProgram {
  file: string;
  title: string;
  /** What the Python original does and what its output shows. */
  what: string;
  /** Seconds it should take, and why. */
  expected: number;
  why: string;
}

const seeds: SeedProgram[] = [
  {
    file: "q3-process.ts",
    title: "Two processes sleeping side by side (Python: mp.Process(target=task1, args=(3,)), start(), join())",
    what: "Two child processes each print, sleep 3 s and print again. Both start before either is joined.",
    expected: 3,
    why: "the two sleeps overlap: one after the other would take 6 s",
  },
  {
    file: "q5-pool-map.ts",
    title: "A pool of 5 squaring 9 numbers (Python: with mp.Pool(5) as pool: pool.map(square, [...]))",
    what: "Each square takes 2 s; five run at once, then the last four. The results come back in input order.",
    expected: 4,
    why: "two rounds of 2 s: serially it would take 18 s",
  },
  {
    file: "q6-work-log.ts",
    title: "A pool of 4 logging work items (Python: mp.Pool(4).map(work_log, work))",
    what: "Items A to D wait 5, 2, 1 and 3 s, each on its own worker; the script ends without closing the pool.",
    expected: 5,
    why: "the longest item, 5 s: serially it would take 11 s",
  },
];

console.log("multiproc demo: Python's multiprocessing programs in TypeScript, then a CPU-bound job in parallel.");
console.log("Each program runs as its own Node.js process (node --import tsx examples/seed/<file>).");

for (const [i, seed] of seeds.entries()) {
  console.log(`\n=== ${i + 1}. ${seed.title}\n    ${seed.what}\n    (examples/seed/${seed.file})\n`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--import", "tsx", new URL(`./seed/${seed.file}`, import.meta.url).pathname], { stdio: "inherit" });
  const took = (performance.now() - started) / 1000;
  // Start-up (Node.js, the TypeScript loader, the workers) adds up to a second or so.
  const slow = took > seed.expected + 2;
  console.log(
    `\n    took ${took.toFixed(2)} s; expected about ${seed.expected} s (${seed.why}) plus start-up` +
      (run.status !== 0 ? `; it FAILED with exit code ${run.status}` : slow ? `; slower than that: ${busyNote()}` : ""),
  );
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
const workers = cpus;

console.log(
  `\n=== 4. A CPU-bound job: counting primes below ${(TASKS * SPAN).toLocaleString()} in ${TASKS} tasks\n` +
    `    First in this process, then on a Pool(${workers}) of each context. With ${workers} free CPUs the pool\n` +
    `    should be close to ${workers}x faster (${Math.min(workers, TASKS)} tasks run at once).\n`,
);
let started = performance.now();
const serialCount = ranges.map(countPrimes).reduce((a, b) => a + b, 0);
const serial = (performance.now() - started) / 1000;
console.log(`  serial, in this process:         ${serial.toFixed(2)} s   (${serialCount} primes)`);

let best = 0;
for (const context of ["process", "thread"] as const) {
  started = performance.now();
  const pool = new mp.Pool({ processes: workers, context });
  try {
    await pool.apply(() => 0); // the workers are up
    const startup = (performance.now() - started) / 1000;
    started = performance.now();
    const counts = await pool.map(countPrimes, ranges, { chunksize: 1 });
    const parallel = (performance.now() - started) / 1000;
    const total = counts.reduce((a, b) => a + b, 0);
    if (total !== serialCount) throw new Error(`the ${context} pool counted ${total} primes, serial counted ${serialCount}`);
    best = Math.max(best, serial / parallel);
    console.log(
      `  Pool(${workers}), ${context} context:`.padEnd(35) +
        `${parallel.toFixed(2)} s   speed-up x${(serial / parallel).toFixed(2)}, expected about x${workers} ` +
        `(workers started in ${startup.toFixed(2)} s)`,
    );
  } finally {
    pool.close();
    await pool.join();
  }
}
if (workers === 1) console.log("\n  This machine has one CPU: there is nothing to run in parallel with, so no speed-up can show.");
else if (best < workers * 0.7) console.log(`\n  The speed-up fell short of x${workers}: ${busyNote()}. Run it again on an idle machine.`);
else console.log(`\n  The speed-up shows: ${busyNote()}.`);
