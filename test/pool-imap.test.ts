// imap and imapUnordered behave as Python's IMapIterator: a task's error is thrown by the next()
// that reaches it and the iterator goes on; an input that throws yields what was read before it
// first; next({ timeout }) is Python's next(timeout).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

const failOn3 = (n: number) => {
  if (n === 3) throw new RangeError(`bad ${n}`);
  return n * 10;
};

/** Every next() until done: values, and errors as "!" + message. */
async function drain(it: AsyncIterator<number>): Promise<(number | string)[]> {
  const out: (number | string)[] = [];
  while (out.length < 50) {
    try {
      const step = await it.next();
      if (step.done) return out;
      out.push(step.value);
    } catch (e) {
      out.push(`!${(e as Error).message}`);
    }
  }
  return out;
}

for (const context of CONTEXTS) {
  describe(`Pool.imap as Python's IMapIterator (${context})`, () => {
    it("after a task fails, next() throws its error and the following next() calls return the following results", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      assert.deepEqual(await drain(pool.imap(failOn3, [1, 2, 3, 4, 5])), [10, 20, "!bad 3", 40, 50]);
      const unordered = await drain(pool.imapUnordered(failOn3, [1, 2, 3, 4, 5]));
      assert.deepEqual([...unordered].sort(), [10, 20, 40, 50, "!bad 3"].sort());
      // With chunks, the failed chunk's error comes once, as in Python.
      assert.deepEqual(await drain(pool.imap(failOn3, [1, 2, 3, 4, 5, 6], { chunksize: 2 })), [10, 20, "!bad 3", 50, 60]);
      // for await stops at the error, as a Python for loop does.
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const v of pool.imap(failOn3, [1, 2, 3, 4])) seen.push(v);
      }, RangeError);
      assert.deepEqual(seen, [10, 20]);
    });

    it("an input that throws: the results of the items read before it come first (in order for imap), then its error", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      function* breaksAfter(n: number) {
        for (let i = 1; i <= n; i++) yield i;
        throw new Error("input broke");
      }
      async function* breaksAfterAsync(n: number) {
        yield* breaksAfter(n);
      }
      const slowFirst = (n: number) => new Promise<number>((r) => setTimeout(() => r(n), n === 1 ? 300 : 1));
      assert.deepEqual(await drain(pool.imap(slowFirst, breaksAfter(4))), [1, 2, 3, 4, "!input broke"]);
      assert.deepEqual(await drain(pool.imap(slowFirst, breaksAfterAsync(4), { chunksize: 3 })), [1, 2, 3, 4, "!input broke"]);
      const unordered = await drain(pool.imapUnordered(slowFirst, breaksAfter(4)));
      assert.equal(unordered.at(-1), "!input broke");
      assert.deepEqual(unordered.slice(0, -1).sort(), [1, 2, 3, 4]);
      assert.deepEqual(await drain(pool.imap(slowFirst, breaksAfter(0))), ["!input broke"]);
    });

    it("next({ timeout }): a TimeoutError when no result comes in time, and the iterator goes on", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      const slow = (ms: number) => new Promise<number>((r) => setTimeout(() => r(ms), ms));
      for (const it of [pool.imap(slow, [600, 1]), pool.imapUnordered(slow, [600, 1])]) {
        const err = (await it.next({ timeout: 0.05 }).catch((e: unknown) => e)) as Error;
        assert.ok(err instanceof DOMException, String(err));
        assert.equal(err.name, "TimeoutError");
        assert.match(err.message, /next\(\) timed out after 0.05 s/);
        assert.deepEqual(await it.next({ timeout: 30 }), { done: false, value: 600 });
        assert.deepEqual(await it.next(), { done: false, value: 1 });
        assert.deepEqual(await it.next({ timeout: 0 }), { done: true, value: undefined });
      }
      const it = pool.imap(slow, [1]);
      await assert.rejects(it.next({ timeout: -1 }), /timeout must be a number of seconds >= 0, got -1/);
      await assert.rejects(it.next(5 as never), /next\(\) takes \{ timeout \}/);
      assert.deepEqual(await it.next(), { done: false, value: 1 });
    });

    it("the input is read from the imap() call on, as Python submits at the call", async () => {
      const pool = new mp.Pool({ processes: 2, context });
      let read = 0;
      function* counted() {
        for (let i = 0; i < 5; i++) {
          read++;
          yield i;
        }
      }
      const it = pool.imap((n: number) => n + 1, counted());
      pool.close();
      await pool.join();
      assert.equal(read, 5);
      assert.deepEqual(await drain(it), [1, 2, 3, 4, 5]);
    });
  });
}
