// multiprocessing.connection against peers that misbehave: a malformed length header, a message
// over the limit (refused on its header, before its body arrives), a stream cut mid-message,
// bytes that are not a structured clone, a peer that connects and says nothing, one that talks
// before the handshake. Each is a named error on the side that sees it, and the listener goes on
// serving the others.
import assert from "node:assert/strict";
import { connect, createServer, type Socket } from "node:net";
import { once } from "node:events";
import { describe, it, type TestContext } from "node:test";
import { serialize } from "node:v8";
import * as mp from "multiproc";
import { track } from "./helpers.ts";

const { MalformedMessageError, MessageTooLongError, HandshakeTimeoutError, AuthenticationError } = mp.connection;

async function raw(address: mp.connection.Address): Promise<Socket> {
  const a = address as [string, number];
  const s = connect({ host: a[0], port: a[1] });
  await once(s, "connect");
  return s;
}

function header(n: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeInt32BE(n);
  return h;
}

/** The listener still accepts a well-behaved client and talks to it. */
async function stillServes(t: TestContext, listener: mp.connection.Listener, authkey?: string): Promise<void> {
  const [client, server] = await Promise.all([mp.connection.Client(listener.address, { authkey }), listener.accept()]);
  track(t, client);
  track(t, server);
  await client.send({ ok: true });
  assert.deepEqual(await server.recv(), { ok: true });
  client.close();
  server.close();
}

describe("bad input after the connection is up", () => {
  it("a negative length header: MalformedMessageError after the messages before it; the listener goes on", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0]);
    const peer = track(t, await raw(listener.address));
    const server = track(t, await listener.accept());
    peer.write(Buffer.concat([header(2), Buffer.from("ok"), header(-5), Buffer.from("junk")]));
    assert.equal((await server.recvBytes()).toString(), "ok");
    await assert.rejects(server.recvBytes(), MalformedMessageError);
    await assert.rejects(server.recvBytes(), MalformedMessageError, "the connection stays failed");
    peer.destroy();
    await stillServes(t, listener);
  });

  it("a message over maxMessageSize is refused on its header, before its body is sent", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0], { maxMessageSize: 1000 });
    const peer = track(t, await raw(listener.address));
    const server = track(t, await listener.accept());
    peer.write(Buffer.concat([header(1000), Buffer.alloc(1000)]));
    assert.equal((await server.recvBytes()).length, 1000, "up to the limit is fine");
    peer.write(header(1_000_000_000)); // announces 1 GB and sends none of it
    const error = await server.recvBytes().catch((e: unknown) => e);
    assert.ok(error instanceof MessageTooLongError);
    assert.equal(error.length, 1_000_000_000);
    assert.equal(error.limit, 1000);
    peer.destroy();
    await stillServes(t, listener);
  });

  it("the Client's maxMessageSize guards the client side the same way", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0], { authkey: "k" });
    const [client, server] = await Promise.all([mp.connection.Client(listener.address, { authkey: "k", maxMessageSize: 10 }), listener.accept()]);
    track(t, client);
    track(t, server);
    await server.sendBytes(Buffer.alloc(11));
    await assert.rejects(client.recvBytes(), MessageTooLongError);
    server.close();
    client.close();
  });

  it("the stream ends in the middle of a message: MalformedMessageError, not a short message", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0]);
    const peer = track(t, await raw(listener.address));
    const server = track(t, await listener.accept());
    peer.end(Buffer.concat([header(100), Buffer.alloc(10)]));
    await assert.rejects(server.recvBytes(), /got end of file during message/);
  });

  it("recv() of bytes that are not a structured clone: MalformedMessageError naming recvBytes", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0]);
    const [client, server] = await Promise.all([mp.connection.Client(listener.address), listener.accept()]);
    track(t, client);
    track(t, server);
    await client.sendBytes(Buffer.from("\x80\x04pickle?"));
    await assert.rejects(server.recv(), (e: Error) => e instanceof MalformedMessageError && /recvBytes/.test(e.message));
    client.close();
    server.close();
  });
});

describe("bad input before the handshake passes", () => {
  it("a peer that connects and says nothing: HandshakeTimeoutError from accept(), while a good peer after it is served", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0], { authkey: "k", handshakeTimeout: 1 });
    const silent = track(t, await raw(listener.address));
    silent.resume(); // reads (and drops) the challenge, so that it sees the end
    // Handshakes run side by side: the good client does not wait behind the silent one.
    const [client, server] = await Promise.all([mp.connection.Client(listener.address, { authkey: "k" }), listener.accept()]);
    track(t, client);
    track(t, server);
    await client.send("hi");
    assert.equal(await server.recv(), "hi");
    await assert.rejects(listener.accept(), HandshakeTimeoutError);
    await once(silent, "close"); // the listener dropped it
    await stillServes(t, listener, "k");
    client.close();
  });

  it("a Client whose server never challenges: HandshakeTimeoutError", async (t) => {
    const mute = track(t, createServer(() => {}));
    mute.listen(0, "127.0.0.1");
    await once(mute, "listening");
    const port = (mute.address() as { port: number }).port;
    await assert.rejects(mp.connection.Client(["127.0.0.1", port], { authkey: "k", handshakeTimeout: 0.5 }), HandshakeTimeoutError);
    mute.close();
  });

  it("a peer that sends an object instead of the handshake's answer is refused and never deserialized", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0], { authkey: "k" });
    const peer = track(t, await raw(listener.address));
    const evil = serialize({ pretend: "answer" });
    peer.write(Buffer.concat([header(evil.length), evil]));
    await assert.rejects(listener.accept(), AuthenticationError);
    peer.destroy();
    await stillServes(t, listener, "k");
  });

  it("a handshake message over 256 bytes (an HTTP request, say) is refused on its header", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0], { authkey: "k" });
    const peer = track(t, await raw(listener.address));
    peer.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); // "GET " read as a length: 1.2 GB
    await assert.rejects(listener.accept(), (e: unknown) => e instanceof MessageTooLongError && e.limit === 256);
    peer.destroy();
    await stillServes(t, listener, "k");
  });

  it("a Client without the key to a Listener with one: the listener times the handshake out, and goes on", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0], { authkey: "k", handshakeTimeout: 0.5 });
    const keyless = track(t, await mp.connection.Client(listener.address));
    await assert.rejects(listener.accept(), HandshakeTimeoutError);
    assert.match((await keyless.recvBytes()).toString("latin1"), /^#CHALLENGE#\{sha256\}/, "what it got is the challenge");
    await assert.rejects(keyless.recvBytes(), mp.EOFError, "then the connection is dropped");
    await stillServes(t, listener, "k");
  });

  it("many failed peers at once do not stop the listener", async (t) => {
    await using listener = await mp.connection.Listener(["127.0.0.1", 0], { authkey: "k" });
    const bad = Array.from({ length: 10 }, () => mp.connection.Client(listener.address, { authkey: "nope" }).catch((e: unknown) => e));
    for (let i = 0; i < 10; i++) await assert.rejects(listener.accept(), AuthenticationError);
    for (const e of await Promise.all(bad)) assert.ok(e instanceof AuthenticationError);
    await stillServes(t, listener, "k");
  });
});
