// The native shared-memory addon, proven with real OS processes (child_process.fork): what one
// process writes, another sees with no message in between; Atomics on the mapping are atomic
// across processes; futex wait/wake crosses processes; a dead lock owner is detectable; and
// nothing is left in /dev/shm.
import assert from "node:assert/strict";
import { fork, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import {
  NativeAddonUnavailableError,
  SEGMENT_PREFIX,
  createSegment,
  native,
  nativeAvailable,
  removeStaleSegments,
  type ShmBinding,
} from "../src/memory/native.js";
import { track } from "./helpers.ts";

const fixture = new URL("./fixtures/shm-child.mjs", import.meta.url);
const skip = nativeAvailable() ? false : "native addon not built (node scripts/build-native.mjs)";
const LOCK = 0, COUNTER = 1, BARRIER = 2, FLAG = 3, DATA = 4;
const shm = (): ShmBinding => native();

/** Segments this test process created; each test unlinks its own, after() double-checks. */
const ours = (): string[] =>
  existsSync("/dev/shm")
    ? readdirSync("/dev/shm").filter((f) => f.startsWith(`${SEGMENT_PREFIX.slice(1)}${process.pid}-`))
    : [];

/** A fresh segment, unlinked and closed when `body` ends however it ends. */
async function withSegment(size: number, body: (name: string, buf: ArrayBuffer) => Promise<void> | void) {
  const { name, buffer } = createSegment(size);
  try {
    await body(name, buffer);
  } finally {
    shm().unlink(name);
    shm().close(buffer);
  }
}

/** Forks the fixture (without the tsx loader: it is plain .mjs) and resolves with its exit. */
function child(mode: string, name: string, ...args: (string | number)[]) {
  const proc = fork(fixture, [mode, name, ...args.map(String)], { execArgv: [], stdio: "inherit" });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    proc.on("error", reject);
    proc.on("exit", (code, signal) => resolve({ code, signal }));
  });
  return { proc, exited };
}

async function runChildren(n: number, mode: string, name: string, ...args: (string | number)[]) {
  const results = await Promise.all(Array.from({ length: n }, () => child(mode, name, ...args).exited));
  for (const r of results) assert.deepEqual(r, { code: 0, signal: null });
}

/** Awaits until the int32 at `index` differs from `value`, using only the futex (no polling). */
async function awaitChange(buf: ArrayBuffer, index: number, value: number, timeoutMs = 10_000) {
  const a = new Int32Array(buf);
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(a, index) === value) {
    const left = deadline - Date.now();
    if (left <= 0) assert.fail(`cell ${index} stayed ${value} for ${timeoutMs} ms`);
    await shm().waitAsync(buf, index * 4, value, left);
  }
  return Atomics.load(a, index);
}

const mappedHere = (name: string) => readFileSync("/proc/self/maps", "utf8").includes(`/dev/shm${name}`);

after(() => {
  assert.deepEqual(ours(), [], "segments left in /dev/shm");
});

describe("native loader", () => {
  test("loads lazily and exposes the binding", { skip }, () => {
    const b = native();
    assert.equal(native(), b, "cached");
    for (const f of ["create", "open", "close", "unlink", "wait", "waitAsync", "wake", "processAlive", "processStartTime"]) {
      assert.equal(typeof (b as unknown as Record<string, unknown>)[f], "function", f);
    }
  });

  test("the unavailable error is named and says how to build", () => {
    const e = new NativeAddonUnavailableError("x");
    assert.equal(e.name, "NativeAddonUnavailableError");
    assert.equal(e.code, "ERR_MULTIPROC_NATIVE_UNAVAILABLE");
    if (!nativeAvailable()) {
      assert.throws(() => native(), /node scripts\/build-native\.mjs/);
    }
  });
});

