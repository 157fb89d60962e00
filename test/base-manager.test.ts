// BaseManager on both contexts: Python's customized managers (register with a module function,
// an inline function or class, exposed, methodToTypeid, proxyType), getServer().serveForever()
// serving a closure, a remote manager reached from a second process over TCP and a Unix socket,
// and the refusal to listen publicly without an authkey.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, track } from "./helpers.ts";

const types = mp.tasksFrom<typeof import("./fixtures/manager-types.ts")>(new URL("./fixtures/manager-types.ts", import.meta.url));

type MathsProxy = mp.BaseProxy & { add(x: number, y: number): Promise<number>; mul(x: number, y: number): Promise<number> };
type CounterProxy = mp.BaseProxy & { increment(by?: number): Promise<number>; value(): Promise<number>; pid(): Promise<number> };

class GeneratorProxy extends mp.BaseProxy {
  async *[Symbol.asyncIterator]() {
    for (;;) {
      const { value, done } = (await this._callMethod("next")) as IteratorResult<number>;
      if (done) return;
      yield value;
    }
  }
}

class MyManager extends mp.BaseManager {}
MyManager.register("Maths", types.makeMaths);
MyManager.register("Counter", types.makeCounter);
MyManager.register("InlineCounter", (start: number) => {
  let n = start;
  return { increment: () => ++n };
});
MyManager.register("Foo2", types.makeMaths, { exposed: ["add", "_hidden"] });
MyManager.register("squares", function* (n: number) {
  for (let i = 0; i < n; i++) yield i * i;
}, { proxyType: GeneratorProxy });
MyManager.register("Holder", () => {
  const items: number[] = [];
  return {
    add: (n: number) => void items.push(n),
    iterate: () => items[Symbol.iterator](),
  };
}, { methodToTypeid: { iterate: "Iterator" } });
MyManager.register("Iterator", null, { proxyType: GeneratorProxy, createMethod: false });
MyManager.register("InlineClass", class Greeter {
  greet(name: string) {
    return `hello ${name}`;
  }
});

for (const context of CONTEXTS) {
  describe(`BaseManager (${context})`, () => {
    it("a customized manager: module functions, inline functions, classes, in the manager's own process", async () => {
      await using manager = await new MyManager({ context }).start();
      const maths = (await manager.create("Maths")) as MathsProxy;
      assert.equal(await maths.add(4, 3), 7);
      assert.equal(await maths.mul(7, 8), 56);
      assert.deepEqual([...maths.exposed].sort(), ["add", "mul"], "public methods only, as Python's default");
      await assert.rejects(maths._callMethod("_hidden"), mp.AttributeError);
      // The method register() adds, named after the typeid, as in Python's manager.Maths().
      const viaMethod = await (manager as unknown as { Maths(): Promise<MathsProxy> }).Maths();
      assert.equal(await viaMethod.add(1, 1), 2);
      const counter = (await manager.create("Counter", 10)) as CounterProxy;
      await counter.increment();
      const child = new mp.Process({ context, target: async (c: CounterProxy) => void (await c.increment(5)), args: [counter] });
      child.start();
      await child.join();
      assert.equal(await counter.value(), 16);
      if (context === "process") assert.notEqual(await counter.pid(), process.pid, "the object lives in the manager's process");
      const inline = (await manager.create("InlineCounter", 1)) as mp.BaseProxy & { increment(): Promise<number> };
      assert.equal(await inline.increment(), 2);
      const greeter = (await manager.create("InlineClass")) as mp.BaseProxy & { greet(n: string): Promise<string> };
      assert.equal(await greeter.greet("you"), "hello you");
    });

    it("exposed, proxyType and methodToTypeid", async () => {
      await using manager = await new MyManager({ context }).start();
      const foo2 = (await manager.create("Foo2")) as mp.BaseProxy & { _hidden(): Promise<string> };
      assert.equal(await foo2._hidden(), "private by convention");
      await assert.rejects(foo2._callMethod("mul", [1, 2]), (e: Error) => e instanceof mp.AttributeError && /not exposed/.test(e.message));
      const squares = await manager.create<GeneratorProxy>("squares", 5);
      assert.ok(squares instanceof GeneratorProxy);
      const got: number[] = [];
      for await (const v of squares) got.push(v);
      assert.deepEqual(got, [0, 1, 4, 9, 16]);
      const holder = (await manager.create("Holder")) as mp.BaseProxy & { add(n: number): Promise<void>; iterate(): Promise<GeneratorProxy> };
      await holder.add(1);
      await holder.add(2);
      const it = await holder.iterate();
      assert.ok(it instanceof GeneratorProxy, "a method in methodToTypeid answers a proxy");
      const items: number[] = [];
      for await (const v of it) items.push(v);
      assert.deepEqual(items, [1, 2]);
    });

    it("a closure cannot travel to a started manager; getServer() serves it from this process", async (t) => {
      const local = new Map<string, number>([["answer", 42]]);
      class ClosureManager extends mp.BaseManager {}
      ClosureManager.register("getMap", () => ({ get: (k: string) => local.get(k) }));
      await assert.rejects(new ClosureManager({ context }).start(), (e: Error) => e.name === "ClosureError" && /getServer\(\)\.serveForever\(\)/.test(e.message));
      const server = track(t, new ClosureManager({ address: ["127.0.0.1", 0], authkey: "secret" })).getServer();
      const serving = server.serveForever();
      await server.listen();
      class ClientManager extends mp.BaseManager {}
      ClientManager.register("getMap");
      const client = await new ClientManager({ address: server.address, authkey: "secret" }).connect();
      const map = (await client.create("getMap")) as mp.BaseProxy & { get(k: string): Promise<number> };
      assert.equal(await map.get("answer"), 42);
      await client.shutdown();
      await server.shutdown();
      await serving;
    });
  });
}

