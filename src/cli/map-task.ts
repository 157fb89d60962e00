// What the workers of `multiproc map` run: the pool's initializer imports the user's export once
// per worker (TypeScript modules too, through the worker's own loader), and each input line is
// parsed, passed to it and its result written as JSON here, in the workers, in parallel. A
// failure (bad JSON, a throw, a result JSON cannot write) comes back as a record, not a throw,
// so that one bad item does not end the run unless the parent decides so.

import { performance } from "node:perf_hooks";
import { importFunction } from "../runtime/load-function.js";

/** One input line: its index among the items, its 1-based line number, its text. */
export type InputLine = [index: number, line: number, text: string];

/** A failed item, as `multiproc map` writes it to stderr. */
export interface Failure {
  index: number;
  line: number;
  error: { name: string; message: string; code?: unknown };
}

/** A result line (JSON text, without the newline), or a failure. */
export type LineOutcome = string | Failure;

let fn: ((item: unknown) => unknown) | undefined;
let indexed = false;

export async function setup(url: string, exportName: string, withIndex: boolean): Promise<void> {
  fn = await importFunction({ kind: "module", url, exportName });
  indexed = withIndex;
}

/** Resolves once the initializer has run: the parent's check that the module and export load. */
export function ready(): true {
  return true;
}

/** What one chunk of lines gives back: an outcome per line, and how long they took (for the parent's chunk sizes). */
export interface ChunkOutcome {
  outcomes: LineOutcome[];
  ms: number;
}

/** The lines of a chunk, one after the other (an async export's promises are awaited in turn). */
export async function callLines(lines: InputLine[]): Promise<ChunkOutcome> {
  const started = performance.now();
  const outcomes: LineOutcome[] = [];
  for (const line of lines) {
    const outcome = callLine(line);
    outcomes.push(typeof outcome === "object" && outcome instanceof Promise ? await outcome : outcome);
  }
  return { outcomes, ms: performance.now() - started };
}

function callLine([index, line, text]: InputLine): LineOutcome | Promise<LineOutcome> {
  let item: unknown;
  try {
    item = JSON.parse(text);
  } catch (error) {
    return failure(index, line, error, `input line ${line} is not valid JSON: `);
  }
  let result: unknown;
  try {
    result = fn!(item);
  } catch (error) {
    return failure(index, line, error);
  }
  if (result instanceof Promise) return result.then((value) => toLine(index, line, value), (error: unknown) => failure(index, line, error));
  return toLine(index, line, result);
}

function toLine(index: number, line: number, value: unknown): LineOutcome {
  try {
    const json = JSON.stringify(indexed ? [index, value ?? null] : value) ?? "null";
    return json;
  } catch (error) {
    return failure(index, line, error, "the result cannot be written as JSON: ");
  }
}

function failure(index: number, line: number, error: unknown, prefix = ""): Failure {
  const e = error instanceof Error ? error : undefined;
  const out: Failure = { index, line, error: { name: e?.name ?? typeof error, message: prefix + (e ? e.message : String(error)) } };
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== undefined) out.error.code = code;
  return out;
}
