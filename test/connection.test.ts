// multiprocessing.connection: Listener and Client over TCP and Unix sockets, with and without an
// authkey; objects (structured clones) and bytes (sendBytes/recvBytes/recvBytesInto as in
// Python); lastAccepted, close, `await using`; a Process on each context as the peer.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, track } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/connection-tasks.ts")>(new URL("./fixtures/connection-tasks.ts", import.meta.url));

const unixPath = (name: string) => join(tmpdir(), `multiproc-test-${name}-${process.pid}-${Math.random().toString(36).slice(2)}`);
const families: { family: string; address: () => mp.connection.Address }[] = [
  { family: "AF_INET", address: () => ["127.0.0.1", 0] },
  { family: "AF_UNIX", address: () => unixPath("conn") },
];

/** A listener and both ends of a connection to it, closed when test `t` ends (track()) if it has not. */
async function pair(t: TestContext, address: mp.connection.Address, authkey?: string) {
  const listener = track(t, await mp.connection.Listener(address, { authkey }));
  const [client, server] = await Promise.all([mp.connection.Client(listener.address, { authkey }), listener.accept()]);
  return { listener, client: track(t, client), server: track(t, server) };
}

for (const { family, address } of families) {
  for (const authkey of [undefined, "secret"]) {
    describe(`Listener/Client ${family}${authkey ? " with an authkey" : ""}`, () => {
      it("objects both ways as structured clones, then EOF when one end closes", async (t) => {
        const { listener, client, server } = await pair(t, address(), authkey);
        assert.equal(listener.family, family);
        const value = { n: 1n, when: new Date(0), m: new Map([["k", new Set([1])]]), f: new Float64Array([1.5]) };
        await client.send(value);
        assert.deepEqual(await server.recv(), value);
        await server.send([1, "two", null]);
        assert.deepEqual(await client.recv(), [1, "two", null]);
        // many in a row, unawaited, keep their order
        for (let i = 0; i < 1000; i++) void client.send(i);
        for (let i = 0; i < 1000; i++) assert.equal(await server.recv(), i);
        client.close();
        assert.equal(client.closed, true);
        await assert.rejects(server.recv(), mp.EOFError);
        await assert.rejects(client.send(1), mp.ClosedError);
        server.close();
        await listener.close();
        if (family === "AF_UNIX") assert.equal(existsSync(listener.address as string), false, "the socket file is removed at close");
      });

      it("messages of every size, small and large mixed, sent unawaited, arrive whole and in order both ways", async (t) => {
        // Large bodies are read straight into their own memory, small ones through the reused
        // buffer (socket-reading.ts): each message has its own byte pattern, so a byte read into the
        // wrong message, or one lost at a boundary, shows.
        const { listener, client, server } = await pair(t, address(), authkey);
        const sizes = [1, 70_000, 3, 1024 * 1024 + 5, 65_536, 0, 32_767, 32_768, 5, 200_000, 65_532, 2];
        const message = (i: number, n: number) => Buffer.from(Array.from({ length: n }, (_, j) => (i * 31 + j) & 255));
        for (const [from, to] of [[client, server], [server, client]] as const) {
          const sent = sizes.map((n, i) => message(i, n));
          const sending = Promise.all(sent.map((m) => from.sendBytes(m)));
          for (const m of sent) assert.ok((await to.recvBytes()).equals(m));
          await sending;
        }
        client.close();
        server.close();
        await listener.close();
      });

      it("bytes: sendBytes(buf, offset, size), recvBytes(maxlength), recvBytesInto and BufferTooShort", async (t) => {
        const { listener, client, server } = await pair(t, address(), authkey);
        await client.sendBytes(Buffer.from("hello world"), 6);
        assert.equal((await server.recvBytes()).toString(), "world");
        await client.sendBytes(new Uint16Array([1, 2, 3]), 2, 2); // offsets count bytes, as Python's cast('B')
        assert.deepEqual([...(await server.recvBytes())], [2, 0]);
        await client.sendBytes(new Uint8Array(0));
        assert.equal((await server.recvBytes()).length, 0);
        const big = Buffer.alloc(3 * 1024 * 1024 + 7, 9);
        await client.sendBytes(big);
        const got = await server.recvBytes();
        assert.equal(got.length, big.length);
        assert.ok(got.equals(big));
        const into = new Uint8Array(10);
        await client.sendBytes(Buffer.from("abc"));
        assert.equal(await server.recvBytesInto(into, 2), 3);
        assert.deepEqual([...into.subarray(0, 6)], [0, 0, 97, 98, 99, 0]);
        await client.sendBytes(Buffer.from("0123456789"));
        const short = await server.recvBytesInto(into, 5).catch((e: unknown) => e);
        assert.ok(short instanceof mp.BufferTooShort);
        assert.equal(short.data.toString(), "0123456789", "BufferTooShort carries the message");
        await assert.rejects(client.sendBytes(Buffer.alloc(4), 5), /buffer length 4 < offset 5/);
        await assert.rejects(client.sendBytes(Buffer.alloc(4), 1, 4), /buffer length 4 < offset \+ size/);
        await assert.rejects(client.sendBytes(Buffer.alloc(4), -1), /offset is negative/);
        // a message over maxlength closes the connection, as Python's "bad message length"
        await client.sendBytes(Buffer.alloc(100));
        await assert.rejects(server.recvBytes(99), mp.connection.MessageTooLongError);
        assert.equal(server.closed, true);
        client.close();
        await listener.close();
      });

      it("lastAccepted, accept({ timeout }), poll, close rejects a waiting accept, await using", async () => {
        await using listener = await mp.connection.Listener(address(), { authkey });
        await assert.rejects(listener.accept({ timeout: 0.05 }), { name: "TimeoutError" });
        await using client = await mp.connection.Client(listener.address, { authkey });
        await using server = await listener.accept();
        if (family === "AF_INET") {
          assert.equal((listener.lastAccepted as [string, number])[0], "127.0.0.1");
          assert.equal(typeof (listener.lastAccepted as [string, number])[1], "number");
        } else {
          assert.equal(listener.lastAccepted, "");
        }
        assert.equal(await server.poll(), false);
        assert.equal(await server.poll(0.05), false);
        await assert.rejects(server.recv({ timeout: 0.05 }), { name: "TimeoutError", message: /Connection.recv timed out after 0.05 s/ });
        const controller = new AbortController();
        const aborted = assert.rejects(server.recvBytes(null, { signal: controller.signal }), { name: "AbortError" });
        controller.abort();
        await aborted;
        await client.send("x");
        assert.equal(await server.poll(null), true);
        assert.equal(await server.recv(), "x");
        const waiting = assert.rejects(listener.accept(), mp.ClosedError);
        await listener.close();
        await waiting;
        await assert.rejects(mp.connection.Client(listener.address, { authkey }), /ECONNREFUSED|ENOENT/);
      });
    });
  }
}

