// The seed's three programs (examples/seed), run as a user would, on both contexts, with their
// sleeps scaled down: same output as the Python originals, and sleeps that overlap.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { CONTEXTS } from "./helpers.ts";

// Sleeps long enough that start-up overhead on a loaded machine cannot blur one sleep into two.
const SCALE = 0.5;
/** The total times are checked only on request (as CPython's suite keeps its timing tests behind a
 * flag): on a busy machine they measure the machine. Overlap is proven by the order of the output. */
const TIMING = Boolean(process.env.MULTIPROC_TIMING_TESTS);

function runSeed(file: string, context: string) {
  const started = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", new URL(`../examples/seed/${file}`, import.meta.url).pathname], {
    env: { ...process.env, MULTIPROC_START_METHOD: context, SEED_TIME_SCALE: String(SCALE) },
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, seconds: (performance.now() - started) / 1000 };
}

for (const context of CONTEXTS) {
  describe(`seed programs (${context})`, () => {
    it("Q3: two processes sleep at the same time", () => {
      const { stdout } = runSeed("q3-process.ts", context);
      const lines = stdout.trim().split("\n");
      assert.deepEqual(lines.slice(0, 4).sort(), ["Finished sleeping: 1.5", "Finished sleeping: 1.5", "Sleeping for 1.5 seconds", "Sleeping for 1.5 seconds"]);
      // Both start before either finishes: the two sleeps overlap.
      assert.deepEqual(lines.slice(0, 2), ["Sleeping for 1.5 seconds", "Sleeping for 1.5 seconds"]);
      const took = Number(/Program finished in ([\d.]+) seconds/.exec(lines[4]!)![1]);
      assert.ok(took >= 1.5, `a sleep is 1.5 s; took ${took}`);
      if (TIMING) assert.ok(took < 2.6, `one sleep is 1.5 s, two would be 3 s; took ${took}`);
    });

    it("Q5: a pool of 5 squares 9 numbers in two rounds of sleeps", () => {
      const { stdout, seconds } = runSeed("q5-pool-map.ts", context);
      const [printed, list] = [stdout.slice(0, stdout.indexOf("[")), stdout.slice(stdout.indexOf("["))];
      assert.deepEqual(printed.trim().split(" ").map(Number).sort((a, b) => a - b), [9, 16, 25, 36, 36, 49, 64, 64, 7569]);
      assert.deepEqual(JSON.parse(list.replace(/\s+/g, "")), [9, 16, 25, 36, 36, 49, 7569, 64, 64]);
      // 9 sleeps of 1 s on 5 workers: 2 rounds (2 s), not 9 (9 s); plus Node's start-up.
      assert.ok(seconds >= 2, `took ${seconds.toFixed(2)} s`);
      if (TIMING) assert.ok(seconds < 4.5, `took ${seconds.toFixed(2)} s`);
    });

    it("Q6: four workers wait their own times and finish shortest first", () => {
      const { stdout, seconds } = runSeed("q6-work-log.ts", context);
      const lines = stdout.trim().split("\n").map((l) => l.trim());
      assert.deepEqual(lines.slice(0, 4).sort(), ["Process A waiting 5 seconds", "Process B waiting 2 seconds", "Process C waiting 1 seconds", "Process D waiting 3 seconds"]);
      assert.deepEqual(lines.slice(4), ["Process C Finished.", "Process B Finished.", "Process D Finished.", "Process A Finished."]);
      // Finishing shortest first proves the four waits overlap (one after another, A would finish
      // first). The longest wait is 2.5 s scaled; serial would be 5.5 s. It exits without close().
      assert.ok(seconds >= 2.5, `took ${seconds.toFixed(2)} s`);
      if (TIMING) assert.ok(seconds < 4.5, `took ${seconds.toFixed(2)} s`);
    });
  });
}
