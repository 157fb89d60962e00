// Type tests: `npm test` type-checks this file (tsc), so each @ts-expect-error below must be a
// real type error, or the suite fails. At run time it checks the same calls work.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";

const tasks = mp.tasksFrom<typeof import("./fixtures/tasks.ts")>(new URL("./fixtures/tasks.ts", import.meta.url));

describe("types flow through task references", () => {
  it("accepts right arguments, rejects wrong ones, and types results", async () => {
    await using pool = new mp.Pool({ processes: 1, context: "thread" });
    const squares: number[] = await pool.map(tasks.square, [1, 2]);
    const hash: string = await pool.apply(tasks.sha1, ["x"]);
    const n: number = await pool.apply(tasks.norm, [{ x: 1, y: 1 }]);
    const doubled: number = await pool.apply(tasks.slowDouble, [2, 1]);
    const pairs: number[] = await pool.starmap(tasks.slowDouble, [[1, 1], [2, 1]]);
    assert.deepEqual([squares, hash.length, Math.round(n * 100), doubled, pairs], [[1, 4], 40, 141, 4, [2, 4]]);

    if (Math.random() > 2) {
      // @ts-expect-error: square takes numbers, not strings
      await pool.map(tasks.square, ["a"]);
      // @ts-expect-error: sha1 takes one string
      await pool.apply(tasks.sha1, [42]);
      // @ts-expect-error: norm takes a Point
      await pool.apply(tasks.norm, [{ x: 1 }]);
      // @ts-expect-error: the result is a string, not a number
      const wrong: number = await pool.apply(tasks.sha1, ["x"]);
      void wrong;
      // @ts-expect-error: the module has no export named "missing"
      void tasks.missing;
      // @ts-expect-error: inline functions are checked too
      await pool.map((s: string) => s.length, [1, 2]);
      // @ts-expect-error: starmap needs argument lists of the right types
      await pool.starmap(tasks.slowDouble, [["1", 1]]);
      // @ts-expect-error: Process args must match the target
      new mp.Process({ target: tasks.square, args: ["x"] });
    }
  });
});

describe("a Process subclass is declared as in Python", () => {
  it("needs no casts: super() without options, parameter properties, an overridden async run(), a helper", async () => {
    class Worker extends mp.Process {
      constructor(readonly q: mp.Queue<number>, readonly n: number) {
        super();
      }
      override async run() {
        for (let i = 0; i < this.n; i++) await this.q.put(this.helper(i));
      }
      helper(i: number) {
        return i * i;
      }
    }
    const q = new mp.Queue<number>();
    const w = new Worker(q, 3);
    w.start();
    const got: number[] = [await q.get(), await q.get(), await q.get()];
    await w.join();
    assert.deepEqual([got, w.exitCode], [[0, 1, 4], 0]);

    if (Math.random() > 2) {
      // @ts-expect-error: the subclass's constructor is typed as it declares it
      new Worker(q, "3");
      // @ts-expect-error: a Process's options are still checked through super()
      class Named extends mp.Process { constructor() { super({ name: 7 }); } }
      void Named;
    }
  });
});
