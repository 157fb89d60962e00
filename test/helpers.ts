// Shared by the tests: the contexts every behaviour test runs on, and a look at the OS
// process table (not the pool's own bookkeeping) to prove no worker is left behind.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { ContextName } from "multiproc";

export const CONTEXTS: ContextName[] = ["process", "thread"];

/** Live (non-zombie) child processes of `pid`, from /proc. */
export function liveChildren(pid = process.pid): number[] {
  const out = execFileSync("ps", ["-o", "pid=,stat=", "--ppid", String(pid)], { encoding: "utf8" }).trim();
  if (!out) return [];
  return out
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat]) => !stat!.startsWith("Z"))
    .map(([p]) => Number(p))
    .filter((p) => p !== undefined && !isPsItself(p));
}

function isPsItself(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "ps";
  } catch {
    return true; // already gone
  }
}

/** Threads of this process: worker threads show up here as extra OS threads. */
export function threadCount(): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]);
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
