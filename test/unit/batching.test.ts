// The batching policy (src/pool/batching.ts) as a table: how many tasks a worker is sent now.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tasksToSend, type RoomInput } from "../../src/pool/batching.ts";

const base: RoomInput = { avgTaskMs: undefined, queued: 100, readyWorkers: 2, inflight: 0, maxTasksPerChild: undefined, assigned: 0 };
const send = (o: Partial<RoomInput>) => tasksToSend({ ...base, ...o });

describe("tasksToSend", () => {
  it("a function not timed yet, or a slow one, goes one task at a time to a free worker", () => {
    assert.equal(send({}), 1);
    assert.equal(send({ inflight: 1 }), 0);
    assert.equal(send({ avgTaskMs: 50 }), 1);
    assert.equal(send({ avgTaskMs: 50, inflight: 1 }), 0);
  });

  it("a short one gets a second task queued in its worker, not a third", () => {
    assert.equal(send({ avgTaskMs: 5 }), 1);
    assert.equal(send({ avgTaskMs: 5, inflight: 1 }), 1);
    assert.equal(send({ avgTaskMs: 5, inflight: 2 }), 0);
  });

  it("tiny ones travel in batches of about 2 ms of work, shared among ready workers, two batches deep", () => {
    assert.equal(send({ avgTaskMs: 0.01, queued: 10_000 }), 200);
    assert.equal(send({ avgTaskMs: 0.01, queued: 10_000, inflight: 200 }), 200, "a second batch while the first runs");
    assert.equal(send({ avgTaskMs: 0.01, queued: 10_000, inflight: 400 }), 0);
    assert.equal(send({ avgTaskMs: 0.01, queued: 10, readyWorkers: 2 }), 5, "a fair share of what is queued");
    assert.equal(send({ avgTaskMs: 0.000001, queued: 100_000 }), 512, "at most 512");
    assert.equal(send({ avgTaskMs: 0.01, queued: 0 }), 0);
  });

  it("maxTasksPerChild caps what a worker is ever sent", () => {
    assert.equal(send({ avgTaskMs: 0.01, queued: 10_000, maxTasksPerChild: 3, assigned: 0 }), 3);
    assert.equal(send({ avgTaskMs: 0.01, queued: 10_000, maxTasksPerChild: 3, assigned: 3, inflight: 1 }), 0);
    assert.equal(send({ maxTasksPerChild: 1, assigned: 1 }), 0);
  });
});
