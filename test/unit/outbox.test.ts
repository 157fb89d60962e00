// The worker's outbox (src/runtime/outbox.ts): results wait for a burst, but go before the next
// task once the window (FLUSH_AFTER_MS) is over or the last task was slow (FLUSH_SLOW_TASK_MS);
// a lone value travels flat, numbers packed, an uncloneable result as a CloneError naming it,
// and ArrayBuffers are transferred only where the channel can.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FLUSH_AFTER_MS, FLUSH_SLOW_TASK_MS, Outbox, collectTransferables } from "../../src/runtime/outbox.ts";
import { ONE_RESULT, type FromWorker } from "../../src/wire/messages.ts";

/** A channel that clones like postMessage (so an uncloneable message throws) and records what was posted. */
function fakeChannel(transfers = false) {
  const posted: { msg: FromWorker; transfer?: ArrayBuffer[] }[] = [];
  const channel = {
    transfers,
    post(msg: FromWorker, transfer?: ArrayBuffer[]) {
      structuredClone(msg);
      posted.push({ msg, transfer });
    },
  };
  return { channel, posted };
}

function setup(transfers = false) {
  const { channel, posted } = fakeChannel(transfers);
  let now = 0;
  const outbox = new Outbox(channel, () => now);
  return { outbox, posted, at: (t: number) => (now = t) };
}

const FAST = FLUSH_SLOW_TASK_MS / 10;

describe("Outbox flush policy", () => {
  it("fast tasks within the window are held, and go together once the window is over", () => {
    const { outbox, posted, at } = setup();
    outbox.open(0);
    for (let id = 0; id < 4; id++) {
      outbox.beforeTask(id * FAST);
      outbox.done(id, id * 10, FAST);
    }
    assert.equal(posted.length, 0, "nothing before the window ends");
    assert.equal(outbox.size, 4);
    at(FLUSH_AFTER_MS + 0.5);
    outbox.beforeTask(FLUSH_AFTER_MS + 0.5);
    assert.equal(posted.length, 1);
    const msg = posted[0]!.msg as Extract<FromWorker, { t: "results" }>;
    assert.equal(msg.t, "results");
    assert.deepEqual(msg.ids, [0, 1, 2, 3]);
    assert.deepEqual(Array.from(msg.values), [0, 10, 20, 30]);
    assert.equal(msg.busyMs, FLUSH_AFTER_MS + 0.5, "busy since the window opened");
    assert.equal(outbox.size, 0);
  });

  it("the window restarts at each flush", () => {
    const { outbox, posted, at } = setup();
    outbox.open(0);
    outbox.beforeTask(0);
    outbox.done(1, 1, FAST);
    at(3);
    outbox.beforeTask(3); // window over: flush, new window from 3
    outbox.done(2, 2, FAST);
    outbox.beforeTask(3 + FLUSH_AFTER_MS); // not past the new window yet
    assert.equal(posted.length, 1);
    outbox.done(3, 3, FAST);
    at(3 + FLUSH_AFTER_MS + 0.1);
    outbox.beforeTask(3 + FLUSH_AFTER_MS + 0.1);
    assert.equal(posted.length, 2);
    assert.deepEqual(posted.map((p) => (Array.isArray(p.msg) ? [p.msg[1]] : (p.msg as { ids: number[] }).ids)), [[1], [2, 3]]);
  });

  it("a slow task's result goes before the next task starts, flat when alone", () => {
    const { outbox, posted, at } = setup();
    outbox.open(0);
    outbox.beforeTask(0);
    outbox.done(7, "seven", FLUSH_SLOW_TASK_MS);
    at(FLUSH_SLOW_TASK_MS);
    outbox.beforeTask(FLUSH_SLOW_TASK_MS);
    assert.deepEqual(posted.map((p) => p.msg), [[ONE_RESULT, 7, "seven", FLUSH_SLOW_TASK_MS]]);
  });

  it("nothing is sent before the first task, nor by an empty flush", () => {
    const { outbox, posted } = setup();
    outbox.open(0);
    outbox.beforeTask(100);
    outbox.flush();
    assert.equal(posted.length, 0);
  });

  it("errors travel by index beside the values; a lone error is not sent flat", () => {
    const { outbox, posted } = setup();
    outbox.open(0);
    outbox.failed(1, new RangeError("bad"), FAST);
    outbox.flush();
    outbox.done(2, "ok", FAST);
    outbox.failed(3, "thrown string", FAST);
    outbox.flush();
    const [a, b] = posted.map((p) => p.msg as Extract<FromWorker, { t: "results" }>);
    assert.deepEqual([a!.t, a!.ids, a!.values], ["results", [1], [undefined]]);
    assert.equal(a!.errors![0]![0], 0);
    assert.equal(a!.errors![0]![1].name, "RangeError");
    assert.deepEqual(b!.ids, [2, 3]);
    assert.deepEqual(b!.values, ["ok", undefined]);
    assert.deepEqual(b!.errors!.map(([i, e]) => [i, e.isError, e.value]), [[1, false, "thrown string"]]);
  });

  it("a result that cannot be cloned becomes a CloneError naming it; the others still arrive", () => {
    const { outbox, posted } = setup();
    outbox.open(0);
    outbox.done(1, { ok: 1 }, FAST);
    outbox.done(2, { bad: () => 1 }, FAST);
    outbox.failed(3, new Error("mine"), FAST);
    outbox.flush();
    assert.equal(posted.length, 1);
    const msg = posted[0]!.msg as Extract<FromWorker, { t: "results" }>;
    assert.deepEqual(msg.values, [{ ok: 1 }, undefined, undefined]);
    assert.deepEqual(msg.errors!.map(([i, e]) => [i, e.name]), [[1, "CloneError"], [2, "Error"]], "in index order");
    assert.match(msg.errors![0]![1].message, /result\.bad/);

    outbox.done(4, () => 1, FAST); // alone: the flat form fails, the long way says why
    outbox.flush();
    const lone = posted[1]!.msg as Extract<FromWorker, { t: "results" }>;
    assert.deepEqual([lone.t, lone.ids], ["results", [4]]);
    assert.equal(lone.errors![0]![1].name, "CloneError");
  });

  it("transfers a result's ArrayBuffers only where asked and where the channel can", () => {
    for (const transfers of [true, false]) {
      const { outbox, posted } = setup(transfers);
      const a = new Float64Array(4);
      const b = new Uint8Array(8);
      outbox.done(1, [a, b, a], FAST, true);
      outbox.done(2, new Uint8Array(2), FAST, false);
      outbox.flush();
      assert.deepEqual(posted[0]!.transfer, transfers ? [a.buffer, b.buffer] : []);
    }
  });
});

describe("collectTransferables", () => {
  it("finds buffers in the value, one level down in an array or object, each once, skipping empty ones", () => {
    const a = new ArrayBuffer(8);
    const v = new Int32Array(4);
    const into: ArrayBuffer[] = [];
    collectTransferables({ a, v, again: a, empty: new ArrayBuffer(0), deep: { x: new ArrayBuffer(8) } }, into);
    assert.deepEqual(into, [a, v.buffer]);
    const into2: ArrayBuffer[] = [];
    collectTransferables(v, into2);
    assert.deepEqual(into2, [v.buffer]);
  });
});
