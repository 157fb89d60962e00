// Reference counting of managed objects, as Python's managers count them: an object lives while
// some process holds a proxy to it (or one travels to a process), and is freed in the manager
// once every proxy is gone, dropped or with the process that held it. Counts are read with
// the manager's _numberOfObjects()/_debugInfo(); the proxies are dropped by forcing a GC.
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

const lazy = mp.tasksFrom<typeof import("./fixtures/manager-lazy.ts")>(new URL("./fixtures/manager-lazy.ts", import.meta.url));

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Collect garbage until `check` passes (the decrefs go out in a batch a little after the GC). */
async function untilAfterGc(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    gc();
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`hang guard: ${what}`);
}

async function refsOf(manager: mp.SyncManager, id: number): Promise<number | undefined> {
  return (await manager._debugInfo()).find((o) => o.id === id)?.refs;
}

for (const context of CONTEXTS) {
  describe(`Manager reference counting (${context})`, () => {
    it("an object made by a factory and dropped everywhere is freed in the manager; one still held is not", async () => {
      await using manager = await mp.Manager({ context });
      const kept = await manager.list([1]);
      const before = await manager._numberOfObjects();
      let d: mp.DictProxy | null = await manager.dict({ a: 1 });
      const id = d.id;
      assert.equal(await manager._numberOfObjects(), before + 1);
      assert.equal(await refsOf(manager, id), 1);
      // A second proxy to the same object in this process (read back through a method's result) holds no second reference.
      d = null;
      await untilAfterGc(async () => (await manager._numberOfObjects()) === before, "the dropped dict is freed");
      assert.equal(await refsOf(manager, id), undefined);
      assert.deepEqual(await kept.copy(), [1]); // the one still held lives on
    });

    it("a proxy passed to a pool worker keeps the object alive after the caller drops it, until that worker lets go", async () => {
      await using manager = await mp.Manager({ context });
      const pool = new mp.Pool({ processes: 1, context });
      let d: mp.DictProxy<string, number> | null = await manager.dict<string, number>({ x: 42 });
      const id = d.id;
      const read = await pool.apply(async (dict: mp.DictProxy<string, number>) => await dict.get("x"), [d]);
      assert.equal(read, 42);
      // The worker took a reference of its own when the proxy arrived (the one lent for the trip): 2 holders.
      assert.equal(await refsOf(manager, id), 2);
      d = null;
      // The caller's reference goes; the worker still holds its proxy (until its GC or its exit): the object stays.
      await untilAfterGc(async () => (await refsOf(manager, id)) === 1, "the caller's decref arrives");
      await pool.terminate();
      await untilAfterGc(async () => (await refsOf(manager, id)) === undefined, "the worker's reference is released with it");
    });

    it("a proxy passed to a Process is freed once the process has exited and the caller drops it, while the Process object lives on", async () => {
      await using manager = await mp.Manager({ context });
      let d: mp.DictProxy<string, number> | null = await manager.dict<string, number>({ x: 42 });
      const id = d.id;
      const out = new mp.Value("i", 0, { context });
      const p = new mp.Process({
        target: async (dict: mp.DictProxy<string, number>, v: mp.Value<"i">) => void (v.value = (await dict.get("x"))!),
        args: [d, out],
        context,
      });
      p.start(); // Python's start() deletes _args: the Process holds no proxy from here on
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(out.value, 42);
      d = null;
      await untilAfterGc(async () => (await refsOf(manager, id)) === undefined, "the dict is freed while the Process lives");
      assert.equal(p.exitCode, 0);
    });

    it("a proxy stored in a managed list keeps its object alive (pinned) after every proxy to it is dropped", async () => {
      await using manager = await mp.Manager({ context });
      const outer = await manager.list<mp.DictProxy<string, number>>();
      let inner: mp.DictProxy<string, number> | null = await manager.dict<string, number>({ v: 7 });
      await outer.append(inner);
      const id = inner.id;
      inner = null;
      let other: mp.DictProxy | null = await manager.dict(); // dropped too: once it is freed, the decrefs went out
      const probe = other.id;
      other = null;
      await untilAfterGc(async () => (await refsOf(manager, probe)) === undefined, "the other dict is freed");
      assert.equal((await manager._debugInfo()).find((o) => o.id === id)?.pinned, true);
      const back = await outer.getItem(0);
      assert.equal(await back.get("v"), 7);
    });

    it("a worker loads the proxies' code only once a proxy reaches it, not for other shared objects", async () => {
      await using manager = await mp.Manager({ context });
      await using pool = new mp.Pool({ processes: 1, context });
      const q = new mp.Queue<number>(0, { context });
      const withQueue = await pool.apply(lazy.registeredTypes, [q]);
      assert.ok(withQueue.includes("Queue"), "a queue's reviver loaded");
      assert.ok(!withQueue.includes("managers.Proxy"), "no proxy code for a queue");
      const withProxy = await pool.apply(lazy.registeredTypes, [await manager.dict()]);
      assert.ok(withProxy.includes("managers.Proxy"));
      q.close();
    });
  });
}
