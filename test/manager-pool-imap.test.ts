// A manager Pool's imap and imapUnordered hand over each result as it is ready (Python's
// IteratorProxy), not once all are in: a task that waits for a gate which the reader opens only
// after it has received a result can finish only if results stream. Shown by the recorded order
// of arrivals and of the gate's opening; the gate's own timeout is only a hang guard.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

type Item = [number, mp.EventProxy];

for (const context of CONTEXTS) {
  describe(`Manager Pool imap streams its results (${context})`, () => {
    it("imap: the first results arrive while the last task still waits for the reader", async () => {
      await using manager = await mp.Manager({ context });
      const pool = await manager.Pool(1);
      const gate = await manager.Event();
      const items: Item[] = [0, 1, 2, 3].map((x) => [x, gate]);
      const events: string[] = [];
      for await (const r of pool.imap(async ([x, g]: Item) => (x === 3 && !(await g.wait(60)) ? -1 : x), items)) {
        events.push(`got ${r}`);
        if (r === 0) {
          events.push("gate");
          await gate.set();
        }
      }
      assert.deepEqual(events, ["got 0", "gate", "got 1", "got 2", "got 3"]);
    });

    it("imapUnordered: results in completion order, the gated task's last", async () => {
      await using manager = await mp.Manager({ context });
      const pool = await manager.Pool(2);
      const gate = await manager.Event();
      const items: Item[] = [0, 1, 2, 3].map((x) => [x, gate]);
      const events: string[] = [];
      for await (const r of pool.imapUnordered(async ([x, g]: Item) => (x === 0 && !(await g.wait(60)) ? -1 : x), items)) {
        if (events.length === 0) {
          events.push(`got ${r}`, "gate");
          await gate.set();
        } else events.push(`got ${r}`);
      }
      assert.notEqual(events[0], "got 0");
      assert.equal(events[1], "gate");
      assert.deepEqual([...events].sort(), ["gate", "got 0", "got 1", "got 2", "got 3"]);
    });

    it("a reader that stops early stops the manager's iterator; an error in a task reaches the reader", async () => {
      await using manager = await mp.Manager({ context });
      const pool = await manager.Pool(1);
      const seen: number[] = [];
      for await (const r of pool.imap((x: number) => x * 10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], { readAhead: 2 })) {
        seen.push(r);
        if (seen.length === 2) break;
      }
      assert.deepEqual(seen, [10, 20]);
      const bad = pool.imap((x: number) => {
        if (x === 2) throw new RangeError("two");
        return x;
      }, [1, 2, 3]);
      assert.deepEqual(await bad.next(), { done: false, value: 1 });
      await assert.rejects(bad.next(), (e: Error) => e.name === "RangeError" && e.message === "two");
      assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2]), [2, 3]); // the pool goes on
    });
  });
}
