// mp.logToStderr() / mp.getLogger() as Python's: records carry the level and the process name,
// workers log as their parent does, and the pool logs its workers' start, exit and replacement
// at DEBUG. Nothing is written unless it is turned on.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

const fixture = new URL("./fixtures/pool-logging.ts", import.meta.url).pathname;

function run(context: string, level?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", fixture],
      { env: { ...process.env, CONTEXT: context, LEVEL: level ?? "" }, timeout: 60_000, encoding: "utf8" },
      (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
}

for (const context of CONTEXTS) {
  describe(`logging (${context})`, () => {
    it("logToStderr('DEBUG'): the pool's workers start, exit and are replaced; records name their process", async () => {
      const { code, stderr } = await run(context, "DEBUG");
      assert.equal(code, 0, stderr);
      const lines = stderr.trim().split("\n");
      const id = context === "thread" ? "thread" : "pid";
      assert.ok(lines.some((l) => new RegExp(`^\\[DEBUG/MainProcess\\] added worker PoolWorker-\\d+ \\(${id} \\d+\\)$`).test(l)), stderr);
      assert.ok(lines.some((l) => /^\[DEBUG\/MainProcess\] added worker PoolWorker-\d+ \(\w+ \d+\), replacing PoolWorker-\d+$/.test(l)), stderr);
      assert.ok(lines.some((l) => /^\[DEBUG\/MainProcess\] worker PoolWorker-\d+ exited with code 0$/.test(l)), stderr);
      assert.ok(lines.includes("[DEBUG/MainProcess] closing pool"), stderr);
      assert.ok(lines.includes("[DEBUG/MainProcess] joining pool"), stderr);
      // Workers log as the parent does, under their own name.
      assert.ok(lines.some((l) => /^\[INFO\/PoolWorker-\d+\] task 1 in the worker$/.test(l)), stderr);
      assert.ok(lines.some((l) => /^\[DEBUG\/PoolWorker-\d+\] worker got the exit message/.test(l)), stderr);
      assert.ok(lines.includes("[INFO/Child-1] child process calling self.run()"), stderr);
      assert.ok(lines.includes("[INFO/Child-1] process exiting with exitcode 0"), stderr);
      assert.ok(lines.includes("[WARNING/MainProcess] done in the parent"), stderr);
    });

    it("logToStderr('INFO') drops DEBUG records; without logToStderr nothing is written", async () => {
      const info = await run(context, "INFO");
      assert.equal(info.code, 0, info.stderr);
      assert.doesNotMatch(info.stderr, /DEBUG/);
      assert.match(info.stderr, /\[INFO\/PoolWorker-\d+\] task 1 in the worker/);
      const off = await run(context);
      assert.equal(off.code, 0, off.stderr);
      assert.equal(off.stderr, "");
    });
  });
}

describe("getLogger", () => {
  it("levels by number or name, handlers, Python's default level WARNING, bad levels named", () => {
    const logger = mp.getLogger();
    assert.equal(logger, mp.getLogger());
    assert.equal(logger.getEffectiveLevel(), mp.LogLevel.WARNING);
    assert.equal(logger.isEnabledFor(mp.LogLevel.CRITICAL), false, "no handler: nothing is handled");
    const seen: mp.LogRecord[] = [];
    const handler = (r: mp.LogRecord) => seen.push(r);
    logger.addHandler(handler);
    try {
      logger.info("dropped");
      logger.warning("kept %d", 1);
      logger.setLevel("DEBUG");
      logger.debug("now %s", "kept");
      logger.log(15, "custom");
      logger.setLevel(mp.LogLevel.ERROR);
      logger.warning("dropped again");
      logger.critical({ a: 1 });
      assert.deepEqual(
        seen.map((r) => [r.levelName, r.processName, r.message]),
        [
          ["WARNING", "MainProcess", "kept 1"],
          ["DEBUG", "MainProcess", "now kept"],
          ["Level 15", "MainProcess", "custom"],
          ["CRITICAL", "MainProcess", "{ a: 1 }"],
        ],
      );
      assert.throws(() => logger.setLevel("LOUD" as never), /a level is an integer >= 0 or one of NOTSET, SUBDEBUG, DEBUG/);
    } finally {
      logger.removeHandler(handler);
      logger.setLevel("WARNING");
    }
  });
});
