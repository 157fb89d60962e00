// Python's resource tracker for shared-memory segments: whatever kills this process (SIGTERM,
// SIGKILL, an out-of-memory kill), the segments it created and did not unlink are unlinked.
//
// The exit hook of ownSegment() (below; used by block.ts and shared-memory.ts) and garbage
// collection (block.ts) unlink segments on a normal exit only. So the first segment this process creates starts a tracker: a tiny shell + awk
// process (no Node.js start-up), in a session of its own and deaf to INT/TERM/HUP, that reads
// "+name" / "-name" lines from a pipe and keeps the set of live names. The only writer of that
// pipe is this process, so the tracker reads end-of-file exactly when this process is gone, for
// whatever reason, and then unlinks what is left. Mappings stay valid (as for any unlink): a
// worker that still uses a segment keeps its memory; nobody new can open it.
//
// The pipe is a FIFO (mkfifo) that this process opens twice and keeps open until it ends: once
// read-write (so that opening never blocks, and writes never fail while the tracker starts), once
// write-only and non-blocking for the lines (a tracker that was killed can never block us; its
// lines are then dropped). These are file descriptors of the process (never inherited: Node
// opens with O_CLOEXEC), not a thread's stream as child_process would give (a socket, which a
// worker thread's exit would close), so worker threads that create segments share the tracker:
// its descriptor sits in a cell every thread of this process sees (liveness.ts). The tracker
// gets the read end as its stdin when it starts, and the FIFO's path is removed at once. Where
// any of this is missing (no /bin/sh, no mkfifo), the exit hooks still work as before.

import { spawn, spawnSync } from "node:child_process";
import { closeSync, constants, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processCells, TRACKER_CELL } from "./liveness.js";
import { native } from "./native.js";

const NONE = 0;
const STARTING = -1;
const FAILED = -2;

// awk keeps the live set; at end-of-file the shell removes what is left, one name per line.
const AWK = `{ op = substr($0, 1, 1); n = substr($0, 2); if (op == "+") live[n] = 1; else if (op == "-") delete live[n] }
END { for (n in live) print n }`;
const SCRIPT = `trap '' INT TERM HUP QUIT PIPE
awk '${AWK}' | while IFS= read -r n; do rm -f -- "/dev/shm/$n"; done`;

/** The tracker's pipe (a file descriptor), started on first use; null if it cannot run here. */
function trackerFd(): number | null {
  const cells = processCells();
  for (;;) {
    const v = Atomics.load(cells, TRACKER_CELL);
    if (v > 0) return v - 1;
    if (v === FAILED) return null;
    if (v === STARTING) {
      Atomics.wait(cells, TRACKER_CELL, STARTING, 1000); // another thread is starting it
      if (Atomics.load(cells, TRACKER_CELL) === STARTING) return null;
      continue;
    }
    if (Atomics.compareExchange(cells, TRACKER_CELL, NONE, STARTING) !== NONE) continue;
    const fd = start();
    Atomics.store(cells, TRACKER_CELL, fd === null ? FAILED : fd + 1);
    Atomics.notify(cells, TRACKER_CELL);
    return fd;
  }
}

function start(): number | null {
  const fifo = join(tmpdir(), `.multiproc-tracker-${process.pid}-${Date.now()}`);
  let keep: number | null = null;
  let read: number | null = null;
  try {
    if (spawnSync("mkfifo", ["-m", "600", fifo], { stdio: "ignore" }).status !== 0) return null;
    keep = openSync(fifo, constants.O_RDWR); // never closed: the tracker reads end-of-file when we are gone
    read = openSync(fifo, constants.O_RDONLY); // does not block: `keep` is a writer
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    // The tracker gets its read end at its start, so no line is lost however soon we are killed.
    const child = spawn("/bin/sh", ["-c", SCRIPT], { stdio: [read, "ignore", "ignore"], detached: true });
    child.on("error", () => {});
    child.unref();
    return child.pid === undefined ? null : fd;
  } catch {
    if (keep !== null) closeSync(keep);
    return null;
  } finally {
    if (read !== null) closeSync(read);
    rmSync(fifo, { force: true });
  }
}

function send(line: string): void {
  const fd = trackerFd();
  if (fd === null) return;
  for (let tries = 0; tries < 100; tries++) {
    try {
      writeSync(fd, line);
      return;
    } catch (error) {
      // EAGAIN: the FIFO is full, the tracker is slow (or was killed: then only the exit hooks are left).
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return;
      Atomics.wait(processCells(), TRACKER_CELL + 1, 0, 1);
    }
  }
}

/** Unlink `name` ("/name") when this process ends, however it ends, unless untrackSegment() says it is gone. */
export function trackSegment(name: string): void {
  if (!name.includes("\n")) send(`+${name.replace(/^\//, "")}\n`);
}

/** `name` was unlinked (or handed over): the tracker forgets it. */
export function untrackSegment(name: string): void {
  if (Atomics.load(processCells(), TRACKER_CELL) > 0 && !name.includes("\n")) send(`-${name.replace(/^\//, "")}\n`);
}

/** The segments this process created and has to unlink: by the exit hook on a normal exit, by the tracker otherwise. */
const owned = new Set<string>();
let exitHook = false;

/** This process created segment `name`: it is unlinked when this process ends, however it ends, unless disownSegment() comes first. */
export function ownSegment(name: string): void {
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const n of owned) disownSegment(n, true);
    });
  }
  owned.add(name);
  trackSegment(name);
}

/**
 * This process no longer has to unlink `name` (its own object was collected or disposed, or
 * someone unlinked it); with `unlink`, it unlinks it now. False if it did not own it (any more).
 */
export function disownSegment(name: string, unlink = false): boolean {
  if (!owned.delete(name)) return false;
  if (unlink) {
    try {
      native().unlink(name);
    } catch {}
  }
  untrackSegment(name);
  return true;
}
