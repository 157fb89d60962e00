// Shared by the tests: the contexts every behaviour test runs on, a look at the OS process
// table (not the pool's own bookkeeping) to prove no worker is left behind, and track(), which
// stops what a test started when the test ends, so a failed test is reported instead of hung.

import { ChildProcess, execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { TestContext } from "node:test";
import { Server, Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as mp from "multiproc";
import type { ContextName } from "multiproc";

export const CONTEXTS: ContextName[] = ["process", "thread"];

/** Live (non-zombie) multiproc worker processes among the children of `pid`, from ps and /proc. */
export function liveChildren(pid = process.pid): number[] {
  const out = execFileSync("ps", ["-o", "pid=,stat=", "--ppid", String(pid)], { encoding: "utf8" }).trim();
  if (!out) return [];
  return out
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat]) => !stat!.startsWith("Z"))
    .map(([p]) => Number(p))
    .filter((p) => isWorker(p));
}

/** Our workers run runtime/worker.js; other children (ps itself, tsx's esbuild service) don't count. */
function isWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("runtime/worker.js");
  } catch {
    return false; // already gone
  }
}

/** Threads of this process: worker threads show up here as extra OS threads. */
export function threadCount(): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]);
}

/**
 * Polls `check` until it passes. A hang guard, never a bound: the wait lasts at least
 * HANG_GUARD_MS whatever `timeoutMs` a test gives (the larger wins), because on a busy machine
 * a worker's start alone took more than 10 s (a loaded run of the suite).
 */
export async function waitFor(check: () => boolean, timeoutMs = HANG_GUARD_MS, what = "condition"): Promise<void> {
  const deadline = Date.now() + Math.max(timeoutMs, HANG_GUARD_MS);
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How long a "never hangs" wait in a test lasts at least: only a real hang exceeds it. */
export const HANG_GUARD_MS = 120_000;

/** What a test starts that can keep its file's process alive after the test fails. */
export type Tracked = mp.Process | mp.Pool | mp.BaseManager | mp.connection.SocketListener | mp.connection.SocketConnection | ChildProcess | Socket | Server;

/**
 * Stops `thing` when test `t` ends, passed or failed (node:test's t.after()), and returns it:
 * `const p = track(t, new mp.Process({ ... }))`. A non-daemon Process still running keeps this
 * file's process alive, as Python waits for its non-daemon children at exit (and so does a busy
 * pool, an open listener or socket, a spawned child); when an assertion fails before the test
 * joins or closes it, `node --test` would hang instead of reporting the failure. Each stop is
 * the public call, a no-op when the test already cleaned up: a Process is killed (if alive) and
 * joined, a pool terminated, a manager shut down, a listener or connection closed, a child
 * process sent SIGKILL, a raw socket destroyed, a server closed.
 */
export function track<T extends Tracked>(t: TestContext, thing: T): T {
  t.after(() => stop(thing));
  return thing;
}

async function stop(thing: Tracked): Promise<void> {
  if (thing instanceof mp.Process) {
    let alive: boolean;
    try {
      alive = thing.isAlive();
    } catch (error) {
      if (error instanceof mp.ProcessStateError) return; // closed: it had exited
      throw error;
    }
    if (!alive) return; // never started, or exited
    thing.kill();
    await thing.join(HANG_GUARD_MS / 1000);
  } else if (thing instanceof mp.Pool) {
    await thing.terminate();
  } else if (thing instanceof mp.BaseManager) {
    await thing.shutdown();
  } else if (thing instanceof mp.connection.SocketListener) {
    await thing.close();
  } else if (thing instanceof mp.connection.SocketConnection) {
    thing.close();
  } else if (thing instanceof ChildProcess) {
    if (thing.exitCode === null && thing.signalCode === null) thing.kill("SIGKILL");
  } else if (thing instanceof Socket) {
    thing.destroy();
  } else if (thing instanceof Server) {
    if (thing.listening) thing.close();
  } else {
    throw new TypeError(`track(): cannot stop ${String(thing)}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Whether `pid` exists and is not a zombie (kill -0 succeeds on zombies). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** "1234 node --foo bar.js", for messages about leftover processes. */
export function describePid(pid: number): string {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()}`;
  } catch {
    return `${pid} (gone)`;
  }
}

const ourSegments = (): string[] =>
  existsSync("/dev/shm") ? readdirSync("/dev/shm").filter((f) => f.startsWith(`multiproc-${process.pid}-`)) : [];

/**
 * No shared-memory segment this test process created is left in /dev/shm. Segments are unlinked
 * by their creator when its object is garbage-collected (or at exit): collect until they are
 * gone, then assert it.
 */
export async function assertNoSegmentsLeft(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 50 && ourSegments().length > 0; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(ourSegments(), [], "segments left in /dev/shm");
}
