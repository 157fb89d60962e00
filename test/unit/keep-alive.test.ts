// Whether a pool's workers keep the parent alive (src/pool/keep-alive.ts): busy ones do, idle
// ones not (one turn later), and none are let go once the pool shuts down.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import type { WorkerHandle } from "../../src/backends/backend.ts";
import { KeepAlive } from "../../src/pool/keep-alive.ts";

function fakeWorkers(n: number) {
  const refs = Array.from({ length: n }, () => true);
  const handles = refs.map((_, i) => ({ ref: () => (refs[i] = true), unref: () => (refs[i] = false) }) as unknown as WorkerHandle);
  return { refs, handles };
}

describe("KeepAlive", () => {
  it("idle workers are let go one turn later; busy ones are held again", async () => {
    const { refs, handles } = fakeWorkers(2);
    let idle = true;
    const k = new KeepAlive(() => handles, () => idle);
    k.update(false);
    assert.deepEqual(refs, [true, true], "not at once");
    await turn();
    assert.deepEqual(refs, [false, false]);
    assert.equal(k.referenced, false);
    idle = false;
    k.update(true);
    assert.deepEqual(refs, [true, true]);
    assert.equal(k.referenced, true);
  });

  it("busy again within the turn: nothing is let go (no ref/unref pair per awaited call)", async () => {
    const { refs, handles } = fakeWorkers(1);
    let calls = 0;
    const k = new KeepAlive(() => (calls++, handles), () => true);
    k.update(false);
    k.update(true);
    await turn();
    assert.deepEqual(refs, [true]);
    assert.equal(calls, 0);
  });

  it("the pool still has work when the turn comes: nothing is let go", async () => {
    const { refs, handles } = fakeWorkers(1);
    const k = new KeepAlive(() => handles, () => false);
    k.update(false);
    await turn();
    assert.deepEqual(refs, [true]);
  });

  it("pin(): held from now on, whatever happens", async () => {
    const { refs, handles } = fakeWorkers(1);
    const k = new KeepAlive(() => handles, () => true);
    k.update(false);
    await turn();
    assert.deepEqual(refs, [false]);
    k.pin();
    assert.deepEqual(refs, [true]);
    k.update(false);
    await turn();
    assert.deepEqual(refs, [true]);
  });
});
