// ClosureError's advice (src/fn/task-function.ts) is written in the caller's language: the typed
// tasksFrom<typeof import(...)> form for TypeScript, forms that run as written for JavaScript.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import * as mp from "multiproc";

type Fixture = { closureAdvice(): string };
const esmFixture: string = "./fixtures/closure-advice.mjs"; // plain JavaScript, no declaration file
const { closureAdvice: fromEsm } = (await import(esmFixture)) as Fixture;
const { closureAdvice: fromCjs } = createRequire(import.meta.url)("./fixtures/closure-advice.cjs") as Fixture;

describe("ClosureError advice", () => {
  it("TypeScript callers get the typed form", () => {
    const k = 1;
    assert.throws(() => new mp.Process({ target: () => k }), (e: Error) => {
      assert.ok(e instanceof mp.ClosureError);
      assert.match(e.message, /mp\.tasksFrom<typeof import\("\.\/tasks\.js"\)>\(new URL\("\.\/tasks\.js", import\.meta\.url\)\)/);
      return true;
    });
  });

  it("ES module JavaScript callers get tasksFrom(new URL(...)) without type arguments", () => {
    const message = fromEsm();
    assert.match(message, /uses "k"/);
    assert.match(message, /mp\.tasksFrom\(new URL\("\.\/tasks\.js", import\.meta\.url\)\)/);
    assert.doesNotMatch(message, /typeof import/);
  });

  it("CommonJS callers get tasksFrom(require.resolve(...))", () => {
    const message = fromCjs();
    assert.match(message, /mp\.tasksFrom\(require\.resolve\("\.\/tasks\.js"\)\)/);
    assert.doesNotMatch(message, /import\.meta|typeof import/);
  });
});
