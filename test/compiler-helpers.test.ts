// The compilers' helpers a worker supplies to inline task functions (src/fn/compiler-helpers.ts),
// driven the way tsc's output calls them (tsx's own calls are exercised by test/pool.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilerHelpers } from "../src/fn/compiler-helpers.ts";

type Env = { stack: unknown[]; error: unknown; hasError: boolean };
const add = compilerHelpers.__addDisposableResource as <T>(env: Env, value: T, isAwait: boolean) => T;
const dispose = compilerHelpers.__disposeResources as (env: Env) => Promise<void> | void;

/** What tsc emits for a block with `using` / `await using` declarations. */
async function block(body: (env: Env) => void): Promise<void> {
  const env: Env = { stack: [], error: undefined, hasError: false };
  try {
    body(env);
  } catch (e) {
    env.error = e;
    env.hasError = true;
  } finally {
    const result = dispose(env);
    if (result) await result;
  }
}

describe("compiler helpers (tsc's calling convention)", () => {
  it("disposes last first, awaits async disposers, and keeps null resources", async () => {
    const log: string[] = [];
    await block((env) => {
      add(env, { [Symbol.dispose]: () => log.push("first") }, false);
      add(env, null, true);
      add(env, { [Symbol.asyncDispose]: async () => log.push("second") }, true);
    });
    assert.deepEqual(log, ["second", "first"]);
  });

  it("a disposer's error after the block's own: SuppressedError carrying both", async () => {
    const err = await block((env) => {
      add(env, { [Symbol.dispose]: () => { throw new Error("dispose"); } }, false);
      throw new Error("body");
    }).catch((e: Error & { error?: Error; suppressed?: Error }) => e);
    assert.equal(err?.name, "SuppressedError");
    assert.equal((err as { error: Error }).error.message, "dispose");
    assert.equal((err as { suppressed: Error }).suppressed.message, "body");
  });

  it("refuses a value that cannot be disposed of, naming what is missing", () => {
    const env: Env = { stack: [], error: undefined, hasError: false };
    assert.throws(() => add(env, {}, true), /await using: the value has no \[Symbol.asyncDispose\]\(\) or \[Symbol.dispose\]\(\) method/);
    assert.throws(() => add(env, 5, false), /using: the value is a number, not an object/);
  });
});
