// The parent's side of a pool's life: exiting on its own, being killed, Ctrl-C.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { CONTEXTS, isRunning, waitFor } from "./helpers.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Start a fixture as its own process group, and wait for the JSON line it prints. */
async function startParent(context: string) {
  const child = spawn(process.execPath, ["--import", "tsx", fixture("parent-with-busy-pool.ts")], {
    env: { ...process.env, CONTEXT: context },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  const info = JSON.parse(line.toString()) as { pids: number[] };
  return { child, info, stderr: () => stderr };
}

/** Whatever happens in the test, the parent's whole process group goes. */
function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, "SIGKILL");
  } catch {}
}

for (const context of CONTEXTS) {
  describe(`lifecycle (${context})`, () => {
    for (const how of ["close", "terminate", "idle"]) {
      it(`the parent exits on its own after ${how === "idle" ? "leaving the pool idle" : `${how}()`}`, () => {
        const r = spawnSync(process.execPath, ["--import", "tsx", fixture("exits-on-its-own.ts")], {
          env: { ...process.env, CONTEXT: context, HOW: how },
          encoding: "utf8",
          timeout: 15_000,
        });
        assert.equal(r.signal, null, "it had to be killed: something kept it alive");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`done ${how}`));
      });
    }
  });
}

describe("the parent dies", () => {
  it("SIGKILL of the parent: every child process exits within 2 s, even one spinning in a loop", async () => {
    const { child, info } = await startParent("process");
    try {
      const pids = info.pids;
      assert.equal(pids.length, 3);
      for (const pid of pids) assert.ok(isRunning(pid), `child ${pid} should be running`);
      child.kill("SIGKILL");
      await once(child, "exit");
      const killedAt = Date.now();
      await waitFor(() => pids.every((pid) => !isRunning(pid)), 2000, "the children to exit after their parent was killed");
      assert.ok(Date.now() - killedAt < 2000);
    } finally {
      for (const pid of info.pids) killGroup(pid);
      killGroup(child.pid);
    }
  });

  for (const context of CONTEXTS) {
    it(`Ctrl-C (SIGINT to the process group) ends it once: status 130, no flood of traces (${context})`, async () => {
      const { child, info, stderr } = await startParent(context);
      try {
        const exited = once(child, "exit");
        process.kill(-child.pid!, "SIGINT");
        const [code, signal] = (await exited) as [number | null, string | null];
        assert.ok(signal === "SIGINT" || code === 130, `exit ${code} ${signal}`);
        assert.equal(stderr().trim(), "", "nothing printed on the way down");
        await waitFor(() => info.pids.every((pid) => !isRunning(pid)), 2000, "the children to exit");
      } finally {
        for (const pid of info.pids) killGroup(pid);
        killGroup(child.pid);
      }
    });
  }
});
