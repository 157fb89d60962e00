// A CloneError for a task's argument, found when the task is sent (after the call returned),
// points at the caller's line: its stack is the call's, not multiproc's dispatch loop.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

const thisFile = fileURLToPath(import.meta.url);
function lineOf(marker: string): number {
  return readFileSync(thisFile, "utf8").split("\n").findIndex((l) => l.includes(marker) && !l.includes("lineOf(")) + 1;
}

for (const context of CONTEXTS) {
  describe(`CloneError points at the caller (${context})`, () => {
    it("Pool.apply: the first frame is the call", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const err = await pool.apply((x: unknown) => x, [{ deep: { fn: () => 1 } }]).catch((e: unknown) => e); // marker: apply
      assert.ok(err instanceof mp.CloneError, String(err));
      assert.equal(err.path, "args[0].deep.fn");
      const top = err.stack!.split("\n")[1]!;
      assert.ok(top.includes(`${thisFile}:${lineOf("marker: apply")}:`), err.stack);
      assert.doesNotMatch(err.stack!, /scheduler/);
      assert.equal(await pool.apply((n: number) => n + 1, [1]), 2, "the pool stays usable");
    });

    it("Pool.map: the first frame is the call", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const err = await pool.map((x: unknown) => x, [1, Symbol("s")]).catch((e: unknown) => e); // marker: map
      assert.ok(err instanceof mp.CloneError, String(err));
      const top = err.stack!.split("\n")[1]!;
      assert.ok(top.includes(`${thisFile}:${lineOf("marker: map")}:`), err.stack);
    });
  });
}