describe("recv calls that wait for the next message", () => {
  it("are served in call order; one that timed out or was aborted gives way; maxlength, close() and EOF reject those waiting", async (t) => {
    const { listener, client, server } = await pair(t, ["127.0.0.1", 0], "secret");
    const timedOut = assert.rejects(server.recvBytes(null, { timeout: 0.05 }), { name: "TimeoutError" });
    const controller = new AbortController();
    const aborted = assert.rejects(server.recv({ signal: controller.signal }), { name: "AbortError" });
    const first = server.recvBytes();
    const second = server.recv({ timeout: 60 }); // a hang guard, not a bound
    const third = server.recvBytesInto(new Uint8Array(8), 2);
    controller.abort();
    await timedOut;
    await aborted;
    await client.sendBytes(Buffer.from("one"));
    await client.send({ two: 2 });
    await client.sendBytes(Buffer.from("three"));
    assert.equal((await first).toString(), "one");
    assert.deepEqual(await second, { two: 2 });
    assert.equal(await third, 5);
    // Over maxlength: that call rejects and the connection closes; the call behind it sees it closed.
    const tooLong = assert.rejects(server.recvBytes(3), mp.connection.MessageTooLongError);
    const behind = assert.rejects(server.recvBytes(), { name: "ClosedError", message: /Connection.recvBytes\(\): this connection is closed/ });
    await client.sendBytes(Buffer.from("four"));
    await tooLong;
    await behind;
    assert.equal(server.closed, true);
    // The peer's end of the stream: every call waiting on the other side gets EOFError.
    const eofs = [client.recvBytes(), client.recv()].map((p) => assert.rejects(p, mp.EOFError));
    await Promise.all(eofs);
    // close() while calls wait: ClosedError for each.
    const again = await pair(t, ["127.0.0.1", 0]);
    const waiting = [again.server.recvBytes(), again.server.recv({ timeout: 60 })].map((p) => assert.rejects(p, mp.ClosedError));
    again.server.close();
    await Promise.all(waiting);
    again.client.close();
    client.close();
    await again.listener.close();
    await listener.close();
  });
});

