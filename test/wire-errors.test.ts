import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deserializeError, serializeError } from "../src/wire/errors.ts";
import { findUncloneable } from "../src/wire/clone-check.ts";

const roundTrip = (e: unknown) => deserializeError(structuredClone(serializeError(e)), new Error("here").stack);

describe("errors across the boundary", () => {
  it("keep class, message, stack, cause and own properties, with the caller's stack", () => {
    const original = Object.assign(new TypeError("bad", { cause: new RangeError("inner") }), { code: "E_BAD", detail: { n: 1 } });
    const back = roundTrip(original) as TypeError & { code: string; detail: unknown; cause: Error };
    assert.ok(back instanceof TypeError);
    assert.equal(back.message, "bad");
    assert.equal(back.code, "E_BAD");
    assert.deepEqual(back.detail, { n: 1 });
    assert.ok(back.cause instanceof RangeError);
    assert.ok(back.stack!.startsWith(original.stack!));
    assert.match(back.stack!, /--- called from ---\n    at /);
  });

  it("custom classes keep their name; unclonable properties become text; non-errors arrive as themselves", () => {
    class DbError extends Error {
      override name = "DbError";
      query = () => "select";
    }
    const back = roundTrip(new DbError("down")) as Error & { query: unknown };
    assert.equal(back.name, "DbError");
    assert.equal(typeof back.query, "string");
    assert.equal(roundTrip("plain string"), "plain string");
    assert.deepEqual(roundTrip({ code: 1 }), { code: 1 });
    assert.equal(roundTrip(undefined), undefined);
    const agg = roundTrip(new AggregateError([new Error("a")], "many")) as AggregateError;
    assert.equal((agg.errors[0] as Error).message, "a");
  });

  it("findUncloneable names the path to the first part that cannot be cloned", () => {
    assert.equal(findUncloneable({ a: [1, { b: new Map([["k", () => 1]]) }] }, "args[0]")?.path, 'args[0].a[1].b.get("k")');
    assert.equal(findUncloneable({ "odd key": Symbol() }, "x")?.path, 'x["odd key"]');
    assert.equal(findUncloneable({ fine: [1, new Date(), new Set([1])] }, "x"), null);
  });
});
