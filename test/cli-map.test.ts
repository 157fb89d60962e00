// `multiproc map` end to end, as a subprocess: order, --unordered, failures, bad input, module
// errors, Ctrl-C, a TypeScript task module, and memory that stays flat on a big input.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CONTEXTS, sleep, track } from "./helpers.ts";

const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const tasks = fileURLToPath(new URL("./fixtures/map-tasks.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "multiproc-cli-map-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function jsonl(name: string, items: unknown[], extra = ""): string {
  const path = join(dir, name);
  writeFileSync(path, items.map((x) => JSON.stringify(x)).join("\n") + "\n" + extra);
  return path;
}

function map(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cli, "map", ...args], { encoding: "utf8", input, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split("\n").slice(0, -1) };
}

const hundredThousand = jsonl("100k.jsonl", Array.from({ length: 100_000 }, (_, n) => ({ n })));

for (const context of CONTEXTS) {
  const common = ["-p", "2", "--context", context];
  describe(`multiproc map (${context})`, () => {
    it("100,000 lines in input order, from a TypeScript module; nothing on stderr without a terminal", () => {
      const r = map([`${tasks}#square`, hundredThousand, ...common]);
      assert.equal(r.stderr, "");
      assert.equal(r.code, 0);
      assert.equal(r.lines.length, 100_000);
      for (let n = 0; n < 100_000; n++) if (r.lines[n] !== String(n * n)) assert.fail(`line ${n}: ${r.lines[n]}`);
    });

    it("--unordered writes every result once; --indexed pairs each with its index; stdin and the default export", () => {
      const items = Array.from({ length: 2000 }, (_, n) => ({ n }));
      const r = map([`${tasks}#square`, "-", ...common, "--unordered", "--indexed", "--chunksize", "7"], items.map((x) => JSON.stringify(x)).join("\n"));
      assert.equal(r.code, 0, r.stderr);
      const pairs = r.lines.map((l) => JSON.parse(l) as [number, number]);
      assert.deepEqual(pairs.map(([i]) => i).sort((a, b) => a - b), items.map((_, i) => i));
      for (const [i, v] of pairs) assert.equal(v, i * i);
      const d = map([tasks, ...common], '{"a":1}\n[2]\n"three"\n');
      assert.deepEqual(d.lines, ['{"a":1}', "[2]", '"three"']);
    });

    it("a failing item: the results before it, its index, line and error on stderr, exit 1; --keep-going goes on", () => {
      const input = jsonl("fail.jsonl", Array.from({ length: 30 }, (_, n) => ({ n })));
      const r = map([`${tasks}#failOn13`, input, ...common, "--chunksize", "1"]);
      assert.equal(r.code, 1);
      assert.deepEqual(r.lines, Array.from({ length: 13 }, (_, n) => String(n)));
      assert.deepEqual(JSON.parse(r.stderr.trim()), { index: 13, line: 14, error: { name: "RangeError", message: "unlucky 13" } });
      const k = map([`${tasks}#failOn13`, input, ...common, "--keep-going"]);
      assert.equal(k.code, 1);
      assert.deepEqual(k.lines, Array.from({ length: 30 }, (_, n) => n).filter((n) => n !== 13).map(String));
      assert.equal(k.stderr.trim().split("\n").length, 1);
    });

    it("a malformed input line is named by its line number (blank lines are skipped but counted)", () => {
      const r = map([`${tasks}#square`, ...common, "--keep-going"], '{"n":1}\n\n{"n":2\n{"n":3}\n');
      assert.equal(r.code, 1);
      assert.deepEqual(r.lines, ["1", "9"]);
      const failure = JSON.parse(r.stderr.trim()) as { index: number; line: number; error: { name: string; message: string } };
      assert.equal(failure.index, 1);
      assert.equal(failure.line, 3);
      assert.equal(failure.error.name, "SyntaxError");
      assert.match(failure.error.message, /^input line 3 is not valid JSON/);
    });

    it("a missing module, a missing export, an export that is not a function, bad options: exit 2 with what is wrong", () => {
      const missing = map([join(dir, "nope.ts") + "#f", hundredThousand, ...common]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /module not found: .*nope\.ts/);
      const noExport = map([`${tasks}#nope`, hundredThousand, ...common]);
      assert.equal(noExport.code, 2);
      assert.match(noExport.stderr, /has no exported function "nope" \(its exported functions: .*square/);
      assert.equal(noExport.stdout, "");
      const notFn = map([`${tasks}#notAFunction`, hundredThousand, ...common]);
      assert.equal(notFn.code, 2);
      assert.match(notFn.stderr, /exports "notAFunction" as a number, not a function/);
      const badOption = map([`${tasks}#square`, hundredThousand, "--chunksize", "0"]);
      assert.equal(badOption.code, 2);
      assert.match(badOption.stderr, /--chunksize must be an integer >= 1, got "0"/);
      const noFile = map([`${tasks}#square`, join(dir, "absent.jsonl"), ...common]);
      assert.equal(noFile.code, 2);
      assert.match(noFile.stderr, /cannot read .*absent\.jsonl: ENOENT/);
    });

    it("Ctrl-C mid-run: exit 130, and stdout ends with a whole line", async (t) => {
      const input = jsonl("slow.jsonl", Array.from({ length: 5000 }, (_, n) => ({ n })));
      // Its own process group, as a terminal's foreground job: the SIGINT goes to the workers too.
      const child = track(t, spawn(process.execPath, [cli, "map", `${tasks}#slowly`, input, ...common], { detached: true, stdio: ["ignore", "pipe", "pipe"] }));
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (stdout.split("\n").length < 20) {
        assert.ok(Date.now() < deadline, `no output: ${stderr}`);
        await sleep(20);
      }
      process.kill(-child.pid!, "SIGINT");
      assert.equal(await exited, 130, stderr);
      await sleep(50);
      assert.ok(stdout.endsWith("\n"), "no partial line");
      const lines = stdout.split("\n").slice(0, -1);
      assert.ok(lines.length < 5000, "stopped early");
      assert.deepEqual(lines, lines.map((_, n) => String(n)), "in order, each whole");
    });
  });
}

describe("multiproc map: memory", () => {
  it("stays flat on a big input (bounded read-ahead): 150 MB of input peaks like 20 MB of it", async () => {
    const pad = "x".repeat(500);
    const line = (n: number) => JSON.stringify({ n, pad });
    const write = (name: string, count: number) => {
      const path = join(dir, name);
      const block = Array.from({ length: 1000 }, (_, i) => line(i)).join("\n") + "\n";
      writeFileSync(path, block.repeat(count / 1000));
      return path;
    };
    const peak = async (input: string) => {
      // V8 13 (Node 24) grows its young generation with the allocation rate, to well over 100 MB
      // here: capped, what the peak shows is what the program keeps, not how lazily V8 collects.
      const args = ["--max-semi-space-size=16", cli, "map", `${tasks}#padLength`, input, "-p", "2", "--context", "process"];
      const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
      let hwm = 0;
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      let done = false;
      void exited.then(() => (done = true));
      while (!done) {
        try {
          const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0);
          hwm = Math.max(hwm, kb);
        } catch {}
        await sleep(25);
      }
      assert.equal(await exited, 0);
      return hwm / 1024;
    };
    // The first run's peak includes V8 letting garbage pile up before it collects: the input's
    // size must not show beyond that (130 MB more of it, and not 60 MB more memory).
    const small = await peak(write("small.jsonl", 40_000));
    const big = await peak(write("big.jsonl", 300_000));
    assert.ok(big < small + 60, `peak RSS ${big.toFixed(0)} MiB on 150 MB of input vs ${small.toFixed(0)} MiB on 20 MB`);
  });
});
