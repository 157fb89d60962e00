// A test that fails while something it started still runs must be reported, not hang `npm test`:
// a non-daemon Process keeps its parent alive (Python waits for non-daemon children at exit), as
// do a busy pool, an open listener or socket and a spawned child, and a child that inherits
// stdout keeps the runner's pipe open even past --test-force-exit. track() in helpers.ts stops
// them when the test ends; this runs a file of tests that fail on purpose under `node --test`
// and checks that the runner exits with the failures reported.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { CONTEXTS, HANG_GUARD_MS } from "./helpers.ts";

const fixture = new URL("./fixtures/fails-with-live-children.ts", import.meta.url).pathname;

describe("a failed test does not hang its file", () => {
  for (const context of CONTEXTS) {
    it(`${context}: failures with a Process, a busy pool, a listener and a child still running are reported, and the runner exits`, async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, MULTIPROC_TEST_CONTEXT: context };
      delete env.NODE_TEST_CONTEXT; // else the inner runner reports to this one's protocol, not TAP
      const runner = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=tap", fixture], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      let out = "";
      runner.stdout.on("data", (d: Buffer) => (out += d));
      runner.stderr.on("data", (d: Buffer) => (out += d));
      // "close", not "exit": stdout closes only once nothing the fixture started still holds it.
      const code = await new Promise<number | null | "hung">((resolve) => {
        const guard = setTimeout(() => resolve("hung"), HANG_GUARD_MS); // a hang guard, not a bound
        runner.on("close", (c) => (clearTimeout(guard), resolve(c)));
      });
      if (code === "hung") process.kill(-runner.pid!, "SIGKILL"); // the runner and what it started
      assert.notEqual(code, "hung", `the runner was still going after ${HANG_GUARD_MS} ms:\n${out}`);
      assert.equal(code, 1, out);
      assert.match(out, /^# pass 0$/m, out);
      assert.match(out, /^# fail 4$/m, out);
      assert.equal(out.match(/^not ok \d+ - /gm)?.length, 4, out);
      assert.equal(out.match(/deliberate: fails while/g)?.length, 4, out);
    });
  }
});
