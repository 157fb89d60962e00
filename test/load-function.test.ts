// Inline tasks compiled in a worker (src/fn/load-function.ts): a throwing one names itself
// and the line where the caller passed it, instead of `eval at compileSource`; a TypeScript
// module that Node.js cannot strip says that tsx makes it work.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import * as mp from "multiproc";
import { withTsxHint } from "../src/fn/load-function.ts";
import { CONTEXTS } from "./helpers.ts";

const thisFile = fileURLToPath(import.meta.url);
/** The line of this file that holds `marker` (1-based). */
function lineOf(marker: string): number {
  return readFileSync(thisFile, "utf8").split("\n").findIndex((l) => l.includes(marker) && !l.includes("lineOf(")) + 1;
}

for (const context of CONTEXTS) {
  describe(`inline task stack frames (${context})`, () => {
    it("a named task's frame names it and the caller's line", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const square = (n: number) => {
        if (n > 1) throw new RangeError(`too big: ${n}`);
        return n * n;
      };
      const err = await pool.map(square, [1, 2]).catch((e: unknown) => e); // marker: named task
      assert.ok(err instanceof Error && err.name === "RangeError", String(err));
      const top = err.stack!.split("\n")[1]!;
      assert.match(top, /^\s+at square \(multiproc:inline-task\/square@/);
      assert.ok(top.includes(`@${thisFile}:${lineOf("marker: named task")}:`), top);
      assert.doesNotMatch(err.stack!, /eval at compileSource/);
    });

    it("an anonymous task is called inlineTask", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const err = await pool.apply((o: { a?: { b: number } }) => o.a!.b, [{}]).catch((e: unknown) => e); // marker: anonymous
      assert.ok(err instanceof TypeError, String(err));
      const top = err.stack!.split("\n")[1]!;
      assert.match(top, /^\s+at inlineTask \(multiproc:inline-task\/inlineTask@/);
      assert.ok(top.includes(`@${thisFile}:${lineOf("marker: anonymous")}:`), top);
    });
  });
}

describe("TypeScript that Node.js cannot strip", () => {
  it("adds that tsx makes it work, on the same error", () => {
    const error = Object.assign(new SyntaxError("TypeScript enum is not supported in strip-only mode"), {
      code: "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX",
    });
    const out = withTsxHint(error, "file:///app/tasks.ts");
    assert.equal(out, error);
    assert.match(error.message, /^TypeScript enum is not supported in strip-only mode \(in the task module file:\/\/\/app\/tasks\.ts\)/);
    assert.match(error.message, /npm install --save-dev tsx/);
    assert.match(error.stack!, /^SyntaxError: TypeScript enum .*npm install --save-dev tsx/);
  });

  it("leaves other errors alone", () => {
    const error = Object.assign(new Error("Cannot find module"), { code: "ERR_MODULE_NOT_FOUND" });
    withTsxHint(error, "file:///app/tasks.ts");
    assert.equal(error.message, "Cannot find module");
  });
});