describe("Listener/Client options", () => {
  it("checks addresses, families and options, naming what is wrong", async () => {
    await assert.rejects(mp.connection.Listener(["127.0.0.1", 70000]), /port must be a whole number from 0 to 65535/);
    await assert.rejects(mp.connection.Listener(["127.0.0.1", 0], { family: "AF_UNIX" }), /family AF_UNIX does not match/);
    await assert.rejects(mp.connection.Listener(["127.0.0.1", 0], { family: "AF_INET6" as "AF_INET" }), /family must be "AF_INET" or "AF_UNIX"/);
    await assert.rejects(mp.connection.Listener(42 as unknown as string), /address must be \[host, port\]/);
    await assert.rejects(mp.connection.Client(["127.0.0.1", 1], { authkey: 5 as unknown as string }), /authkey must be a Uint8Array/);
    await assert.rejects(mp.connection.Client(["127.0.0.1", 1], { handshakeTimeout: 0 }), /handshakeTimeout must be/);
    await assert.rejects(mp.connection.Listener(["127.0.0.1", 0], { maxMessageSize: -1 }), /maxMessageSize must be/);
  });

  it("Listener() with no address picks a fresh Unix socket path; with family AF_INET a free port", async () => {
    await using unix = await mp.connection.Listener();
    assert.equal(unix.family, "AF_UNIX");
    assert.equal(typeof unix.address, "string");
    await using tcp = await mp.connection.Listener(null, { family: "AF_INET" });
    assert.ok((tcp.address as [string, number])[1] > 0);
  });

  it("a Listener on an address in use rejects with the OS error", async () => {
    await using a = await mp.connection.Listener(["127.0.0.1", 0]);
    await assert.rejects(mp.connection.Listener(a.address), { code: "EADDRINUSE" });
  });

  it("a socket connection or listener passed to a worker is a CloneError that says to pass the address instead", async () => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0]);
    await using client = await mp.connection.Client(listener.address);
    assert.throws(() => new mp.Process({ target: (c: unknown) => c, args: [client] }).start(), (e: unknown) => e instanceof mp.CloneError && /args\[0\].*pass_its_address_and_connect_in_the_worker/.test(e.message));
    await assert.rejects(new mp.Queue().put(listener), (e: unknown) => e instanceof mp.CloneError && /Listener_stays_in_the_process/.test(e.message));
    (await listener.accept()).close();
  });

  it("mp.connection.Connection is the Pipe end; the subpath export is the same namespace", async () => {
    assert.equal(mp.connection.Connection, mp.Connection);
    const sub = await import("multiproc/connection");
    assert.equal(sub.Listener, mp.connection.Listener);
    assert.equal(mp.AuthenticationError, mp.connection.AuthenticationError);
  });
});

for (const context of CONTEXTS) {
  describe(`a Process as the peer (${context})`, () => {
    for (const { family, address } of families) {
      it(`a Process connects to our ${family} Listener with the authkey and echoes`, async (t) => {
        await using listener = await mp.connection.Listener(address(), { authkey: "k" });
        const p = track(t, new mp.Process({ context, target: tasks.echoClient, args: [listener.address, "k"] }));
        p.start();
        const conn = track(t, await listener.accept());
        for (const item of [1, { a: [1, 2] }, "s".repeat(100_000)]) {
          await conn.send(item);
          assert.deepEqual(await conn.recv(), item);
          await conn.sendBytes(Buffer.from([1, 2, 3]));
          assert.deepEqual([...(await conn.recvBytes())], [3, 2, 1]);
        }
        await conn.send(null);
        await assert.rejects(conn.recv(), mp.EOFError);
        await p.join();
        assert.equal(p.exitCode, 0);
      });
    }

    it("a Process listens; the parent connects as the Client", async (t) => {
      const [parentEnd, childEnd] = mp.Pipe<number>(true, { context });
      const p = track(t, new mp.Process({ context, target: tasks.sumServer, args: [childEnd, "key"] }));
      p.start();
      const port = await parentEnd.recv({ timeout: 30 });
      await using conn = await mp.connection.Client(["127.0.0.1", port], { authkey: "key" });
      await conn.send([1, 2, 3, 4]);
      assert.equal(await conn.recv(), 10);
      conn.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    });
  });
}
