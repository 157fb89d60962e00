// The progress option of map, starmap, imap and imapUnordered: the callback's counts exactly,
// its bounded rate, silence when stderr is not a terminal, and the bar itself in a real
// terminal (tmux).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, sleep } from "./helpers.ts";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux) console.warn("progress.test.ts: tmux is not installed: SKIPPING the progress bar's terminal test (apt-get install tmux)");

/** Checks every report: counts only grow, and the last one is the final count. */
function recorder() {
  const seen: mp.Progress[] = [];
  return {
    seen,
    report: (p: mp.Progress) => void seen.push({ ...p }),
    check(expected: { done: number; total: number | null; failed: number }) {
      assert.ok(seen.length >= 1, "the callback was called");
      for (let i = 1; i < seen.length; i++) {
        assert.ok(seen[i]!.done >= seen[i - 1]!.done, "done never goes back");
        assert.ok(seen[i]!.elapsed >= seen[i - 1]!.elapsed, "elapsed never goes back");
      }
      const last = seen.at(-1)!;
      assert.deepEqual({ done: last.done, total: last.total, failed: last.failed }, expected);
      // Bounded rate: one call per 0.1 s at most, plus the last one (and one of slack for timer jitter).
      assert.ok(seen.length <= Math.floor(last.elapsed / 0.1) + 2, `${seen.length} calls in ${last.elapsed} s`);
    },
  };
}

const slow = (n: number) => {
  const until = Date.now() + 2;
  while (Date.now() < until);
  return n * 2;
};

for (const context of CONTEXTS) {
  describe(`progress (${context})`, () => {
    it("map and starmap report exact counts at a bounded rate, and once at the end", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const xs = Array.from({ length: 300 }, (_, i) => i);
      const a = recorder();
      assert.deepEqual(await pool.map(slow, xs, { chunksize: 3, progress: a.report }), xs.map((n) => n * 2));
      a.check({ done: 300, total: 300, failed: 0 });
      assert.ok(a.seen.length >= 2, "reported while running, not only at the end");
      const b = recorder();
      await pool.starmap((x: number, y: number) => x + y, [[1, 2], [3, 4]], { progress: b.report });
      b.check({ done: 2, total: 2, failed: 0 });
      const empty = recorder();
      assert.deepEqual(await pool.map(slow, [], { progress: empty.report }), []);
      empty.check({ done: 0, total: 0, failed: 0 });
    });

    it("imap and imapUnordered count items as they are yielded; a generator's total is null", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const a = recorder();
      const got: number[] = [];
      for await (const v of pool.imap(slow, new Set([1, 2, 3, 4, 5]), { progress: a.report })) got.push(v);
      assert.deepEqual(got, [2, 4, 6, 8, 10]);
      a.check({ done: 5, total: 5, failed: 0 });
      function* gen() {
        for (let i = 0; i < 250; i++) yield i;
      }
      const b = recorder();
      let n = 0;
      for await (const _ of pool.imapUnordered(slow, gen(), { chunksize: 10, progress: b.report })) n++;
      assert.equal(n, 250);
      b.check({ done: 250, total: null, failed: 0 });
      // Stopping early: the last report is where the consumer stopped.
      const c = recorder();
      for await (const v of pool.imap(slow, gen(), { progress: c.report })) if (v >= 20) break;
      c.check({ done: 11, total: null, failed: 0 });
    });

    it("a failing task counts its items as failed, and the call still rejects", async () => {
      await using pool = new mp.Pool({ processes: 2, context });
      const boom = (n: number) => {
        if (n === 7) throw new Error("seven");
        return n;
      };
      const a = recorder();
      await assert.rejects(pool.map(boom, Array.from({ length: 10 }, (_, i) => i), { chunksize: 5, progress: a.report }), /seven/);
      assert.equal(a.seen.at(-1)!.failed, 5);
      assert.ok(a.seen.at(-1)!.done <= 5);
      const b = recorder();
      await assert.rejects(async () => {
        for await (const _ of pool.imap(boom, [5, 6, 7, 8], { progress: b.report }));
      }, /seven/);
      b.check({ done: 2, total: 4, failed: 1 });
    });

    it("bad progress values are rejected, and a throwing callback does not break the call", async () => {
      await using pool = new mp.Pool({ processes: 1, context });
      assert.throws(() => pool.imap(slow, [1], { progress: 3 as unknown as boolean }), /progress must be true, false or a function/);
      await assert.rejects(pool.map(slow, [1], { progress: "yes" as unknown as boolean }), TypeError);
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on("warning", onWarning);
      try {
        assert.deepEqual(await pool.map(slow, [1, 2], { progress: () => { throw new Error("callback bug"); } }), [2, 4]);
        await sleep(50);
      } finally {
        process.off("warning", onWarning);
      }
      assert.ok(warnings.some((w) => w.includes("callback bug")), warnings.join("; "));
    });

    it("progress: true is silent when stderr is not a terminal", () => {
      const r = spawnSync(process.execPath, ["--import", "tsx", new URL("./fixtures/progress-bar.ts", import.meta.url).pathname], {
        env: { ...process.env, CONTEXT: context, ITEMS: "20" },
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.match(r.stdout, /RESULTS 20/);
    });

    it("progress: true draws one bar line in a real terminal that advances and finishes (tmux)", { skip: hasTmux ? false : "tmux is not installed" }, async () => {
      const server = `multiproc-progress-${process.pid}-${context}`;
      const tmux = (...args: string[]) => execFileSync("tmux", ["-L", server, ...args], { encoding: "utf8" });
      const script = new URL("./fixtures/progress-bar.ts", import.meta.url).pathname;
      const gate = join(mkdtempSync(join(tmpdir(), "mp-progress-")), "go");
      const cmd = `CONTEXT=${context} ITEMS=400 GATE=${gate} ${process.execPath} --import tsx ${script}; echo EXIT=$?; sleep 60`;
      tmux("new-session", "-d", "-x", "150", "-y", "20", "-s", "p", cmd);
      const progressLines = new Set<string>();
      let screen = "";
      try {
        const deadline = Date.now() + 60_000;
        while (!/EXIT=\d/.test(screen)) {
          assert.ok(Date.now() < deadline, `the bar never finished; last screen:\n${screen}`);
          screen = tmux("capture-pane", "-p", "-t", "p");
          const bars = screen.split("\n").filter((l) => /\d+\/400/.test(l));
          assert.ok(bars.length <= 1, `the bar takes one line, got:\n${screen}`);
          if (bars[0]) progressLines.add(bars[0].trim());
          // The second half of the items waits for this: the bar has been seen part-way.
          const done = Number(/(\d+)\/400/.exec(bars[0] ?? "")?.[1] ?? 0);
          if (done > 0 && done < 400 && !existsSync(gate)) writeFileSync(gate, "");
          await sleep(30);
        }
      } finally {
        spawnSync("tmux", ["-L", server, "kill-server"]);
      }
      assert.match(screen, /EXIT=0/);
      assert.match(screen, /RESULTS 400/);
      const final = screen.split("\n").find((l) => /\d+\/400/.test(l));
      assert.match(final ?? "", /100% \| 400\/400 \| [\d.k]+\/s/, screen);
      const dones = [...progressLines].map((l) => Number(/(\d+)\/400/.exec(l)![1]));
      assert.ok(dones.some((d) => d > 0 && d < 400), `seen advancing: ${[...progressLines].join(" / ")}`);
    });
  });
}
