// SharedMemory and ShareableList: named OS blocks (Python's shared_memory), opened by name or
// received by workers on both contexts, and gone from /dev/shm once their creator is done.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import * as mp from "multiproc";
import { removeStaleSegments } from "../src/memory/native.ts";
import { CONTEXTS, assertNoSegmentsLeft, waitFor } from "./helpers.ts";

const named = `sync-test-${process.pid}`;
after(async () => {
  await assertNoSegmentsLeft();
  assert.equal(existsSync(`/dev/shm/${named}`), false, "the named block was unlinked by its creator");
});

describe("SharedMemory in one process", () => {
  it("create, open by name, same bytes; close empties buf; unlink removes the name", () => {
    const a = new mp.SharedMemory({ create: true, size: 100 });
    assert.match(a.name, /^multiproc-\d+-\d+$/);
    assert.equal(a.size, 100);
    const b = new mp.SharedMemory({ name: a.name });
    a.buf[7] = 42;
    assert.equal(b.buf[7], 42);
    b.close();
    assert.equal(b.buf.length, 0);
    a.close();
    a.unlink();
    assert.throws(() => new mp.SharedMemory({ name: a.name }), { name: "FileNotFoundError" });
  });

  it("a chosen name; creating it twice is FileExistsError; `using` closes and unlinks the creator's", () => {
    {
      using shm = new mp.SharedMemory({ name: named, create: true, size: 16 });
      assert.equal(shm.name, named);
      assert.ok(existsSync(`/dev/shm/${named}`));
      assert.throws(() => new mp.SharedMemory({ name: named, create: true, size: 16 }), { name: "FileExistsError" });
    }
    assert.equal(existsSync(`/dev/shm/${named}`), false);
    assert.throws(() => new mp.SharedMemory({ create: true, size: 0 }), { name: "RangeError" });
    assert.throws(() => new mp.SharedMemory({ name: "a/b" }), { name: "TypeError" });
  });

  it("track: false is not unlinked by the creator's `using`; track must be a boolean", () => {
    const name = `track-using-${process.pid}`;
    {
      using shm = new mp.SharedMemory({ name, create: true, size: 8, track: false });
      shm.buf[0] = 5;
    }
    const again = new mp.SharedMemory({ name });
    assert.equal(again.buf[0], 5);
    again.unlink();
    again.close();
    assert.throws(() => new mp.SharedMemory({ create: true, size: 8, track: "no" as unknown as boolean }), /track must be true or false/);
  });

  it("ShareableList: Python's fixed slots", () => {
    using sl = new mp.ShareableList([1, 2.5, "hello", true, null, 2n ** 40n]);
    assert.deepEqual(sl.toArray(), [1, 2.5, "hello", true, null, 2n ** 40n]);
    assert.equal(sl.length, 6);
    assert.equal(sl.format, "dd8s?xq");
    sl.set(2, "world!!!");
    sl.set(0, "x"); // any type that fits the slot
    assert.throws(() => sl.set(2, "more than eight"), { name: "RangeError", message: /exceeds available storage/ });
    assert.throws(() => sl.set(9, 1), { name: "RangeError" });
    assert.equal(sl.get(-4), "world!!!");
    assert.equal(sl.index(true), 3);
    assert.equal(sl.count(null), 1);
    const other = new mp.ShareableList({ name: sl.shm.name });
    assert.equal(other.get(0), "x");
    other.shm.close();
  });
});

