// Shared by the sync and shared-memory tests: /dev/shm must be clean once every object is gone.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const ours = (): string[] =>
  existsSync("/dev/shm") ? readdirSync("/dev/shm").filter((f) => f.startsWith(`multiproc-${process.pid}-`)) : [];

/**
 * Segments are unlinked by their creator when its object is garbage-collected (or at exit):
 * collect until every segment of this process is gone, then assert it.
 */
export async function assertNoSegmentsLeft(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 50 && ours().length > 0; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(ours(), [], "segments left in /dev/shm");
}
