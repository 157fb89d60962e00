// Typed, lazy loader for the native shared-memory addon (native/shm.cc).
//
// Only the *process* context needs it: threads share memory with SharedArrayBuffer. So the
// addon is loaded on first use, never at import time, and a missing build becomes a clear
// NativeAddonUnavailableError at the point where process-shared memory is asked for.
//
// What the addon gives (all Linux):
//   - create/open: a POSIX shm segment mapped MAP_SHARED, as an ArrayBuffer whose bytes are the
//     mapping. It is a plain (non-shared) ArrayBuffer: the addon is pure Node-API, so one build
//     loads on Node 20 and 24. Atomics.load/store/add/compareExchange/... on an Int32Array over
//     it ARE atomic across processes (same lock-prefixed instructions as on a
//     SharedArrayBuffer, in every V8 tier; test/shared-native.test.ts checks it), but
//     Atomics.wait/notify refuse a non-shared buffer: use wait/waitAsync/wake below instead.
//   - wait/waitAsync/wake: Linux futex on a 32-bit cell, across processes.
//   - processAlive/processStartTime: to tell that a lock's owner (pid in the lock word) died.
//   - dieWithParent: a worker process goes when its parent does, with no watchdog thread.
//
// Lifetime: the mapping lives until close(buffer) or until the ArrayBuffer is garbage collected
// (and until any wait on it returns). The *name* lives until unlink(name): its creator unlinks
// it, typically as soon as every user has opened it; the memory itself is freed by the kernel
// when the last process unmaps it.

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { MultiprocError, multiprocErrors } from "../errors.js";

/** Result of a futex wait, with the meanings of `Atomics.wait`'s results. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

/** The addon's functions. Offsets are in bytes and must be multiples of 4. */
export interface ShmBinding {
  /** Creates segment `name` ("/name") of `size` bytes, zero-filled and reserved (so a full
   * /dev/shm fails here with ENOSPC instead of a SIGBUS later). Throws code EEXIST if taken. */
  create(name: string, size: number): ArrayBuffer;
  /** Maps an existing segment, whole. Throws code ENOENT if there is no such name. */
  open(name: string): ArrayBuffer;
  /** Detaches the buffer (every view over it becomes empty) and unmaps it now, or when the last
   * wait in flight on it returns. Idempotent. Does not unlink. */
  close(buffer: ArrayBuffer): void;
  /** Removes the name; mappings stay valid. Returns false if it was already gone. */
  unlink(name: string): boolean;
  /** Blocks this thread while the int32 at byteOffset equals `expected`, until wake() from any
   * process or timeoutMs (Infinity: none). "ok" may be spurious: re-check the cell. */
  wait(buffer: ArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): WaitResult;
  /** Same wait on a dedicated native thread; the JS thread stays free. Keeps the event loop
   * alive while pending. Cannot be cancelled except by wake() or the timeout. */
  waitAsync(buffer: ArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): Promise<WaitResult>;
  /** Wakes up to `count` (Infinity: all) waiters on that cell, in any process; returns how many. */
  wake(buffer: ArrayBuffer, byteOffset: number, count: number): number;
  /** True if pid exists and is not a zombie. */
  processAlive(pid: number): boolean;
  /** The process's start time (clock ticks since boot), or null if it does not exist. Store it
   * beside a pid to tell a dead owner from a new process that reused its pid. */
  processStartTime(pid: number): number | null;
  /** Has the kernel SIGKILL this process when the thread that spawned it exits
   * (PR_SET_PDEATHSIG), and kills it now if `parentPid` is no longer its parent. */
  dieWithParent(parentPid: number): boolean;
}

/** The addon was not built (or cannot load here). Process-context shared memory needs it. */
export class NativeAddonUnavailableError extends MultiprocError {
  override readonly name = "NativeAddonUnavailableError";
  override readonly code = "ERR_MULTIPROC_NATIVE_UNAVAILABLE";
}
multiprocErrors(NativeAddonUnavailableError);

// src/memory/native.ts and dist/memory/native.js are both two levels below the package root.
const addonPath = fileURLToPath(new URL("../../native/build/Release/multiproc_shm.node", import.meta.url));

let binding: ShmBinding | undefined;
let loadError: NativeAddonUnavailableError | undefined;

/** The addon, loaded on first call. Throws NativeAddonUnavailableError if it is not built. */
export function native(): ShmBinding {
  if (binding) return binding;
  if (loadError) throw loadError;
  if (process.platform !== "linux") {
    loadError = new NativeAddonUnavailableError(
      `process-context shared memory needs Linux (futex, /dev/shm); this is ${process.platform}. ` +
        `Use the 'thread' context, which shares memory with SharedArrayBuffer.`,
    );
    throw loadError;
  }
  try {
    binding = createRequire(import.meta.url)(addonPath) as ShmBinding;
    return binding;
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND";
    loadError = new NativeAddonUnavailableError(
      `process-context shared memory needs multiproc's native addon, which ${
        missing ? `is not built (no ${addonPath}${installFailure()})` : `failed to load from ${addonPath}`
      }. Build it with \`npm rebuild multiproc --foreground-scripts\` (or \`node scripts/build-native.mjs --verbose\` in the package) ` +
        `(needs a C++ compiler and Node.js headers), or use the 'thread' context.`,
      { cause },
    );
    throw loadError;
  }
}

/** What scripts/build-native.mjs said when it could not build the addon at install, if it ran. */
function installFailure(): string {
  try {
    const reason = readFileSync(fileURLToPath(new URL("../../native/build/unavailable.txt", import.meta.url)), "utf8").trim();
    return reason ? `; at install: ${reason}` : "";
  } catch {
    return "; its install script did not run: was it blocked by allowScripts or --ignore-scripts?";
  }
}

/** Whether the addon can be loaded here (never throws). */
export function nativeAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}

/** Every segment this library creates is named `${SEGMENT_PREFIX}<creator pid>-<counter>`, so
 * `ls /dev/shm/multiproc-*` shows leaks and removeStaleSegments() can find them; but for a
 * SharedMemory created with `track: false`, `${SEGMENT_PREFIX}kept-<pid>-<random>`, meant to outlive its creator. */
export const SEGMENT_PREFIX = "/multiproc-";

let counter = 0;

/** Creates a fresh segment with a new name, owned (to unlink) by the caller. */
export function createSegment(size: number): { name: string; buffer: ArrayBuffer } {
  const shm = native();
  for (;;) {
    const name = `${SEGMENT_PREFIX}${process.pid}-${counter++}`;
    try {
      return { name, buffer: shm.create(name, size) };
    } catch (err) {
      // A leftover of an earlier process that had our pid: take the next number.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/** Unlinks segments left in /dev/shm by creators that are no longer alive (killed before they
 * could unlink). Processes that still map them keep their memory. Returns the names removed. */
export function removeStaleSegments(): string[] {
  const shm = native();
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/dev/shm");
  } catch {
    return removed;
  }
  const prefix = SEGMENT_PREFIX.slice(1);
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number.parseInt(entry.slice(prefix.length), 10);
    if (pid > 0 && !shm.processAlive(pid) && shm.unlink(`/${entry}`)) removed.push(`/${entry}`);
  }
  return removed;
}
