// The parent's side of a pool's life: exiting on its own, being killed, Ctrl-C.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { CONTEXTS, isRunning, sleep, waitFor } from "./helpers.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Start a fixture as its own process group, and wait for the JSON line it prints. */
async function startParent<Info = { pids: number[] }>(context: string, name = "parent-with-busy-pool.ts", env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", fixture(name)], {
    env: { ...process.env, CONTEXT: context, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  const info = JSON.parse(line.toString()) as Info;
  const nextLine = () => once(child.stdout, "data").then(([l]) => JSON.parse(String(l)) as unknown);
  return { child, info, stderr: () => stderr, nextLine };
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
  it("SIGKILL of the parent: every child process exits, even one spinning in a loop", async () => {
    const { child, info } = await startParent("process");
    try {
      const pids = info.pids;
      assert.equal(pids.length, 3);
      for (const pid of pids) assert.ok(isRunning(pid), `child ${pid} should be running`);
      child.kill("SIGKILL");
      await once(child, "exit");
      // PR_SET_PDEATHSIG: at once; the bound only tells a hang from a busy machine.
      await waitFor(() => pids.every((pid) => !isRunning(pid)), 20_000, "the children to exit after their parent was killed");
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

describe("the parent survives a Ctrl-C", () => {
  // tsx transforms TypeScript in esbuild's service, a child process of the worker process (of
  // the parent, for threads), and so in the terminal's process group: a Ctrl-C kills it. The
  // worker ignores SIGINT; its loading of TypeScript must not break either. TSX_DISABLE_CACHE:
  // every module goes through esbuild, never through tsx's cache on disk, which needs no service.
  for (const context of CONTEXTS) {
    it(`its worker finishes the TypeScript module it was loading, and loads a new one (${context})`, { timeout: 30_000 }, async () => {
      const { child, info, stderr, nextLine } = await startParent<{ pid: number; children: string[] }>(context, "survives-ctrl-c.ts", {
        TSX_DISABLE_CACHE: "1",
      });
      try {
        assert.ok(info.children.includes("esbuild"), `esbuild's service should be running before the Ctrl-C; children: ${info.children}`);
        const answer = nextLine();
        await sleep(100); // the worker has begun on the big module, esbuild is busy with it
        process.kill(-child.pid!, "SIGINT");
        assert.deepEqual(await answer, { whileLoading: 42, afterwards: { cube: 27, pid: info.pid } }, stderr());
        const [code] = (await once(child, "exit")) as [number | null];
        assert.equal(code, 0, stderr());
      } finally {
        killGroup(child.pid);
      }
    });
  }
});
