import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { packNumbers } from "../src/wire/numbers.ts";
import { CONTEXTS } from "./helpers.ts";

const special = [-0, 0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 1.5, Number.MIN_VALUE, Number.MAX_VALUE];
const numbers = Array.from({ length: 40 }, (_, i) => special[i % special.length]!);

describe("numeric chunks travel packed", () => {
  it("packs dense arrays of numbers only, keeping every value", () => {
    const packed = packNumbers(numbers);
    assert.ok(packed instanceof Float64Array);
    numbers.forEach((v, i) => assert.ok(Object.is(packed[i], v), `index ${i}`));
    assert.ok(Array.isArray(packNumbers([...numbers.slice(0, 20), "x"])));
    assert.ok(Array.isArray(packNumbers([1, 2, 3])), "short arrays are left alone");
    const holes = new Array(20);
    holes[0] = 1;
    holes[19] = 2;
    assert.ok(Array.isArray(packNumbers(holes)));
  });

  for (const context of CONTEXTS) {
    it(`map, starmap and imap return exactly the numbers (${context})`, async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const back = await pool.map((n: number) => n, numbers, { chunksize: 20 });
      assert.ok(Array.isArray(back));
      numbers.forEach((v, i) => assert.ok(Object.is(back[i], v), `map index ${i}: ${back[i]}`));
      const pairs = numbers.map((v) => [v, 1] as [number, number]);
      const star = await pool.starmap((a: number, b: number) => a * b, pairs, { chunksize: 20 });
      numbers.forEach((v, i) => assert.ok(Object.is(star[i], v * 1)));
      const seen: number[] = [];
      for await (const v of pool.imap((n: number) => n, numbers, { chunksize: 20 })) seen.push(v);
      numbers.forEach((v, i) => assert.ok(Object.is(seen[i], v)));
      // A chunk that mixes numbers and other values keeps its types.
      const mixed = [...numbers.slice(0, 20), "text", 7n];
      assert.deepEqual(await pool.map((x: unknown) => x, mixed, { chunksize: 30 }), mixed);
    });
  }
});
