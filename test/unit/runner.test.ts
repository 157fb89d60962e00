// The worker's task runner (src/runtime/runner.ts): tasks run one at a time in arrival order,
// an async task finishes before the next starts, `current` names the task running, and the
// runner reports idle once, after its last result is flushed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { TaskRunner } from "../../src/runtime/runner.ts";
import { TaskKind } from "../../src/wire/messages.ts";

function setup(fns: Record<number, (...a: any[]) => unknown>) {
  const events: string[] = [];
  const outbox = {
    open: () => {},
    beforeTask: () => {},
    done: (id: number, value: unknown) => void events.push(`done ${id} ${JSON.stringify(value instanceof Float64Array ? Array.from(value) : value)}`),
    failed: (id: number, error: unknown) => void events.push(`failed ${id} ${(error as Error).message}`),
    flush: () => void events.push("flush"),
  };
  const functions = {
    get(id: number) {
      const fn = fns[id];
      if (!fn) throw new Error(`no function ${id}`);
      return fn;
    },
  };
  const runner: TaskRunner = new TaskRunner(functions, outbox, () => events.push(`idle current=${runner.current} busy=${runner.busy}`));
  return { runner, events };
}

describe("TaskRunner", () => {
  it("runs apply, map and starmap tasks in order, awaiting async ones before the next", async () => {
    let release!: () => void;
    const { runner, events } = setup({
      0: (a: number, b: number) => a + b,
      1: (x: number) => x * 2,
      2: (x: number) => new Promise((r) => (release = () => r(x))),
    });
    runner.enqueue({ ids: [1, 2, 3], fns: [0, 1, 1], kinds: [TaskKind.Apply, TaskKind.MapChunk, TaskKind.StarmapChunk], data: [[1, 2], [1, 2, 3], [[4], [5]]] });
    assert.deepEqual(events, ["done 1 3", "done 2 [2,4,6]", "done 3 [8,10]", "flush", "idle current=-1 busy=false"], "a synchronous batch runs at once");
    events.length = 0;
    runner.enqueue({ ids: [4, 5], fns: [2, 9], kinds: [TaskKind.Apply, TaskKind.Apply], data: [["async"], []] });
    runner.enqueue({ ids: [6], fns: [1], kinds: [TaskKind.Apply], data: [], args1: new Float64Array([7]) });
    assert.deepEqual(events, [], "nothing behind the async task has run");
    assert.equal(runner.current, 4, "the async task is the one running");
    assert.equal(runner.busy, true);
    release();
    await turn();
    assert.deepEqual(events, ['done 4 "async"', "failed 5 no function 9", "done 6 14", "flush", "idle current=-1 busy=false"]);
  });

  it("a batch whose shared-object types failed to load fails the tasks that hold such objects, with the reason, and runs the rest", () => {
    const { runner, events } = setup({ 0: (x: unknown) => x });
    runner.enqueue({ ids: [1, 2], fns: [0, 0], kinds: [TaskKind.Apply, TaskKind.Apply], data: [[{ q: 1 }], [2]], revive: [0], loadError: new Error("no such module") });
    assert.deepEqual(events, [
      "failed 1 multiproc: this worker could not load the types of the shared objects in this task's arguments: no such module",
      "done 2 2",
      "flush",
      "idle current=-1 busy=false",
    ]);
  });
});
