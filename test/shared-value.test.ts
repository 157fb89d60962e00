// Value and Array: typed elements in shared memory, seen by every worker (not copied), with
// Python's type codes and clear errors for codes and sizes that do not fit.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, assertNoSegmentsLeft } from "./helpers.ts";

after(assertNoSegmentsLeft);

type Counter = mp.Value<"i">;

describe("type codes and errors", () => {
  it("Python's letters and ctypes names, with bigint for 64-bit integers and boolean for '?'", () => {
    assert.equal(new mp.Value("i", 7).value, 7);
    assert.equal(new mp.Value("c_double", 1.5).value, 1.5);
    assert.equal(new mp.Value("q", 2n ** 62n).value, 2n ** 62n);
    assert.equal(new mp.Value("l").value, 0n, "'l' is C long: 64-bit on Linux");
    assert.equal(new mp.Value("?", true).value, true);
    assert.equal(new mp.Value("f", 0.1).value, Math.fround(0.1));
    const a = new mp.Array("B", [1, 2, 255]);
    assert.ok(a.view instanceof Uint8Array);
    assert.deepEqual(a.toArray(), [1, 2, 255]);
    assert.deepEqual([...new mp.Array("d", 3)], [0, 0, 0]);
  });

  it("an unknown type code throws TypecodeError naming the known ones", () => {
    assert.throws(() => new mp.Value("x" as never), { name: "TypecodeError", message: /unknown type code "x".*'i'/ });
    assert.throws(() => new mp.Array("c_nope" as never, 3), { name: "TypecodeError" });
  });

  it("a value or size that does not fit throws RangeError or TypeError (no silent wrapping)", () => {
    assert.throws(() => new mp.Value("b", 300), { name: "RangeError", message: /300 does not fit type 'b' \(-128 to 127\)/ });
    assert.throws(() => new mp.Array("B", [1, -1]), { name: "RangeError", message: /element 1/ });
    assert.throws(() => new mp.Array("i", -1), { name: "RangeError" });
    assert.throws(() => new mp.Array("i", 1.5), { name: "RangeError" });
    assert.throws(() => new mp.Array("d", 2 ** 40), { name: "RangeError", message: /do not fit/ });
    assert.throws(() => new mp.Value("i", 1.5), { name: "TypeError" });
    const v = new mp.Value("H");
    assert.throws(() => (v.value = 70000), { name: "RangeError" });
    const a = new mp.Array("i", 2);
    assert.throws(() => a.get(2), { name: "RangeError" });
    assert.equal(a.get(-1), 0);
    assert.throws(() => new mp.Value("i", 0, { lock: false }).getLock(), /lock: false/);
  });
});

for (const context of CONTEXTS) {
  const ctx = mp.getContext(context);

  describe(`Value and Array across workers (${context})`, () => {
    it("4 workers x 10,000 increments under the Value's lock end at exactly 40,000", async () => {
      const counter = new ctx.Value("i", 0);
      await using pool = new ctx.Pool(4);
      const t0 = performance.now();
      await pool.map(
        ([v, n]: [Counter, number]) => {
          const lock = v.getLock();
          for (let i = 0; i < n; i++) {
            lock.acquireSync();
            v.value += 1;
            lock.release();
          }
        },
        Array.from({ length: 4 }, () => [counter, 10_000] as [Counter, number]),
        { chunksize: 1 },
      );
      const ms = performance.now() - t0;
      assert.equal(counter.value, 40_000);
      console.log(`# ${context}: 4 x 10,000 locked increments in ${ms.toFixed(0)} ms`);
    });

    it("the same without the lock loses updates on threads (read, spin, write)", { skip: context === "process" ? "timing-dependent across processes; the thread run proves the race" : false }, async () => {
      const counter = new ctx.Value("i", 0, { lock: false });
      const start = new ctx.Barrier(4, { timeout: 20 }); // all four run at once, not one after another
      await using pool = new ctx.Pool(4);
      // A busy machine may still run the four one after another in a trial: up to 20 trials, and
      // one that loses an update is enough (with the lock, above, none may ever lose one).
      const seen: number[] = [];
      for (let trial = 0; trial < 20 && !(seen.length > 0 && seen.at(-1)! < 40_000); trial++) {
        counter.value = 0;
        await pool.map(
          ([v, n, go]: [Counter, number, mp.Barrier]) => {
            go.waitSync();
            for (let i = 0; i < n; i++) {
              const seen = v.value;
              for (let spin = 0; spin < 50; spin++);
              v.value = seen + 1;
            }
          },
          Array.from({ length: 4 }, () => [counter, 10_000, start] as [Counter, number, mp.Barrier]),
          { chunksize: 1 },
        );
        seen.push(counter.value);
      }
      assert.ok(seen.at(-1)! < 40_000, `no update was lost in ${seen.length} trials (${seen.join(", ")}): no contention?`);
    });

    it("an Array summed by workers, and written by them, is the same memory", async () => {
      const arr = new ctx.Array("d", Array.from({ length: 1000 }, (_, i) => i));
      await using pool = new ctx.Pool(2);
      const parts = await pool.map(
        ([a, from, to]: [mp.Array<"d">, number, number]) => {
          let s = 0;
          for (let i = from; i < to; i++) s += a.get(i);
          for (let i = from; i < to; i++) a.view[i] = -a.view[i]!;
          return s;
        },
        [[arr, 0, 500], [arr, 500, 1000]] as [mp.Array<"d">, number, number][],
        { chunksize: 1 },
      );
      assert.equal(parts[0]! + parts[1]!, (999 * 1000) / 2);
      assert.equal(arr.get(999), -999, "written in place by a worker");
      assert.equal(arr.length, 1000);
    });

    it("Value and Array are usable in a Process target and in Pool initargs", async () => {
      const v = new ctx.Value("d", 0.5, { lock: new ctx.Lock() });
      const p = new ctx.Process({ target: (x: mp.Value<"d">) => { x.value *= 4; }, args: [v] });
      p.start();
      await p.join();
      assert.equal(v.value, 2);
      const hits = new ctx.Array("i", 2);
      await using pool = new ctx.Pool({
        processes: 2,
        initializer: (a: mp.Array<"i">) => { (globalThis as Record<string, unknown>).hits = a; },
        initargs: [hits],
      });
      await pool.map(() => {
        const a = (globalThis as unknown as { hits: mp.Array<"i"> }).hits;
        a.getLock().withLockSync(() => a.set(0, a.get(0) + 1));
      }, [1, 2, 3, 4, 5, 6]);
      assert.equal(hits.get(0), 6);
    });
  });
}