describe("segments in one process", { skip }, () => {
  test("two mappings of one name are the same memory", () =>
    withSegment(4096, (name, buf) => {
      assert.ok(name.startsWith(`/multiproc-${process.pid}-`));
      assert.equal(buf.byteLength, 4096);
      assert.ok(new Uint8Array(buf).every((x) => x === 0), "zero-filled");
      const other = shm().open(name);
      try {
        assert.equal(other.byteLength, 4096, "open maps the whole size");
        new Int32Array(buf)[7] = 12345;
        assert.equal(new Int32Array(other)[7], 12345);
      } finally {
        shm().close(other);
      }
    }));

  test("errors carry errno codes; names are validated", () =>
    withSegment(64, (name) => {
      assert.throws(() => shm().create(name, 64), { code: "EEXIST" });
      assert.throws(() => shm().create("no-slash", 64), { code: "ERR_INVALID_ARG_VALUE" });
      assert.throws(() => shm().create("/a/b", 64), { code: "ERR_INVALID_ARG_VALUE" });
      assert.throws(() => shm().create(`${name}-x`, 0), { code: "ERR_OUT_OF_RANGE" });
      assert.throws(() => shm().open(`${name}-missing`), { code: "ENOENT" });
      assert.throws(() => shm().wait(new ArrayBuffer(8), 0, 0, 0), { code: "ERR_MULTIPROC_SHM_CLOSED" });
    }));

  test("unlink removes the name but not live mappings", () => {
    const { name, buffer } = createSegment(64);
    new Int32Array(buffer)[0] = 7;
    assert.equal(shm().unlink(name), true);
    assert.equal(shm().unlink(name), false, "already gone");
    assert.throws(() => shm().open(name), { code: "ENOENT" });
    assert.equal(new Int32Array(buffer)[0], 7, "still mapped");
    shm().close(buffer);
  });

  test("close detaches views and unmaps at once; it is idempotent", () => {
    const { name, buffer } = createSegment(64);
    const view = new Int32Array(buffer);
    assert.ok(mappedHere(name));
    shm().close(buffer);
    shm().close(buffer);
    assert.equal(buffer.byteLength, 0);
    assert.equal(view.length, 0, "views are empty, never dangling");
    assert.ok(!mappedHere(name), "munmap'd");
    assert.throws(() => shm().wake(buffer, 0, 1), { code: "ERR_MULTIPROC_SHM_CLOSED" });
    shm().unlink(name);
  });

  test("an unreachable buffer is unmapped by garbage collection", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { name } = (() => createSegment(1 << 20))(); // the buffer is dropped right here
    assert.ok(mappedHere(name));
    for (let i = 0; i < 20 && mappedHere(name); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10)); // finalizers run from the event loop
    }
    assert.ok(!mappedHere(name), "finalizer unmapped it");
    shm().unlink(name);
  });

  test("wait: not-equal, timed-out; offsets are checked", () =>
    withSegment(64, (_name, buf) => {
      assert.equal(shm().wait(buf, 0, 1, 1000), "not-equal");
      const t0 = performance.now();
      assert.equal(shm().wait(buf, 0, 0, 30), "timed-out");
      assert.ok(performance.now() - t0 >= 25);
      assert.equal(shm().wake(buf, 0, 1), 0, "nobody waits");
      assert.throws(() => shm().wait(buf, 2, 0, 0), { code: "ERR_OUT_OF_RANGE" });
      assert.throws(() => shm().wait(buf, 64, 0, 0), { code: "ERR_OUT_OF_RANGE" });
    }));

  test("waitAsync leaves the event loop running", () =>
    withSegment(64, async (_name, buf) => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const r = await shm().waitAsync(buf, 0, 0, 120);
      clearInterval(timer);
      assert.equal(r, "timed-out");
      assert.ok(ticks >= 5, `timer ran ${ticks} times during the wait`);
      assert.equal(await shm().waitAsync(buf, 0, 1, 1000), "not-equal");
    }));

  test("waitAsync keeps its mapping alive across close()", () =>
    withSegment(64, async (name) => {
      const buf = shm().open(name);
      const pending = shm().waitAsync(buf, 4, 0, 200);
      shm().close(buf); // the waiting thread still holds the mapping: no EFAULT, no crash
      assert.equal(await pending, "timed-out");
    }));
  test("a worker thread terminated mid-waitAsync does not crash the process", () =>
    withSegment(64, async (name, buf) => {
      const addon = new URL("../native/build/Release/multiproc_shm.node", import.meta.url).pathname;
      const src = `const shm = require(${JSON.stringify(addon)});
        shm.waitAsync(shm.open(${JSON.stringify(name)}), 0, 0, Infinity);
        require("node:worker_threads").parentPort.postMessage("waiting");`;
      const w = new Worker(src, { eval: true });
      await new Promise((r) => w.once("message", r));
      await w.terminate();
      // The waiter thread outlived its env; waking it must not touch the dead env.
      Atomics.store(new Int32Array(buf), 0, 1);
      assert.equal(shm().wake(buf, 0, Infinity), 1);
      await new Promise((r) => setTimeout(r, 50));
    }));
});

