// Where the user's code called into multiproc: the first stack frame outside this package. An
// inline task carries it to the worker (its stack frames then name the call site), and errors
// use it to speak the caller's language (JavaScript or TypeScript advice).

import { fileURLToPath } from "node:url";

/** Frames in this package's dist/ or src/ are ours: source maps (tsx, --enable-source-maps)
 * show dist/'s frames as src/ files. */
const root = fileURLToPath(new URL("../../", import.meta.url));
const ownDirs = [`${root}dist/`, `${root}src/`];
const FRAMES = 30;
/** The location at the end of a frame: "(file:///a/b.ts:12:5)", "at /a/b.cjs:3:1". */
const LOCATION = /(?:\(|at )((?:file:\/\/)?\/[^()]*):(\d+):(\d+)\)?$/;

/** A call site: the file's path, line and column. */
export interface CallSite {
  file: string;
  line: number;
  column: number;
}

/** The first frame of the current stack that is not multiproc's (nor Node.js's), or undefined. */
export function userCallSite(): CallSite | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES;
  Error.captureStackTrace(holder, userCallSite);
  Error.stackTraceLimit = limit;
  for (const frame of (holder.stack ?? "").split("\n").slice(1)) {
    const m = LOCATION.exec(frame.trim());
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (ownDirs.some((dir) => file.startsWith(dir))) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** "/app/main.ts:12:5" */
export function formatCallSite(site: CallSite): string {
  return `${site.file}:${site.line}:${site.column}`;
}
