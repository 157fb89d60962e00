// A Manager's proxies inside queue and pipe messages travel as proxies (Python pickles them), on
// both contexts; the other shared objects are refused with a CloneError naming them (Python
// refuses them too), where structured clone used to turn them into empty objects silently.
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/queue-proxy-tasks.ts")>(new URL("./fixtures/queue-proxy-tasks.ts", import.meta.url));

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

for (const context of CONTEXTS) {
  describe(`proxies in queue and pipe messages (${context})`, () => {
    it("a dict proxy put on a Queue reaches a worker as a proxy to the same dict, and comes back one", async () => {
      await using manager = await mp.Manager({ context });
      const d = await manager.dict<string, number>({ a: 1 });
      const q = new mp.Queue<{ d: mp.DictProxy<string, number> }>(0, { context });
      const back = new mp.Queue<{ d: mp.DictProxy<string, number> }>(0, { context });
      await q.put({ d });
      const p = new mp.Process({ context, target: tasks.setThroughQueued, args: [q, back, "b", 2] });
      p.start();
      const { d: returned } = await back.get({ timeout: 120 }); // a hang guard, not a bound
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.ok(returned instanceof mp.DictProxy, "a proxy, not a plain object");
      assert.equal(returned.id, d.id);
      assert.deepEqual(await d.copy(), new Map([["a", 1], ["b", 2]]), "the worker's set is seen through the original proxy");
      assert.equal(await returned.get("b"), 2);
    });

    it("a list proxy through a Pipe, there and back", async () => {
      await using manager = await mp.Manager({ context });
      const l = await manager.list<string>(["parent"]);
      const [a, b] = mp.Pipe<mp.ListProxy<string>>(true, { context });
      const p = new mp.Process({ context, target: tasks.appendThroughPipe, args: [b, "worker"] });
      p.start();
      b.close();
      await a.send(l);
      const back = await a.recv({ timeout: 120 });
      await p.join();
      assert.ok(back instanceof mp.ListProxy);
      assert.deepEqual(await l.copy(), ["parent", "worker"]);
      assert.equal(await back.len(), 2);
      a.close();
    });

    it("the object stays alive while its proxy waits in a queue, after the sender dropped its own", async () => {
      await using manager = await mp.Manager({ context });
      const q = new mp.Queue<{ d: mp.DictProxy<string, number> }>(0, { context });
      let id = -1;
      await (async () => {
        const d = await manager.dict<string, number>({ kept: 1 });
        id = d.id;
        await q.put({ d });
      })();
      // The sender's proxy is collected and its reference given back (2 -> 1: the one lent to the
      // queued copy is left); without the lend the object would be freed here.
      const refs = async () => (await manager._debugInfo()).find((o) => o.id === id)?.refs;
      for (let i = 0; i < 500 && (await refs()) === 2; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await refs(), 1, "the queued proxy keeps its object, after the sender's reference was given back");
      const { d } = await q.get();
      assert.deepEqual(await d.copy(), new Map([["kept", 1]]));
    });

    it("a blocking getSync() in a worker that has not loaded the managers says what to do; the async get() loads them", async () => {
      await using manager = await mp.Manager({ context });
      const q = new mp.Queue<unknown>(0, { context });
      const out = new mp.Queue<string>(0, { context });
      await q.put(await manager.dict());
      const p = new mp.Process({ context, target: tasks.getSyncFirst, args: [q, out] });
      p.start();
      const said = await out.get({ timeout: 120 });
      await p.join();
      assert.match(said, /^false Queue\.getSync: the item holds a Manager's proxy, .*use the async form/);
    });

    it("a Lock, a Queue, a Value or a Pipe end inside a message is refused with a CloneError naming it; nothing is sent", async () => {
      const q = new mp.Queue<unknown>(0, { context });
      const [r, w] = mp.Pipe<unknown>(false, { context });
      const lock = new mp.Lock({ context });
      await assert.rejects(q.put({ jobs: [1, { lock }] }), (e: unknown) => {
        assert.ok(e instanceof mp.CloneError);
        assert.equal(e.path, "item.jobs[1].lock");
        assert.match(e.message, /^Queue\.put: item\.jobs\[1\]\.lock is a Lock, which reaches another worker only as an argument .* use a Manager's Lock/);
        return true;
      });
      assert.throws(() => q.putSync([q]), (e: unknown) => e instanceof mp.CloneError && e.path === "item[0]" && /is a Queue/.test(e.message));
      await assert.rejects(w.send({ v: new mp.Value("i", 1, { context }) }), (e: unknown) => e instanceof mp.CloneError && e.path === "item.v" && /^Connection\.send: .* is a Value/.test(e.message));
      await assert.rejects(w.send(r), (e: unknown) => e instanceof mp.CloneError && e.path === "item" && /is a Connection/.test(e.message));
      assert.equal(q.empty(), true);
      assert.equal(r.pollSync(0), false);
      r.close();
      w.close();
    });
  });
}