describe("remote managers", () => {
  it("Python's docs pattern: a queue served with getServer() over TCP, a second process puts on it", async (t) => {
    const queue = new mp.Queue<string>();
    class QueueManager extends mp.BaseManager {}
    QueueManager.register("getQueue", () => queue);
    const m = track(t, new QueueManager({ address: ["127.0.0.1", 0], authkey: "abracadabra" }));
    const server = m.getServer();
    const serving = server.serveForever();
    await server.listen();
    const [host, port] = server.address as [string, number];
    assert.equal(host, "127.0.0.1");
    assert.ok(port > 0);
    await using pool = new mp.Pool(1);
    const childPid = await pool.apply(types.putRemotely, [server.address, "abracadabra", "hello"]);
    assert.notEqual(childPid, process.pid);
    assert.equal(await queue.get({ timeout: 30 }), "hello");
    await server.shutdown();
    await serving;
  });

  it("a manager started on TCP, reached by another process with the same authkey", async () => {
    class QueueManager extends mp.BaseManager {}
    // Every create() answers an object over the same module-level queue in the manager's process.
    QueueManager.register("getQueue", types.theQueue);
    await using manager = await new QueueManager({ address: ["127.0.0.1", 0], authkey: "abracadabra" }).start();
    const [, port] = manager.address as [string, number];
    assert.ok(port > 0, "the real port is known after start()");
    await using pool = new mp.Pool(1);
    await pool.apply(types.putRemotely, [manager.address, "abracadabra", "over tcp"]);
    const queue = (await manager.create("getQueue")) as mp.BaseProxy & { get(): Promise<unknown> };
    assert.equal(await queue.get(), "over tcp");
  });

  it("a Unix socket address", async () => {
    const path = `/tmp/multiproc-test-${process.pid}-${Date.now()}.sock`;
    await using manager = await mp.Manager({ address: path, authkey: "k" });
    assert.equal(manager.address, path);
    class Client extends mp.SyncManager {}
    const client = await new Client({ address: path, authkey: "k" }).connect();
    const d = await client.dict<string, number>();
    await d.set("x", 1);
    assert.equal(await d.get("x"), 1);
    await client.shutdown();
  });

  it("a wrong authkey is refused with AuthenticationError; the manager goes on serving", async () => {
    await using manager = await mp.Manager({ address: ["127.0.0.1", 0], authkey: "right" });
    await assert.rejects(new mp.SyncManager({ address: manager.address, authkey: "wrong" }).connect(), mp.AuthenticationError);
    await assert.rejects(new mp.SyncManager({ address: manager.address, authkey: null }).connect(), mp.ManagerClosedError);
    const d = await manager.dict<string, boolean>();
    await d.set("still", true);
    assert.equal(await d.get("still"), true);
    const other = await new mp.SyncManager({ address: manager.address, authkey: "right" }).connect();
    assert.equal((await other.list([1])).typeid, "list");
  });

  it("refuses to listen on a non-loopback address without an authkey unless told", async () => {
    await assert.rejects(mp.Manager({ address: ["0.0.0.0", 0] }), /refusing to listen on 0\.0\.0\.0:0.*without an authkey/);
    await assert.rejects(mp.Manager({ address: ["", 0], authkey: null }), /every interface/);
    assert.throws(() => new mp.BaseManager({ address: ["0.0.0.0", 0] }).getServer(), /allowRemoteWithoutAuthkey/);
    await using m = await mp.Manager({ address: ["0.0.0.0", 0], allowRemoteWithoutAuthkey: true });
    assert.equal((await m.dict()).typeid, "dict");
    await using loopback = await mp.Manager({ address: ["127.0.0.1", 0] });
    assert.equal((await loopback.list()).typeid, "list");
  });

  it("a server that cannot listen says why, and start() rejects", async () => {
    await using first = await mp.Manager({ address: ["127.0.0.1", 0] });
    await assert.rejects(mp.Manager({ address: first.address }), /EADDRINUSE/);
  });

  it("bad input: a bad typeid, callable, address or authkey", () => {
    assert.throws(() => mp.BaseManager.register("not a name", () => ({})), /typeid must be a name/);
    assert.throws(() => mp.BaseManager.register("x", 42 as never), /callable must be a function/);
    assert.throws(() => new mp.BaseManager({ address: 42 as never }), /address must be a Unix socket path or \[host, port\]/);
    assert.throws(() => new mp.BaseManager({ authkey: 42 as never }), /authkey must be a string or a Uint8Array/);
  });
});
