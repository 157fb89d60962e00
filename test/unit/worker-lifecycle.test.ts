// The worker's lifecycle (src/runtime/lifecycle.ts), with the process's exit replaced: an
// "exit" message waits for the tasks in hand and the ones waiting for an import; on the way
// down the worker sends its held results, then which task was running, once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { Lifecycle } from "../../src/runtime/lifecycle.ts";
import type { FromWorker } from "../../src/wire/messages.ts";

function setup() {
  const posted: FromWorker[] = [];
  const exits: number[] = [];
  const runner = { busy: false, current: -1 };
  const inbox = { empty: true };
  const channel = { context: "thread" as const, transfers: true, post: (m: FromWorker) => void posted.push(m), listen() {}, watchParent() {} };
  const outbox = { flush: () => void posted.push({ t: "results", ids: [1], values: [1], busyMs: 0 }) };
  const life = new Lifecycle({ channel, shareables: { load: async () => {} }, inbox, runner, outbox, exit: (c) => void exits.push(c) });
  return { life, posted, exits, runner, inbox };
}

describe("worker Lifecycle", () => {
  it("exit when idle: at once", async () => {
    const { life, exits } = setup();
    life.exitRequested();
    await turn();
    assert.deepEqual(exits, [0]);
  });

  it("exit while tasks run: once the runner is idle", async () => {
    const { life, exits, runner } = setup();
    runner.busy = true;
    life.exitRequested();
    await turn();
    assert.deepEqual(exits, []);
    runner.busy = false;
    life.runnerIdle();
    await turn();
    assert.deepEqual(exits, [0]);
  });

  it("exit while a message waits for an import: not yet", async () => {
    const { life, exits, inbox } = setup();
    inbox.empty = false;
    life.exitRequested();
    await turn();
    assert.deepEqual(exits, []);
  });

  it("the runner going idle while a message waits for an import: not yet; once it has run: exit, once", async () => {
    const { life, exits, runner, inbox } = setup();
    runner.busy = true;
    inbox.empty = false;
    life.exitRequested();
    runner.busy = false;
    life.runnerIdle();
    await turn();
    assert.deepEqual(exits, []);
    inbox.empty = true; // the import is done: the message went to the runner, which ran it
    life.runnerIdle();
    life.runnerIdle();
    await turn();
    assert.deepEqual(exits, [0]);
  });

  it("dying: results held go first, then the running task, and only the first reason", () => {
    const { life, posted, runner } = setup();
    runner.current = 42;
    life.dying(new Error("first"));
    life.dying(new Error("second"));
    assert.equal(posted.length, 2);
    assert.equal((posted[0] as { t: string }).t, "results");
    const d = posted[1] as Extract<FromWorker, { t: "dying" }>;
    assert.deepEqual([d.t, d.taskId, d.reason.message], ["dying", 42, "first"]);
  });

  it("dying between tasks: no task is blamed", () => {
    const { life, posted } = setup();
    life.dying(new Error("x"));
    assert.deepEqual(posted.map((m) => (m as { t: string }).t), ["results"]);
  });
});
