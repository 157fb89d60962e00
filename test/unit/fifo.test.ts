// The pool's FIFO of pending tasks (src/pool/fifo.ts), as piscina tests its queue.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Fifo } from "../../src/pool/fifo.ts";

describe("Fifo", () => {
  it("is first in, first out; peek does not take", () => {
    const q = new Fifo<number>();
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
    for (let i = 0; i < 5; i++) q.push(i);
    assert.equal(q.peek(), 0);
    assert.equal(q.length, 5);
    assert.deepEqual([q.shift(), q.shift()], [0, 1]);
    assert.equal(q.length, 3);
  });

  it("unshiftAll puts tasks back at the front in their order", () => {
    const q = new Fifo<string>();
    q.push("c");
    q.push("d");
    q.shift();
    q.unshiftAll(["a", "b"]);
    q.unshiftAll([]);
    assert.deepEqual(q.drain(), ["a", "b", "d"]);
    assert.equal(q.length, 0);
  });

  it("keeps its order across the compaction of what was taken", () => {
    const q = new Fifo<number>();
    const n = 5000;
    for (let i = 0; i < n; i++) q.push(i);
    const got: number[] = [];
    for (let i = 0; i < 3000; i++) got.push(q.shift()!);
    for (let i = n; i < n + 10; i++) q.push(i);
    assert.equal(q.length, n + 10 - 3000);
    got.push(...q.drain());
    assert.deepEqual(got, Array.from({ length: n + 10 }, (_, i) => i));
  });
});
