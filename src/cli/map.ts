// `multiproc map MODULE#EXPORT [INPUT]`: a function over every line of a JSON-lines file (or
// stdin) in a pool, results as JSON lines on stdout: what users reach for GNU parallel or a
// small script for. Built on Pool.imap, so the input is read a bounded distance ahead of the
// output and memory stays flat however long the input. The workers parse the lines and write
// the results' JSON themselves (map-task.ts), so the parent only moves text.

import { once } from "node:events";
import { createReadStream, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { ContextName } from "../backends/backend.js";
import { abortError, InitializerError } from "../errors.js";
import { Pool } from "../pool/pool.js";
import { ProgressTracker } from "../pool/progress.js";
import { tasksFrom } from "../fn/task-function.js";
import type { Command } from "./main.js";
import { isBlankLine, type ChunkOutcome, type Failure, type InputChunk } from "./map-task.js";

const usage = `Usage: multiproc map MODULE[#EXPORT] [INPUT] [options]

Calls EXPORT (default: the default export) of MODULE (a path, a file: URL or a package name;
TypeScript works) on each line of INPUT (a JSON-lines file; stdin when absent or "-"), in a pool,
and writes each result as a JSON line to stdout, in input order unless --unordered. Blank lines
are skipped. A failed item (bad JSON, a throw, a result JSON cannot write) is written to stderr
as {"index","line","error":{"name","message"}} and stops the run, unless --keep-going.

Options:
  -p, --processes N   workers (default: the number of CPUs)
  --context NAME      "process" (default) or "thread"
  --chunksize N       lines per task (default: adapts to about 10 ms of work per task)
  --unordered         write results as they complete
  --indexed           write each result as [index, result]
  --timeout S         seconds for the whole run
  --retries N         rerun an item whose worker died, up to N times
  --keep-going        go on after a failed item
  --no-progress       no progress counter on stderr (drawn only when stderr is a terminal)
  -h, --help          this help

Exit codes: 0 all items succeeded; 1 an item failed (with --keep-going: any item); 2 bad usage,
or the module or export cannot be loaded; 130 interrupted (Ctrl-C).`;

const mapTask = tasksFrom<typeof import("./map-task.js")>(new URL("./map-task.js", import.meta.url));

/** Without --chunksize, a task gets about this much work (from the time items took so far), in this many lines at most. */
const TARGET_TASK_MS = 10;
const MAX_CHUNK = 128;
/**
 * Lines read and not yet written, at most (per worker): Pool.imap reads 1,024 tasks ahead,
 * which for chunks of long lines would be a lot of text.
 */
const LINES_AHEAD_PER_WORKER = 2048;

/** Output is written in blocks of this many characters, and at least this often (seconds) while items trickle in. */
const FLUSH_CHARS = 64 * 1024;
const FLUSH_SECONDS = 0.05;

class UsageError extends Error {}

interface MapArgs {
  moduleUrl: string;
  exportName: string;
  input: string | undefined;
  processes: number | undefined;
  context: ContextName;
  chunksize: number | undefined;
  unordered: boolean;
  indexed: boolean;
  timeout: number | undefined;
  retries: number;
  keepGoing: boolean;
  progress: boolean;
}

export const command: Command = {
  summary: "call a module's function on each line of a JSON-lines file, in parallel",
  usage,
  async run(argv) {
    let args: MapArgs;
    try {
      args = parseMapArgs(argv);
    } catch (error) {
      process.stderr.write(`multiproc map: ${(error as Error).message}\nSee multiproc map --help.\n`);
      return 2;
    }
    return mapLines(args);
  },
};

function parseMapArgs(argv: string[]): MapArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        processes: { type: "string", short: "p" },
        context: { type: "string" },
        chunksize: { type: "string" },
        unordered: { type: "boolean" },
        indexed: { type: "boolean" },
        timeout: { type: "string" },
        retries: { type: "string" },
        "keep-going": { type: "boolean" },
        "no-progress": { type: "boolean" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError("missing MODULE#EXPORT");
  if (positionals.length > 2) throw new UsageError(`expected MODULE#EXPORT [INPUT], got ${positionals.length} arguments`);
  const [target, input] = positionals as [string, string | undefined];
  const hash = target.lastIndexOf("#");
  const moduleSpec = hash === -1 ? target : target.slice(0, hash);
  const exportName = hash === -1 ? "default" : target.slice(hash + 1);
  if (!moduleSpec || !exportName) throw new UsageError(`"${target}" is not MODULE#EXPORT`);
  const context = values.context ?? "process";
  if (context !== "process" && context !== "thread") throw new UsageError(`--context must be "process" or "thread", got "${context}"`);
  return {
    moduleUrl: resolveModule(moduleSpec),
    exportName,
    input: input === "-" ? undefined : input,
    processes: values.processes === undefined ? undefined : integer("--processes", values.processes, 1),
    context,
    chunksize: values.chunksize === undefined ? undefined : integer("--chunksize", values.chunksize, 1),
    unordered: values.unordered ?? false,
    indexed: values.indexed ?? false,
    timeout: values.timeout === undefined ? undefined : seconds("--timeout", values.timeout),
    retries: values.retries === undefined ? 0 : integer("--retries", values.retries, 0),
    keepGoing: values["keep-going"] ?? false,
    progress: !values["no-progress"],
  };
}

function integer(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${text}"`);
  return n;
}

function seconds(flag: string, text: string): number {
  const n = Number(text);
  if (!(Number.isFinite(n) && n >= 0)) throw new UsageError(`${flag} must be a number of seconds >= 0, got "${text}"`);
  return n;
}

/** A path (relative to the current directory), a file: URL, or a package name resolved from here. */
function resolveModule(spec: string): string {
  if (spec.startsWith("file:")) return spec;
  const looksLikePath = spec.startsWith(".") || spec.startsWith("/") || /\.[cm]?[jt]sx?$/.test(spec);
  if (looksLikePath) {
    const path = resolve(spec);
    if (!existsSync(path)) throw new UsageError(`module not found: ${path}`);
    return pathToFileURL(path).href;
  }
  try {
    return pathToFileURL(createRequire(resolve("package.json")).resolve(spec)).href;
  } catch {
    throw new UsageError(`module not found: "${spec}" is neither a file nor a package installed here`);
  }
}

async function mapLines(args: MapArgs): Promise<number> {
  const pool = new Pool({
    processes: args.processes,
    context: args.context,
    initializer: mapTask.setup,
    initargs: [args.moduleUrl, args.exportName, args.indexed],
  });
  try {
    await pool.apply(mapTask.ready);
  } catch (error) {
    await pool.terminate();
    const why = error instanceof InitializerError && error.cause instanceof Error ? error.cause.message : String((error as Error).message ?? error);
    process.stderr.write(`multiproc map: cannot load ${args.moduleUrl}#${args.exportName}: ${why.replace(`${args.moduleUrl} `, "")}\n`);
    return 2;
  }

  const input = args.input === undefined ? process.stdin : createReadStream(args.input);
  const opened = args.input === undefined ? Promise.resolve() : once(input, "open").then(() => undefined);
  try {
    await opened;
  } catch (error) {
    await pool.terminate();
    process.stderr.write(`multiproc map: cannot read ${args.input}: ${(error as Error).message}\n`);
    return 2;
  }
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort(abortError(undefined, "interrupted"));
  process.once("SIGINT", onSigint);
  // A reader that went away (`| head`) ends the run as SIGPIPE would (exit 141), quietly.
  const out = new Output(() => interrupt.abort(abortError(undefined, "stdout was closed")));
  const progress = args.progress ? ProgressTracker.start("multiproc map", true, null) : undefined;
  let failed = 0;
  let code = 0;
  try {
    const options = { timeout: args.timeout, retries: args.retries, signal: interrupt.signal };
    const sizer = new ChunkSizer(args.chunksize, LINES_AHEAD_PER_WORKER * pool.processes);
    const chunks = chunksOf(input, sizer);
    const results = args.unordered ? pool.imapUnordered(mapTask.callChunk, chunks, options) : pool.imap(mapTask.callChunk, chunks, options);
    run: for await (const { results: text, failures, items, ms } of results as AsyncIterable<ChunkOutcome>) {
      sizer.learn(ms, items);
      sizer.written(items);
      progress?.add(items - failures.length);
      let at = 0;
      for (const { after, ...failure } of failures) {
        out.text(text.slice(at, after));
        at = after;
        failed++;
        progress?.fail(1);
        out.flush();
        writeFailure(failure);
        if (!args.keepGoing) break run;
      }
      out.text(at === 0 ? text : text.slice(at));
    }
    code = failed > 0 ? 1 : 0;
  } catch (error) {
    if (interrupt.signal.aborted) code = out.closed ? 141 : 130;
    else {
      process.stderr.write(`multiproc map: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
      code = 1;
    }
  } finally {
    out.close();
    progress?.end();
    process.off("SIGINT", onSigint);
    input.destroy();
  }
  await pool.terminate();
  return code;
}

/**
 * Lines per task: --chunksize when given; else enough for about TARGET_TASK_MS of work by the
 * average time per item so far (1 until a result says), so that tiny items travel in bulk and
 * slow ones one by one. At most MAX_CHUNK, which with imap's read-ahead bounds the lines held.
 */
class ChunkSizer {
  #msPerItem: number | undefined;
  #ahead = 0;
  #wake: (() => void) | null = null;
  constructor(
    private readonly fixed: number | undefined,
    private readonly maxAhead: number,
  ) {}

  /** Lines handed out: waits while too many are read and not yet written. */
  async read(lines: number): Promise<void> {
    this.#ahead += lines;
    while (this.#ahead > this.maxAhead) await new Promise<void>((resolve) => (this.#wake = resolve));
  }

  written(lines: number): void {
    this.#ahead -= lines;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  get size(): number {
    if (this.fixed !== undefined) return this.fixed;
    if (this.#msPerItem === undefined) return 1;
    return Math.max(1, Math.min(MAX_CHUNK, Math.round(TARGET_TASK_MS / Math.max(this.#msPerItem, 1e-4))));
  }

  learn(ms: number, items: number): void {
    if (items === 0) return;
    const each = ms / items;
    this.#msPerItem = this.#msPerItem === undefined ? each : this.#msPerItem * 0.8 + each * 0.2;
  }
}

/**
 * The input cut into chunks of `sizer.size` non-blank lines, straight from the stream's blocks:
 * the parent never looks at a line but to find where it ends and whether it is blank (for tiny
 * items, the parent's per-line work is what limits the whole run).
 */
async function* chunksOf(input: NodeJS.ReadableStream, sizer: ChunkSizer): AsyncGenerator<InputChunk> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let index = 0;
  let line = 1;
  const cut = (final: boolean): { chunk: InputChunk; items: number }[] => {
    const out: { chunk: InputChunk; items: number }[] = [];
    let size = sizer.size;
    let start = 0;
    let pos = 0;
    let lines = 0;
    let items = 0;
    const take = (end: number) => {
      out.push({ chunk: { index, line, text: pending.slice(start, end) }, items });
      index += items;
      line += lines;
      start = end;
      lines = 0;
      items = 0;
      size = sizer.size;
    };
    for (;;) {
      const nl = pending.indexOf("\n", pos);
      if (nl === -1) break;
      lines++;
      if (!isBlankLine(pending, pos, nl)) items++;
      pos = nl + 1;
      if (items >= size) take(pos);
    }
    if (final) {
      if (pos < pending.length && !isBlankLine(pending, pos, pending.length)) items++;
      if (items > 0) take(pending.length);
      pending = "";
    } else pending = pending.slice(start);
    return out;
  };
  for await (const block of input as AsyncIterable<Buffer | string>) {
    pending += typeof block === "string" ? block : decoder.write(block);
    for (const { chunk, items } of cut(false)) {
      await sizer.read(items);
      yield chunk;
    }
  }
  pending += decoder.end();
  for (const { chunk } of cut(true)) yield chunk;
}

function writeFailure(failure: Failure): void {
  // A progress bar may be on the terminal's last line: clear it first (it redraws itself).
  const clear = process.stderr.isTTY ? "\r\x1b[K" : "";
  process.stderr.write(`${clear}${JSON.stringify(failure)}\n`);
}

/**
 * stdout in blocks of whole lines: fewer writes than lines when items are tiny, never a partial
 * line (an interrupted run ends after its last whole line), and at least every FLUSH_SECONDS
 * when results trickle in.
 */
class Output {
  #pending = "";
  closed = false;
  readonly #timer = setInterval(() => this.flush(), FLUSH_SECONDS * 1000).unref();

  constructor(onClosed: () => void) {
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      this.closed = true;
      onClosed();
    });
  }

  /** Whole lines, each ending in "\n". */
  text(text: string): void {
    if (text === "") return;
    this.#pending += text;
    if (this.#pending.length >= FLUSH_CHARS) this.flush();
  }

  flush(): void {
    if (this.#pending === "" || this.closed) return;
    process.stdout.write(this.#pending);
    this.#pending = "";
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
