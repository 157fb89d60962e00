// Pipe ends held by several processes, as Python's file descriptors are (src/channels/pipe-holders.ts):
// each holder's close() closes only its own hold; EOFError comes once every holder of the other
// end has closed it or died (SIGKILL included); send() with every reader gone throws
// BrokenPipeError; Python's `child_conn.close()` right after `p.start()` works.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, assertNoSegmentsLeft, sleep, track } from "./helpers.ts";

after(assertNoSegmentsLeft);

/** Waits `ms`, sends each of `items`, then returns without closing its end. */
async function sendLater(conn: mp.Connection<string>, ms: number, items: string[]) {
  await new Promise((r) => setTimeout(r, ms));
  for (const item of items) await conn.send(item);
}

/** Receives until EOFError, then reports what it got on `out`. */
async function drain(conn: mp.Connection<string>, out: mp.Connection<string[]>) {
  const got: string[] = [];
  for (;;) {
    try {
      got.push(await conn.recv());
    } catch (e) {
      got.push((e as Error).name);
      break;
    }
  }
  await out.send(got);
}

/** Keeps its end open until told (on `until`) to close it. */
async function holdUntilTold(conn: mp.Connection<string>, until: mp.Connection<string>, tag: string) {
  await until.recv();
  await conn.send(tag);
  conn.close();
}

/** Holds its end for ever (until killed). */
async function holdForever(conn: mp.Connection<string>, ready: mp.Connection<string>) {
  await ready.send("ready");
  await new Promise(() => setInterval(() => void conn, 1000));
}

for (const context of CONTEXTS) {
  describe(`Pipe ends with several holders (${context})`, () => {
    it("child_conn.close() right after start() leaves the child's copy open; EOF once the child exits", async () => {
      const [parentConn, childConn] = mp.Pipe<string>(true, { context });
      const p = new mp.Process({ context, target: sendLater, args: [childConn, 300, ["a", "b"]] });
      p.start();
      childConn.close();
      assert.equal(childConn.closed, true);
      assert.equal(await parentConn.recv({ timeout: 60 }), "a");
      assert.equal(await parentConn.recv({ timeout: 60 }), "b");
      await p.join();
      // The child exited without closing: its hold went with it.
      await assert.rejects(parentConn.recv({ timeout: 60 }), mp.EOFError);
      await assert.rejects(parentConn.send("x"), mp.BrokenPipeError);
      parentConn.close();
    });

    it("EOF only when every holder of the other end has closed it", async (t) => {
      const [reader, writer] = mp.Pipe<string>(false, { context });
      const [ctl1Here, ctl1There] = mp.Pipe<string>(true, { context });
      const [ctl2Here, ctl2There] = mp.Pipe<string>(true, { context });
      const p1 = track(t, new mp.Process({ context, target: holdUntilTold, args: [writer, ctl1There, "one"] }));
      const p2 = track(t, new mp.Process({ context, target: holdUntilTold, args: [writer, ctl2There, "two"] }));
      p1.start();
      p2.start();
      writer.close();
      await ctl1Here.send("go");
      assert.equal(await reader.recv({ timeout: 60 }), "one");
      await p1.join();
      // One holder closed and exited, the other still holds: no EOF, recv waits.
      await assert.rejects(reader.recv({ timeout: 0.5 }), { name: "TimeoutError" });
      assert.equal(await reader.poll(0.2), false);
      await ctl2Here.send("go");
      assert.equal(await reader.recv({ timeout: 60 }), "two");
      await assert.rejects(reader.recv({ timeout: 60 }), mp.EOFError);
      await p2.join();
      for (const c of [reader, ctl1Here, ctl2Here, ctl1There, ctl2There]) c.close();
    });

    it("a holder killed with SIGKILL lets go: the reader gets EOFError, the writer BrokenPipeError", async (t) => {
      const [reader, writer] = mp.Pipe<string>(false, { context });
      const [ready, readyThere] = mp.Pipe<string>(false, { context });
      const p = track(t, new mp.Process({ context, target: holdForever, args: [writer, readyThere] }));
      p.start();
      writer.close();
      readyThere.close();
      assert.equal(await ready.recv({ timeout: 60 }), "ready");
      const eof = assert.rejects(reader.recv({ timeout: 60 }), mp.EOFError);
      p.kill();
      await p.join();
      await eof;

      const [r2, w2] = mp.Pipe<string>(false, { context });
      const [ready2, ready2There] = mp.Pipe<string>(false, { context });
      const q = track(t, new mp.Process({ context, target: holdForever, args: [r2, ready2There] }));
      q.start();
      r2.close();
      ready2There.close();
      assert.equal(await ready2.recv({ timeout: 60 }), "ready");
      await w2.send("before"); // the reader is alive: fine
      q.kill();
      await q.join();
      await assert.rejects(w2.send("after"), mp.BrokenPipeError);
      assert.throws(() => w2.sendSync("after"), mp.BrokenPipeError);
      for (const c of [reader, ready, ready2, w2]) c.close();
    });

    it("the parent closing its copy of an end it passed on leaves the worker's copy open", async (t) => {
      const [a, b] = mp.Pipe<string>(true, { context });
      const [out, outThere] = mp.Pipe<string[]>(false, { context });
      const p = track(t, new mp.Process({ context, target: drain, args: [a, outThere] }));
      p.start();
      a.close(); // the parent's copy: the child still reads
      outThere.close();
      await b.send("x");
      await sleep(50);
      await b.send("y");
      b.close(); // the last holder of b: the child's recv gets EOFError after "x", "y"
      assert.deepEqual(await out.recv({ timeout: 60 }), ["x", "y", "EOFError"]);
      await p.join();
      out.close();
    });

    it("a closed Connection cannot be passed to a worker", () => {
      const [a, b] = mp.Pipe<string>(true, { context });
      a.close();
      const p = new mp.Process({ context, target: (c: mp.Connection<string>) => c.close(), args: [a] });
      assert.throws(() => p.start(), mp.ClosedError);
      b.close();
    });
  });
}
