// Inside a worker: turn a function spec back into a function. Inline source is compiled once
// and cached by the caller; modules are imported once (TypeScript ones through tsx, loaded
// only when a task needs it, since loading it costs a worker about a quarter second).

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { ANONYMOUS_TASK, type FnSpec } from "../wire/messages.js";
import { compilerHelpers } from "./compiler-helpers.js";
import { registerTsx } from "./esbuild-restart.js";

type AnyFunction = (...args: unknown[]) => unknown;

const helperNames = Object.keys(compilerHelpers);
const helpers = Object.values(compilerHelpers);

/**
 * Compile an inline task's source. The function gets its name (an anonymous arrow passed as
 * `square` is named "square" by the property it is defined in) and a `//# sourceURL` that says
 * which task it is and where the caller passed it, so a frame of its stack reads
 * `at square (multiproc:inline-task/square@/app/main.ts:12:20:1:31)` (the last two numbers are
 * the line and column inside the function's own source) instead of `eval at compileSource`.
 */
export function compileSource(spec: Extract<FnSpec, { kind: "source" }>): AnyFunction {
  const name = JSON.stringify(spec.name === ANONYMOUS_TASK ? "inlineTask" : spec.name);
  const code =
    `(function (${helperNames.join(", ")}) { "use strict"; return ({ ${name}: (${spec.source}\n) })[${name}]; })\n` +
    `//# sourceURL=${sourceURL(spec)}`;
  const fn = (0, eval)(code)(...helpers) as unknown;
  if (typeof fn !== "function") throw new TypeError(`The source of "${spec.name}" did not evaluate to a function`);
  return fn as AnyFunction;
}

/** One token without whitespace (V8 ignores a sourceURL that has any). */
function sourceURL(spec: Extract<FnSpec, { kind: "source" }>): string {
  const task = /^[\w$.-]+$/.test(spec.name) ? spec.name : "inlineTask";
  return `multiproc:inline-task/${task}${spec.site ? `@${spec.site.replace(/\s/g, "%20")}` : ""}`;
}

/** The task modules imported here, by URL: where an error's class is looked up (wire/errors.ts). */
const taskModules = new Map<string, Record<string, unknown>>();

/** The loaded task module and export name under which `value` is exported, if any. */
export function taskModuleExportOf(value: unknown): { url: string; exportName: string } | undefined {
  for (const [url, mod] of taskModules) {
    for (const exportName of Object.keys(mod)) if (mod[exportName] === value) return { url, exportName };
  }
  return undefined;
}

export async function importFunction(spec: Extract<FnSpec, { kind: "module" }>): Promise<AnyFunction> {
  const mod = (await importModule(spec.url)) as Record<string, unknown>;
  taskModules.set(spec.url, mod);
  const fn = mod[spec.exportName];
  if (typeof fn !== "function") {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === "function");
    const what = fn === undefined ? `has no exported function "${spec.exportName}"` : `exports "${spec.exportName}" as ${fn === null ? "null" : `a ${typeof fn}`}, not a function`;
    throw new TypeError(
      `${spec.url} ${what}` +
        (exported.length ? ` (its exported functions: ${exported.join(", ")})` : " (it exports no functions)"),
    );
  }
  return fn as AnyFunction;
}

export function loadFunction(spec: FnSpec): AnyFunction | Promise<AnyFunction> {
  return spec.kind === "source" ? compileSource(spec) : importFunction(spec);
}

const TS_FILE = /\.[cm]?tsx?$/;
let tsLoader: Promise<void> | null = null;

async function importModule(url: string): Promise<unknown> {
  if (!TS_FILE.test(new URL(url).pathname)) return import(url);
  await (tsLoader ??= registerTypeScript(url));
  try {
    return await import(url);
  } catch (error) {
    throw withTsxHint(error, url);
  }
}

/**
 * Node.js's own type stripping (22.6+, no tsx found) runs only erasable syntax: an enum, a
 * namespace or a parameter property fails with ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX, which does not
 * say what to do. Say it, on the same error.
 */
export function withTsxHint(error: unknown, url: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (!(error instanceof Error) || (code !== "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX" && code !== "ERR_INVALID_TYPESCRIPT_SYNTAX")) return error;
  const hint =
    ` (in the task module ${url}). Node.js ${process.versions.node} strips types itself and runs only erasable ` +
    `TypeScript; enums, namespaces and parameter properties need tsx: npm install --save-dev tsx, and multiproc ` +
    `loads task modules through it.`;
  const first = `${error.name}: ${error.message}`;
  error.message += hint;
  if (error.stack?.startsWith(first)) error.stack = `${error.name}: ${error.message}${error.stack.slice(first.length)}`;
  return error;
}

/** Prefer the tsx the task's own project has, then ours; Node 22.6+ can strip types alone. */
async function registerTypeScript(moduleUrl: string): Promise<void> {
  const candidates: string[] = [];
  try {
    candidates.push(pathToFileURL(createRequire(moduleUrl).resolve("tsx/esm/api")).href);
  } catch {}
  try {
    candidates.push(import.meta.resolve("tsx/esm/api"));
  } catch {}
  for (const url of candidates) {
    try {
      const api = (await import(url)) as { register?: () => unknown };
      if (typeof api.register === "function") {
        registerTsx(url, api.register);
        return;
      }
    } catch {}
  }
  const features = process.features as { typescript?: unknown };
  if (features.typescript) return;
  throw new Error(
    `Loading the TypeScript task module ${moduleUrl} in a worker needs tsx on Node.js ${process.versions.node}: ` +
      `npm install --save-dev tsx (or compile the module to JavaScript, or use Node.js 22.6+).`,
  );
}
