// Python calls its factories as functions (mp.Array('i', 5), mp.Value('d', 0), ctx.Queue(),
// mp.Lock()): the public classes are callable with and without `new` (src/callable.ts), keep
// `instanceof` and subclassing, and keep their types (tsc checks this file with the tests).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, assertNoSegmentsLeft } from "./helpers.ts";

after(assertNoSegmentsLeft);

/** Every factory a Python user calls, made without `new` on `on` (mp or a context), with the class to check against. */
function madeByCalls(on: typeof mp | mp.Context, context: mp.ContextName) {
  const opts = on === mp ? { context } : {};
  return [
    [on.Queue<number>(5, opts), mp.Queue],
    [on.JoinableQueue<number>(0, opts), mp.JoinableQueue],
    [on.SimpleQueue<number>(opts), mp.SimpleQueue],
    [on.Lock(opts), mp.Lock],
    [on.RLock(opts), mp.RLock],
    [on.Semaphore(2, opts), mp.Semaphore],
    [on.BoundedSemaphore(2, opts), mp.BoundedSemaphore],
    [on.Condition(null, opts), mp.Condition],
    [on.Event(opts), mp.Event],
    [on.Barrier(2, opts), mp.Barrier],
    [on.Value("d", 0, opts), mp.Value],
    [on.Array("i", 5, opts), mp.Array],
  ] as const;
}

describe("factories called as functions, as in Python", () => {
  for (const context of CONTEXTS) {
    it(`mp.X(...) and ctx.X(...) without new make instances of X (${context})`, async () => {
      const ctx = mp.getContext(context);
      for (const on of [mp, ctx]) {
        for (const [made, cls] of madeByCalls(on, context)) {
          assert.ok(made instanceof (cls as unknown as abstract new (...args: never[]) => unknown), `${cls.name} made by a call is an instance of it`);
        }
      }
      // Types flow: a call is as typed as `new`.
      const arr: mp.Array<"i"> = ctx.Array("i", [1, 2, 3]);
      const big: bigint = mp.Value("q", 5n, { context }).value;
      const q: mp.Queue<string> = ctx.Queue<string>();
      await q.put("x");
      const got: string = await q.get();
      assert.deepEqual([arr[-1], big, got], [3, 5n, "x"]);
      if (Math.random() > 2) {
        // @ts-expect-error: 'i' holds numbers, called or constructed
        mp.Value("i", "x");
        // @ts-expect-error: a Queue<string> takes strings
        await ctx.Queue<string>().put(1);
      }
      await using pool = ctx.Pool(1);
      assert.ok(pool instanceof mp.Pool);
      assert.equal(await pool.apply((a: number) => a + 1, [1]), 2);
      const p = ctx.Process({ target: (n: number) => n, args: [1] });
      assert.ok(p instanceof mp.Process);
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
    });
  }

  it("SharedMemory, ShareableList, the executors; new still works; names are the classes'", async () => {
    const shm = mp.SharedMemory({ create: true, size: 8 });
    assert.ok(shm instanceof mp.SharedMemory);
    const list = mp.ShareableList([1, 2]);
    assert.ok(list instanceof mp.ShareableList);
    assert.equal(list[1], 2);
    for (const s of [shm, list.shm]) {
      s.close();
      s.unlink();
    }
    const ex = mp.ThreadPoolExecutor(1);
    assert.ok(ex instanceof mp.ThreadPoolExecutor);
    await ex.shutdown();
    assert.ok(new mp.Lock() instanceof mp.Lock);
    assert.deepEqual([mp.Process.name, mp.Array.name, mp.Queue.name, mp.Lock.name], ["Process", "SharedArray", "Queue", "Lock"]);
  });

  it("SharedArray is Array under a name that does not shadow the global Array", () => {
    assert.equal(mp.SharedArray, mp.Array);
    const arr: mp.SharedArray<"i"> = mp.SharedArray("i", [1, 2], { context: "thread" });
    assert.ok(arr instanceof mp.Array);
    assert.deepEqual(arr.toArray(), [1, 2]);
  });

  for (const context of CONTEXTS) {
    it(`subclasses of the callable classes work, with new (${context})`, async () => {
      const ctx = mp.getContext(context);
      class Squarer extends mp.Process {
        constructor(readonly q: mp.Queue<number>) {
          super({ context });
        }
        override run() {
          return this.q.put(7 * 7);
        }
      }
      class Tagged<T> extends ctx.Queue<T> {
        tag = "mine";
      }
      const q = new Tagged<number>();
      assert.ok(q instanceof mp.Queue && q instanceof Tagged && q.tag === "mine");
      const w = new Squarer(q);
      assert.ok(w instanceof mp.Process);
      w.start();
      assert.equal(await q.get({ timeout: 60 }), 49);
      await w.join();
      assert.equal(w.exitCode, 0);
      assert.match(String(w), /^<Squarer name='Process-\d+'/);
    });
  }
});
