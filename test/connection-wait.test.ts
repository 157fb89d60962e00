// mp.connection.wait() over sockets, listeners, Pipe ends, Queues and Processes (both contexts),
// as Python's: the ready subset in the order given, [] at the timeout; and Pipe ends' bytes API
// (sendBytes/recvBytes/recvBytesInto) with a Process on each context.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, track } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/connection-tasks.ts")>(new URL("./fixtures/connection-tasks.ts", import.meta.url));
const { wait } = mp.connection;

describe("wait() over sockets and listeners", () => {
  it("resolves with the connections that have a message, in the order given; [] at the timeout", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0], { authkey: "w" });
    const clients = [];
    const servers = [];
    for (let i = 0; i < 3; i++) {
      const [c, s] = await Promise.all([mp.connection.Client(listener.address, { authkey: "w" }), listener.accept()]);
      clients.push(track(t, c));
      servers.push(track(t, s));
    }
    assert.deepEqual(await wait(servers, 0), []);
    assert.deepEqual(await wait(servers, 0.05), []);
    const waiting = wait(servers);
    await clients[2]!.send("two");
    assert.deepEqual(await waiting, [servers[2]]);
    await clients[0]!.send("zero");
    await mp.connection.wait([servers[0]!]);
    assert.deepEqual(await wait(servers), [servers[0], servers[2]]);
    // a closed peer makes the connection ready (recv would throw EOFError at once)
    clients[1]!.close();
    await servers[0]!.recv();
    await servers[2]!.recv();
    assert.deepEqual(await wait(servers), [servers[1]]);
    await assert.rejects(servers[1]!.recv(), mp.EOFError);
    for (const c of [...clients, ...servers]) c.close();
  });

  it("a Listener is ready when a connection waits for accept()", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0]);
    assert.deepEqual(await wait([listener], 0.05), []);
    const client = mp.connection.Client(listener.address);
    assert.deepEqual(await wait([listener], 30), [listener]);
    const server = track(t, await listener.accept());
    track(t, await client);
    assert.deepEqual(await wait([listener], 0), []);
    (await client).close();
    server.close();
  });

  it("rejects what it cannot wait for, naming it", async () => {
    await assert.rejects(wait([{} as mp.connection.Waitable]), /objects\[0\] cannot be waited for/);
    await assert.rejects(wait([new mp.Process({ target: () => {} })]), /objects\[0\]: .*not started/);
    assert.throws(() => new mp.Process({ target: () => {} }).sentinel, mp.ProcessStateError);
    assert.deepEqual(await wait([], 0), []);
  });
});

