// The worker's in-order gate (src/runtime/inbox.ts): a run message whose functions must be
// imported, or whose data holds shared objects before their types are loaded, holds back every
// message behind it; each function is defined once, before the first task that calls it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { Inbox, type RunMessage } from "../../src/runtime/inbox.ts";
import { ONE_TASK, OneFlags, TaskKind, type FnSpec, type WireBatch } from "../../src/wire/messages.ts";

function run(id: number, extra: Partial<RunMessage> = {}): RunMessage {
  return { t: "run", ids: [id], fns: [0], kinds: [TaskKind.Apply], data: [[id]], ...extra };
}

function setup() {
  const events: string[] = [];
  const imports = new Map<number, () => void>();
  const functions = {
    define(defs: [number, FnSpec][]) {
      const pending: Promise<void>[] = [];
      for (const [id, spec] of defs) {
        events.push(`define ${id}`);
        if (spec.kind === "module") pending.push(new Promise<void>((resolve) => imports.set(id, resolve)));
      }
      return pending.length ? Promise.all(pending) : null;
    },
  };
  let loadTypes!: () => void;
  let failTypes!: (error: Error) => void;
  const shareables = {
    loaded: false,
    ready() {
      return shareables.loaded;
    },
    load() {
      events.push("load types");
      return new Promise<void>((resolve, reject) => {
        loadTypes = resolve;
        failTypes = reject;
      }).then(() => (shareables.loaded = true));
    },
  };
  const delivered: WireBatch[] = [];
  const inbox = new Inbox(functions, shareables, (b) => {
    events.push(`run ${b.ids.join(",")}`);
    delivered.push(b);
  });
  return { inbox, events, imports, delivered, loadTypes: () => loadTypes(), failTypes: (e: Error) => failTypes(e) };
}

const source: FnSpec = { kind: "source", source: "x => x", name: "f" };
const module: FnSpec = { kind: "module", url: "file:///m.js", exportName: "f" };

describe("Inbox", () => {
  it("delivers at once when nothing must load; source definitions compile in line", () => {
    const { inbox, events } = setup();
    inbox.accept(run(1, { defs: [[0, source]] }));
    inbox.accept(run(2));
    assert.deepEqual(events, ["define 0", "run 1", "run 2"]);
    assert.equal(inbox.empty, true);
  });

  it("a module import holds back the messages behind it, which then run in order", async () => {
    const { inbox, events, imports } = setup();
    inbox.accept(run(1));
    inbox.accept(run(2, { defs: [[5, module]] }));
    inbox.accept(run(3));
    inbox.acceptOne([ONE_TASK, 4, 5, 0, "arg"]);
    assert.deepEqual(events, ["run 1", "define 5"]);
    assert.equal(inbox.empty, false);
    imports.get(5)!();
    await turn();
    assert.deepEqual(events, ["run 1", "define 5", "run 2", "run 3", "run 4"]);
    assert.equal(inbox.empty, true);
  });

  it("shared objects wait for the types to load, once", async () => {
    const { inbox, events, loadTypes, delivered } = setup();
    inbox.accept(run(1, { revive: [0] }));
    inbox.acceptOne([ONE_TASK, 2, 0, OneFlags.Revive | OneFlags.TransferBack, "x"]);
    assert.deepEqual(events, ["load types"]);
    loadTypes();
    await turn();
    inbox.accept(run(3, { revive: [0] }));
    assert.deepEqual(events, ["load types", "run 1", "run 2", "run 3"]);
    assert.deepEqual(delivered[1], { t: "run", ids: [2], fns: [0], kinds: [TaskKind.Apply], data: [["x"]], revive: [0], transferBack: [0] });
  });

  it("types that fail to load never hold the line: the message goes on with the error, and those behind it run", async () => {
    const { inbox, events, failTypes, delivered } = setup();
    inbox.accept(run(1, { revive: [0] }));
    inbox.accept(run(2));
    assert.deepEqual(events, ["load types"]);
    const broken = new Error("Cannot find module all-shareables.js");
    failTypes(broken);
    await turn();
    assert.deepEqual(events, ["load types", "run 1", "run 2"]);
    assert.equal(delivered[0]!.loadError, broken);
    assert.equal(delivered[1]!.loadError, undefined);
    assert.equal(inbox.empty, true);
  });
});
