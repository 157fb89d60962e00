// Programs that await a pool must run to their last line: an unfinished imap must not leave
// join() pending while the program quietly ends, and a failure nobody awaits must not crash it.
// Each case is a real program (test/fixtures/pool-awaits.ts), since both failures end the process.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { CONTEXTS } from "./helpers.ts";

const fixture = new URL("./fixtures/pool-awaits.ts", import.meta.url).pathname;

/** Run one scenario; a real hang, not slowness, is what the generous timeout catches. */
function run(context: string, scenario: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", fixture],
      { env: { ...process.env, CONTEXT: context, SCENARIO: scenario }, timeout: 60_000, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

async function expectEnd(context: string, scenario: string): Promise<string[]> {
  const r = await run(context, scenario);
  assert.equal(r.code, 0, `exit ${r.code}; stdout: ${r.stdout}; stderr: ${r.stderr}`);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.at(-1), "after join", r.stdout);
  return lines.slice(0, -1);
}

const all = JSON.stringify([1, 4, 9, 16, 25, 36, 49, 64]);

for (const context of CONTEXTS) {
  describe(`awaiting a pool never ends the program silently (${context})`, () => {
    it("close() + join() with an imap left after one next(): join resolves and every item was run", async () => {
      assert.deepEqual(await expectEnd(context, "imap-next-then-join"), [all]);
    });

    it("the same with imapUnordered", async () => {
      assert.deepEqual(await expectEnd(context, "imapUnordered-next-then-join"), [all]);
    });

    it("await using: a block that read an imap with a few next() calls ends", async () => {
      assert.deepEqual(await expectEnd(context, "await-using-next"), ["1"]);
    });

    for (const how of ["break", "return", "throw"]) {
      it(`await using: leaving a for await over imap / imapUnordered by ${how}`, async () => {
        const lines = await expectEnd(context, `for-await-${how}`);
        assert.equal(lines.length, 2);
        for (const line of lines) {
          const got = JSON.parse(line) as number[] | string;
          if (how === "throw") assert.equal(got, "left the loop by throwing");
          else assert.equal((got as number[]).length, 2);
        }
      });
    }
  });

  describe(`while join(), next() or a result is awaited, the event loop stays alive (${context})`, () => {
    it("Pool.join() while an imap still reads a slow input (only an unreferenced timer pending)", async () => {
      assert.deepEqual(await expectEnd(context, "slow-input-join"), ["[1,4,9]"]);
    });

    it("imap next() while the input is slow", async () => {
      assert.deepEqual(await expectEnd(context, "slow-input-next"), ["[1,4,9]"]);
    });

    it("Process.join() of a daemon process (its handle is unreferenced)", async () => {
      assert.deepEqual(await expectEnd(context, "daemon-join"), ["0"]);
    });
  });

  describe(`a failure nobody awaits does not crash the program (${context})`, () => {
    it("applyAsync, mapAsync, starmapAsync: errorCallback gets it, get() later too, no unhandled rejection", async () => {
      const lines = await expectEnd(context, "unawaited-failures");
      assert.deepEqual(lines, [
        JSON.stringify(["failed after 10 ms", "failed after 20 ms", "failed after 30 ms"]),
        "get: failed after 10 ms",
      ]);
    });

    it("terminate() with AsyncResults nobody awaits", async () => {
      assert.deepEqual(await expectEnd(context, "terminate-unawaited"), []);
    });
  });
}