for (const context of CONTEXTS) {
  describe(`wait() over Pipe ends, Queues and Processes (${context})`, () => {
    it("Python's docs example: readers from several Processes until each reaches EOF", async () => {
      const readers: mp.Connection<number>[] = [];
      const procs = [];
      for (let i = 0; i < 3; i++) {
        const [r, w] = mp.Pipe<number>(false, { context });
        readers.push(r);
        const p = new mp.Process({ context, target: tasks.sendNumbers, args: [w, 3, 0.01 * (i + 1)] });
        p.start();
        w.close(); // as in Python: the worker's copy stays open until it closes it
        procs.push(p);
      }
      const got = new Map<mp.Connection<number>, number[]>(readers.map((r) => [r, []]));
      const open = new Set(readers);
      while (open.size > 0) {
        const ready = await wait([...open], 30);
        assert.ok(ready.length > 0, "never an empty list without a timeout");
        for (const r of ready) {
          try {
            got.get(r)!.push(await r.recv());
          } catch (error) {
            assert.ok(error instanceof mp.EOFError);
            open.delete(r);
          }
        }
      }
      for (const r of readers) assert.deepEqual(got.get(r), [0, 1, 2]);
      for (const p of procs) await p.join();
    });

    it("a Queue is ready once it has an item; a Process once it exited", async () => {
      const q = new mp.Queue<string>(0, { context });
      const [r, w] = mp.Pipe(false, { context });
      const putter = new mp.Process({ context, target: tasks.putLater, args: [q, "item", 0.1] });
      putter.start();
      assert.deepEqual(await wait([q, r], 30), [q]);
      assert.equal(await q.get(), "item");
      assert.deepEqual(await wait([q, r], 0.05), [], "nothing left: [] at the timeout");
      const sleeper = new mp.Process({ context, target: tasks.sleepThenExit, args: [0.1] });
      sleeper.start();
      assert.deepEqual(await wait([r, sleeper.sentinel], 30), [sleeper], "p.sentinel, as in Python");
      assert.notEqual(sleeper.exitCode, null);
      await putter.join();
      assert.deepEqual(await wait([q, sleeper, r, putter], 0), [sleeper, putter], "exited processes stay ready, in the order given");
      w.close();
      r.close();
    });

    it("wait() on a Queue sleeps on its shared memory: an idle second looks at the queue a few times, not every few ms; a put from a worker wakes it", async (t) => {
      const q = new mp.Queue<string>(0, { context });
      // Counts q.empty() calls (on the prototype: an own property would not travel to the worker).
      let looks = 0;
      const { empty } = mp.Queue.prototype;
      mp.Queue.prototype.empty = function (this: mp.Queue<unknown>) {
        if (this === q) looks++;
        return empty.call(this);
      };
      try {
        assert.deepEqual(await wait([q], 1), [], "nothing put: [] at the timeout");
        // before, at the start and at the end of the wait: polling every 5 ms made about 200 looks
        assert.ok(looks <= 3, `${looks} looks at the queue during one idle second`);
        // The worker puts once told, after wait() has looked at the queue (synchronously, when called).
        const [gateR, gateW] = mp.Pipe<number>(false, { context });
        const putter = track(t, new mp.Process({ context, target: tasks.putWhenTold, args: [q, "woken", gateR] }));
        putter.start();
        looks = 0;
        const waiting = wait([q], 60); // a hang guard, not a bound
        await gateW.send(1);
        assert.deepEqual(await waiting, [q]);
        assert.equal(q.getNowait(), "woken", "the put is what woke it");
        assert.ok(looks <= 3, `${looks} looks at the queue while waiting for the put`);
        await putter.join();
        gateW.close();
      } finally {
        mp.Queue.prototype.empty = empty;
      }
    });

    it("wait() on a Pipe end sleeps on its shared memory: an idle second looks at the pipe a few times, not every 0.1 s; a send from a worker wakes it", async (t) => {
      const [r, w] = mp.Pipe<string>(false, { context });
      // Counts poll()/pollSync() calls on r (on the prototype, as the Queue test above does).
      let looks = 0;
      const { poll, pollSync } = mp.Connection.prototype;
      mp.Connection.prototype.poll = function (this: mp.Connection<unknown>, timeout?: number | null) {
        if (this === r) looks++;
        return poll.call(this, timeout);
      };
      mp.Connection.prototype.pollSync = function (this: mp.Connection<unknown>, timeout?: number | null) {
        if (this === r) looks++;
        return pollSync.call(this, timeout);
      };
      try {
        assert.deepEqual(await wait([r], 1), [], "nothing sent: [] at the timeout");
        // at the start and at the end of the wait: polling with poll(0.1) made about 12 looks
        assert.ok(looks <= 3, `${looks} looks at the pipe during one idle second`);
        const [gateR, gateW] = mp.Pipe<number>(false, { context });
        const sender = track(t, new mp.Process({ context, target: tasks.sendWhenTold, args: [w, "woken", gateR] }));
        sender.start();
        looks = 0;
        const waiting = wait([r], 60); // a hang guard, not a bound
        await gateW.send(1);
        assert.deepEqual(await waiting, [r]);
        assert.equal(await r.recv(), "woken", "the send is what woke it");
        assert.ok(looks <= 3, `${looks} looks at the pipe while waiting for the send`);
        await sender.join();
        gateW.close();
        w.close();
        r.close();
      } finally {
        mp.Connection.prototype.poll = poll;
        mp.Connection.prototype.pollSync = pollSync;
      }
    });

    it("Pipe ends: sendBytes/recvBytes/recvBytesInto with a Process, BufferTooShort, maxlength", async (t) => {
      const [a, b] = mp.Pipe(true, { context });
      const p = track(t, new mp.Process({ context, target: tasks.echoPipeBytes, args: [b] }));
      p.start();
      await a.sendBytes(Buffer.from("hello world"), 6, 3);
      assert.equal((await a.recvBytes()).toString(), "row");
      const big = Buffer.alloc(1024 * 1024, 1); // more than the ring: streamed
      big[0] = 7;
      await a.sendBytes(big);
      const back = await a.recvBytes();
      assert.equal(back.length, big.length);
      assert.equal(back[back.length - 1], 7);
      await a.sendBytes(new Uint8Array([1, 2, 3]));
      const into = new Uint8Array(4);
      assert.equal(await a.recvBytesInto(into, 1), 3);
      assert.deepEqual([...into], [0, 3, 2, 1]);
      await a.sendBytes(new Uint8Array([1, 2, 3]));
      const short = await a.recvBytesInto(into, 2).catch((e: unknown) => e);
      assert.ok(short instanceof mp.BufferTooShort);
      assert.deepEqual([...short.data], [3, 2, 1]);
      await a.sendBytes(Buffer.alloc(5, 1));
      await assert.rejects(a.recvBytes(4), mp.connection.MessageTooLongError);
      assert.equal(a.closed, true, "a message over maxlength closes the end, as in Python");
      await p.join();
      assert.equal(p.exitCode, 0);
    });
  });
}