describe("across processes", { skip }, () => {
  test("a child's writes are visible here, with no message", () =>
    withSegment(4096, async (name, buf) => {
      const a = new Int32Array(buf);
      const { exited } = child("write", name);
      assert.equal(await awaitChange(buf, FLAG, 0), 1);
      assert.deepEqual([...a.subarray(DATA, DATA + 8)], [111, 222, 333, 444, 555, 666, 777, 888]);
      assert.deepEqual(await exited, { code: 0, signal: null });
    }));

  test("a child blocked in sync wait() is woken by our wake() and answers through memory", () =>
    withSegment(4096, async (name, buf) => {
      const a = new Int32Array(buf);
      const { exited } = child("wait-then-sum", name);
      await new Promise((r) => setTimeout(r, 100)); // let it block in the kernel
      for (let i = 0; i < 8; i++) a[DATA + i] = i * 10;
      Atomics.store(a, FLAG, 1);
      shm().wake(buf, FLAG * 4, 1);
      assert.equal(await awaitChange(buf, FLAG, 1), 2);
      assert.equal(a[COUNTER], 280);
      assert.deepEqual(await exited, { code: 0, signal: null });
    }));

  test("sync wait in a child: timed-out and not-equal", () =>
    withSegment(64, async (name, buf) => {
      const a = new Int32Array(buf);
      await child("timed-wait", name, 0, 50).exited;
      assert.equal(a[COUNTER], 3, "timed-out");
      await child("timed-wait", name, 9, 5000).exited;
      assert.equal(a[COUNTER], 2, "not-equal");
    }));

  test("4 processes x 100k Atomics.add sum exactly (and plain ++ does not)", () =>
    withSegment(64, async (name, buf) => {
      const a = new Int32Array(buf);
      await runChildren(4, "atomic-add", name, 4, 100_000);
      assert.equal(a[COUNTER], 400_000);
      // The control proves the test can see races at all: non-atomic increments lose updates.
      a.fill(0);
      await runChildren(4, "plain-add", name, 4, 1_000_000);
      assert.ok(a[COUNTER] < 4_000_000, `plain ++ lost no update (${a[COUNTER]}): no contention?`);
    }));

  test("a compareExchange/store lock gives mutual exclusion across 4 processes", () =>
    withSegment(64, async (name, buf) => {
      const a = new Int32Array(buf);
      await runChildren(4, "locked-add", name, 4, 100_000);
      assert.equal(a[COUNTER], 400_000);
      assert.equal(a[LOCK], 0);
      assert.equal(a[BARRIER], 4);
    }));

  test("a lock whose owner died is detected and taken over", () =>
    withSegment(64, async (name, buf) => {
      const a = new Int32Array(buf);
      const { proc, exited } = child("die-holding-lock", name);
      assert.equal(await awaitChange(buf, FLAG, 0), 1);
      assert.deepEqual(await exited, { code: null, signal: "SIGKILL" });
      const owner = Atomics.load(a, LOCK);
      assert.equal(owner, proc.pid, "the dead child still 'holds' the lock");
      // The protocol a Lock can build on: wait with a timeout, and on timeout ask whether the
      // owner is alive; a dead owner's word is replaced by compareExchange (only one wins).
      let acquired = false;
      while (!acquired) {
        const cur = Atomics.compareExchange(a, LOCK, 0, process.pid);
        if (cur === 0) acquired = true;
        else if (!shm().processAlive(cur)) acquired = Atomics.compareExchange(a, LOCK, cur, process.pid) === cur;
        else await shm().waitAsync(buf, LOCK * 4, cur, 50);
      }
      assert.equal(a[LOCK], process.pid);
    }));

  test("processAlive: self yes, exited no, zombie no; processStartTime", async () => {
    assert.equal(shm().processAlive(process.pid), true);
    assert.equal(shm().processAlive(0), false);
    assert.equal(shm().processAlive(-1), false);
    const start = shm().processStartTime(process.pid);
    assert.ok(typeof start === "number" && start > 0);
    const gone = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    const pid = gone.pid!;
    await new Promise((r) => gone.on("exit", r));
    assert.equal(shm().processAlive(pid), false);
    assert.equal(shm().processStartTime(pid), null);
    // A zombie: `sleep 0` exits, and its parent (exec'd into `sleep 2`) never reaps it.
    // kill(pid, 0) still succeeds on it; processAlive must say dead.
    const sh = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 2"], { stdio: ["ignore", "pipe", "inherit"] });
    const zombie = Number(await new Promise<string>((r) => sh.stdout.once("data", (d: Buffer) => r(d.toString()))));
    await new Promise((r) => setTimeout(r, 200));
    assert.match(readFileSync(`/proc/${zombie}/stat`, "utf8"), /\) Z /, "it is a zombie");
    assert.equal(shm().processAlive(zombie), false);
    sh.kill();
  });

  test("removeStaleSegments unlinks segments of dead creators only", () => {
    const dead = 2 ** 22 + 12345; // above pid_max's default (4194304): never alive
    const fake = `${SEGMENT_PREFIX}${dead}-0`;
    shm().close(shm().create(fake, 64));
    const { name, buffer } = createSegment(64);
    try {
      const removed = removeStaleSegments();
      assert.ok(removed.includes(fake));
      assert.ok(!removed.includes(name), "a live creator's segment stays");
      assert.throws(() => shm().open(fake), { code: "ENOENT" });
    } finally {
      shm().unlink(fake);
      shm().unlink(name);
      shm().close(buffer);
    }
  });

  test("dieWithParent: the kernel kills a spinning process when its parent dies, or at once if it already has", async (t) => {
    assert.throws(() => shm().dieWithParent(0), { code: "ERR_INVALID_ARG_TYPE" });
    const addon = JSON.stringify(new URL("../native/build/Release/multiproc_shm.node", import.meta.url).pathname);
    const arm = (parent: string) =>
      `require(${addon}).dieWithParent(${parent}); console.log(process.pid); for (;;);`;
    // Armed against a pid that is not its parent: it has lost its parent already.
    const orphan = spawn(process.execPath, ["-e", arm("1")], { stdio: "ignore" });
    const signal = await new Promise((r) => orphan.on("exit", (_code, sig) => r(sig)));
    assert.equal(signal, "SIGKILL");
    // A middle process starts a spinning child armed against it; we kill the middle one.
    const middle = track(
      t,
      spawn(
        process.execPath,
        ["-e", `require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(arm("process.ppid"))}], { stdio: "inherit" }); setInterval(() => {}, 1000);`],
        { stdio: ["ignore", "pipe", "inherit"] },
      ),
    );
    const pid = Number(await new Promise<string>((r) => middle.stdout.once("data", (d: Buffer) => r(d.toString()))));
    try {
      assert.equal(shm().processAlive(pid), true);
      middle.kill("SIGKILL");
      const deadline = Date.now() + 2000;
      while (shm().processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(shm().processAlive(pid), false, "the spinning child outlived its parent");
    } finally {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  });
});
