// Pipe and Connection on both contexts: ping-pong between the parent and a worker (async and
// blocking forms), one-way pipes, big objects, Python's EOFError / BrokenPipeError on closed
// ends, poll() with timeouts, and nothing left in /dev/shm afterwards.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, assertNoSegmentsLeft, track } from "./helpers.ts";

const tasks = mp.tasksFrom<typeof import("./fixtures/queue-tasks.ts")>(new URL("./fixtures/queue-tasks.ts", import.meta.url));

after(assertNoSegmentsLeft);

for (const context of CONTEXTS) {
  describe(`Pipe (${context})`, () => {
    for (const sync of [false, true]) {
      it(`ping-pong with a Process (${sync ? "recvSync/sendSync" : "recv/send"} in the worker)`, async (t) => {
        const [parentEnd, childEnd] = mp.Pipe<number>(true, { context });
        const p = track(t, new mp.Process({ context, target: tasks.pong, args: [childEnd, sync] }));
        p.start();
        childEnd.close(); // Python's idiom: the parent's copy of the child's end, closed at once
        let n = 0;
        for (let i = 0; i < 100; i++) {
          await parentEnd.send(n);
          n = await parentEnd.recv({ timeout: 120 }); // a hang guard (the first includes the worker's start), not a bound
        }
        assert.equal(n, 100);
        await parentEnd.send(-1);
        await p.join();
        assert.equal(p.exitCode, 0);
        // The worker closed its end: what is left is read, then EOFError, as in Python.
        assert.equal(await parentEnd.poll(), true, "poll says recv would not wait (it would throw)");
        await assert.rejects(parentEnd.recv(), mp.EOFError);
        await assert.rejects(parentEnd.send(1), mp.BrokenPipeError);
      });
    }

    it("ping-pong with a Pool task", async (t) => {
      // Not `await using`: its close() and join() would wait for ever for the task a failed test left waiting.
      const pool = track(t, new mp.Pool({ processes: 1, context }));
      const [a, b] = mp.Pipe<number>(true, { context });
      const done = pool.apply(tasks.pong, [b, false]);
      b.close();
      await a.send(41);
      assert.equal(await a.recv(), 42);
      await a.send(-1);
      await done;
      await assert.rejects(a.recv(), mp.EOFError);
      pool.close();
      await pool.join();
    });

    it("a one-way pipe carries structured clones and big objects, then EOF", async (t) => {
      const [reader, writer] = mp.Pipe<unknown>(false, { context, capacity: 1024 });
      assert.equal(reader.writable, false);
      assert.equal(writer.readable, false);
      await assert.rejects(reader.send(1), TypeError);
      await assert.rejects(writer.recv(), TypeError);
      const big = new Int32Array(200_000).map((_, i) => i); // 800 KB through a 1 KiB ring
      const items = [new Map([["k", new Set([1n])]]), big, new Date(0), "end"];
      const p = track(t, new mp.Process({ context, target: tasks.sendAll, args: [writer, items] }));
      p.start();
      writer.close();
      const got = [];
      for (let i = 0; i < items.length; i++) got.push(await reader.recv({ timeout: 120 })); // a hang guard
      assert.deepEqual(got, items);
      await p.join();
      await assert.rejects(reader.recv(), mp.EOFError);
    });

    it("poll waits up to its timeout; recv times out and can be aborted", async () => {
      const [a, b] = mp.Pipe<string>(true, { context });
      assert.equal(await a.poll(), false);
      let t0 = performance.now();
      assert.equal(await a.poll(0.15), false);
      assert.ok(performance.now() - t0 >= 130);
      assert.equal(a.pollSync(0.02), false);
      setTimeout(() => void b.send("hi"), 50);
      assert.equal(await a.poll(null), true);
      assert.equal(a.recvSync(), "hi");
      t0 = performance.now();
      await assert.rejects(a.recv({ timeout: 0.1 }), { name: "TimeoutError" });
      assert.throws(() => a.recvSync({ timeout: 0.02 }), { name: "TimeoutError" });
      await assert.rejects(a.recv({ signal: AbortSignal.abort() }), { name: "AbortError" });
      // Messages in flight survive the sender's close.
      await b.send("last");
      b.close();
      assert.equal(await a.recv(), "last");
      await assert.rejects(a.recv(), mp.EOFError);
      assert.throws(() => b.sendSync("x"), mp.ClosedError);
      a.close();
      a.close(); // idempotent
      assert.equal(a.closed, true);
      await assert.rejects(a.recv(), mp.ClosedError);
    });
  });
}