for (const context of CONTEXTS) {
  const ctx = mp.getContext(context);

  describe(`SharedMemory across workers (${context})`, () => {
    it("a worker receives the same block (not a copy), as a task argument, a Process argument and in initargs", async () => {
      using shm = new mp.SharedMemory({ create: true, size: 64 });
      using sl = new mp.ShareableList([0, "a"]);
      await using pool = new ctx.Pool({
        processes: 1,
        initializer: (m: mp.SharedMemory) => { m.buf[0] = 1; },
        initargs: [shm],
      });
      await pool.apply((m: mp.SharedMemory, l: mp.ShareableList) => {
        m.buf[1] = 2;
        l.set(0, 99);
        l.set(1, "b");
      }, [shm, sl]);
      const p = new ctx.Process({ target: (m: mp.SharedMemory) => { m.buf[2] = 3; }, args: [shm] });
      p.start();
      await p.join();
      assert.deepEqual([...shm.buf.subarray(0, 3)], [1, 2, 3]);
      assert.deepEqual(sl.toArray(), [99, "b"]);
    });

    it("track: false (Python 3.13): the block outlives the Process that created it; tracked, it goes with it", async () => {
      const outlives = `track-false-${context}-${process.pid}`;
      const goes = `track-true-${context}-${process.pid}`;
      const unnamed = new ctx.SimpleQueue<string>();
      let generated = "";
      try {
        const p = new ctx.Process({
          target: async (kept: string, tracked: string, names: mp.SimpleQueue<string>) => {
            const { SharedMemory } = await import("multiproc");
            new SharedMemory({ name: kept, create: true, size: 8, track: false }).buf[0] = 42;
            new SharedMemory({ name: tracked, create: true, size: 8 }).buf[0] = 7;
            const anonymous = new SharedMemory({ create: true, size: 8, track: false });
            anonymous.buf[0] = 9;
            await names.put(anonymous.name);
          },
          args: [outlives, goes, unnamed],
        });
        p.start();
        generated = await unnamed.get();
        await p.join();
        assert.equal(p.exitCode, 0);
        // The sweep of segments whose creator is gone (run when this process makes its first
        // process-context lock or queue) must leave an untracked block alone, named or not.
        removeStaleSegments();
        for (const [name, byte] of [[outlives, 42], [generated, 9]] as const) {
          const opened = new mp.SharedMemory({ name });
          assert.equal(opened.buf[0], byte, `the untracked block ${name} is still there, with its bytes`);
          opened.close();
        }
        assert.throws(() => new mp.SharedMemory({ name: goes }), { name: "FileNotFoundError" }, "the tracked one was unlinked when its creator ended");
      } finally {
        for (const name of [outlives, goes, generated].filter(Boolean)) {
          try {
            new mp.SharedMemory({ name }).unlink();
          } catch {}
        }
      }
    });
  });
}

describe("Segments of a creator that was killed (the segment tracker)", () => {
  const fixture = fileURLToPath(new URL("./fixtures/segment-creator.ts", import.meta.url));
  for (const context of CONTEXTS) {
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      it(`${signal} of the creator (${context}): its segments leave /dev/shm`, { timeout: 60_000 }, async () => {
        const child = spawn(process.execPath, ["--import", "tsx", fixture, context], { stdio: ["ignore", "pipe", "inherit"] });
        try {
          const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
          const names = JSON.parse(line) as string[];
          assert.ok(names.length >= 2);
          for (const name of names) assert.ok(existsSync(`/dev/shm/${name}`), `${name} exists while its creator lives`);
          child.kill(signal);
          await once(child, "exit");
          // Before: they stayed for ever (the unlink-at-exit hooks run on a normal exit only).
          await waitFor(() => names.every((name) => !existsSync(`/dev/shm/${name}`)), 20_000, `${names.join(", ")} to be unlinked`);
        } finally {
          child.kill("SIGKILL");
        }
      });
    }
  }
});

describe("SharedMemory.unlink()", () => {
  it("of a block already unlinked throws FileNotFoundError (code ENOENT), as in Python", () => {
    const shm = new mp.SharedMemory({ create: true, size: 16 });
    const other = new mp.SharedMemory({ name: shm.name });
    other.unlink();
    assert.throws(() => shm.unlink(), (e: NodeJS.ErrnoException) => e.name === "FileNotFoundError" && e.code === "ENOENT" && e.message.includes(shm.name));
    assert.throws(() => other.unlink(), { name: "FileNotFoundError" });
    other.close();
    shm[Symbol.dispose](); // the creator's `using` end: closes, and does not throw for the name someone else removed
  });
});
