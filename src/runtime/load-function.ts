// Inside a worker: turn a function spec back into a function. Inline source is compiled once
// and cached by the caller; modules are imported once (TypeScript ones through tsx, loaded
// only when a task needs it, since loading it costs a worker about a quarter second).

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { FnSpec } from "../wire/messages.js";
import { compilerHelpers } from "./compiler-helpers.js";
import { registerTsx } from "./esbuild-restart.js";

type AnyFunction = (...args: unknown[]) => unknown;

const helperNames = Object.keys(compilerHelpers);
const helpers = Object.values(compilerHelpers);

export function compileSource(spec: Extract<FnSpec, { kind: "source" }>): AnyFunction {
  const fn = new Function(...helperNames, `"use strict"; return ${spec.source};`)(...helpers) as unknown;
  if (typeof fn !== "function") throw new TypeError(`The source of "${spec.name}" did not evaluate to a function`);
  return fn as AnyFunction;
}

export async function importFunction(spec: Extract<FnSpec, { kind: "module" }>): Promise<AnyFunction> {
  const mod = (await importModule(spec.url)) as Record<string, unknown>;
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
  if (TS_FILE.test(new URL(url).pathname)) await (tsLoader ??= registerTypeScript(url));
  return import(url);
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
