// Children never outlive their parent: two ways a worker process learns that its parent died.
// A pool made on the parent's main thread has the kernel kill its workers (PR_SET_PDEATHSIG,
// see lifecycle.test.ts); one made by a worker thread cannot (the signal follows the spawning
// thread, not the process), so its workers poll with a watchdog thread. Both must hold.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { isRunning, waitFor } from "./helpers.ts";

describe("the parent dies", () => {
  it("SIGKILL of a parent whose pool a worker thread made: its spinning workers exit within 2 s", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", new URL("./fixtures/parent-with-pool-in-thread.ts", import.meta.url).pathname], {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    let pids: number[] = [];
    try {
      const [line] = (await once(child.stdout, "data")) as [Buffer];
      pids = (JSON.parse(line.toString()) as { pids: number[] }).pids;
      assert.equal(pids.length, 2);
      for (const pid of pids) assert.ok(isRunning(pid), `child ${pid} should be running`);
      child.kill("SIGKILL");
      await once(child, "exit");
      await waitFor(() => pids.every((pid) => !isRunning(pid)), 20_000, "the workers to exit after their parent was killed");
    } finally {
      for (const pid of [...pids, child.pid]) {
        try {
          if (pid) process.kill(pid, "SIGKILL");
        } catch {}
      }
    }
  });
});
