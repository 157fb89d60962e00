// What the workers of `multiproc map` run: the pool's initializer imports the user's export once
// per worker (TypeScript modules too, through the worker's own loader), and each input line is
// parsed, passed to it and its result written as JSON here, in the workers, in parallel. A
// failure (bad JSON, a throw, a result JSON cannot write) comes back as a record, not a throw,
// so that one bad item does not end the run unless the parent decides so.

import { performance } from "node:perf_hooks";
import { importFunction } from "../fn/load-function.js";

/** One input line: its index among the items, its 1-based line number, its text. */
type InputLine = [index: number, line: number, text: string];

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

/**
 * A run of input lines as the parent cut it: their text (blank lines included, each ending in
 * "\n" but perhaps the last), the line number of the first, and the index of its first
 * non-blank line among all items. One string, not an array of lines: one object to copy.
 */
export interface InputChunk {
  index: number;
  line: number;
  text: string;
}

/** What a chunk gives back: the results' lines as one text, each failure with where it falls in that text. */
export interface ChunkOutcome {
  results: string;
  failures: (Failure & { after: number })[];
  /** Non-blank lines in the chunk. */
  items: number;
  /** How long the chunk took here, for the parent's chunk sizes. */
  ms: number;
}

/** Whether text[start, end) holds only spaces, tabs and "\r". */
export function isBlankLine(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** The lines of a chunk, one after the other (an async export's promises are awaited in turn). */
export async function callChunk({ index, line, text }: InputChunk): Promise<ChunkOutcome> {
  const started = performance.now();
  let results = "";
  const failures: ChunkOutcome["failures"] = [];
  let items = 0;
  for (let pos = 0, lineNo = line; pos < text.length; lineNo++) {
    let nl = text.indexOf("\n", pos);
    if (nl === -1) nl = text.length;
    const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const start = pos;
    pos = nl + 1;
    if (isBlankLine(text, start, end)) continue;
    let outcome = callLine([index + items, lineNo, text.slice(start, end)]);
    if (typeof outcome === "object" && outcome instanceof Promise) outcome = await outcome;
    if (typeof outcome === "string") results += `${outcome}\n`;
    else failures.push({ ...outcome, after: results.length });
    items++;
  }
  return { results, failures, items, ms: performance.now() - started };
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
