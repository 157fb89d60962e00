// How tasks become one message (src/pool/encode-batch.ts): the lone-apply flat form, function
// definitions sent once, numbers packed by column.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeBatch } from "../../src/pool/encode-batch.ts";
import type { Task } from "../../src/pool/task.ts";
import { ONE_TASK, TaskKind } from "../../src/wire/messages.ts";

const fnA = { id: 1, spec: { kind: "inline", source: "(x) => x" } };
const fnB = { id: 2, spec: { kind: "inline", source: "(x) => -x" } };
let nextId = 100;
const task = (fn: typeof fnA, data: unknown[], kind: TaskKind = TaskKind.Apply, extra: Partial<Task> = {}) =>
  ({ id: nextId++, fn, kind, data, revive: false, transferResult: false, offset: 0, ...extra }) as unknown as Task;

describe("encodeBatch", () => {
  it("a lone apply of a known function is one flat array: [ONE_TASK, id, fn, flags, ...args]", () => {
    const t = task(fnA, [7, "x"], TaskKind.Apply, { revive: true });
    const { msg, defs, transfer } = encodeBatch([t], new Set([1]));
    assert.deepEqual(msg, [ONE_TASK, t.id, 1, 1, 7, "x"]);
    assert.equal(defs, undefined);
    assert.equal(transfer, undefined);
  });

  it("defines each unknown function once, and goes by column", () => {
    const ts = [task(fnA, [1]), task(fnB, [2]), task(fnA, [3])];
    const { msg, defs } = encodeBatch(ts, new Set());
    assert.deepEqual(defs, [[1, fnA.spec], [2, fnB.spec]]);
    assert.ok(!Array.isArray(msg) && msg.t === "run");
    assert.deepEqual(msg.ids, ts.map((t) => t.id));
    assert.deepEqual(msg.fns, [1, 2, 1]);
    assert.deepEqual(msg.data, [[1], [2], [3]]);
    assert.equal(encodeBatch([task(fnA, [1])], new Set()).defs?.length, 1, "a lone task of an unknown function is a batch with its definition");
  });

  it("16 or more one-number applies travel as one Float64Array", () => {
    const ts = Array.from({ length: 16 }, (_, i) => task(fnA, [i + 0.5]));
    const { msg } = encodeBatch(ts, new Set([1]));
    assert.ok(!Array.isArray(msg) && msg.t === "run");
    assert.deepEqual(msg.data, []);
    assert.deepEqual([...msg.args1!], ts.map((_, i) => i + 0.5));
    const mixed = [...ts.slice(1), task(fnA, ["not a number"])];
    const m2 = encodeBatch(mixed, new Set([1])).msg;
    assert.ok(!Array.isArray(m2) && m2.t === "run" && m2.args1 === undefined);
  });

  it("collects transfers, and marks the tasks to revive and to transfer back", () => {
    const buf = new ArrayBuffer(8);
    const ts = [task(fnA, [1]), task(fnA, [buf], TaskKind.Apply, { transfer: [buf], revive: true, transferResult: true })];
    const { msg, transfer } = encodeBatch(ts, new Set([1]));
    assert.deepEqual(transfer, [buf]);
    assert.ok(!Array.isArray(msg) && msg.t === "run");
    assert.deepEqual([msg.revive, msg.transferBack], [[1], [1]]);
  });
});
