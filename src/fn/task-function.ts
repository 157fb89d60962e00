// How a function crosses the boundary to a worker. Two ways:
//  - inline: a self-contained function (it uses only its parameters and globals) travels as
//    source text and is compiled once per worker;
//  - by module: `tasksFrom(url).name` names an export of a module, which the worker imports,
//    so the function may use imports and module state. Its types flow through to the call.

import { ClosureError } from "../errors.js";
import { compilerHelpers } from "./compiler-helpers.js";
import { ANONYMOUS_TASK, type FnSpec } from "../wire/messages.js";
import { formatCallSite, userCallSite, type CallSite } from "./call-site.js";
import { parseFunction } from "./free-variables.js";

/** Type-only key that carries a task reference's function type. */
export declare const taskSignature: unique symbol;
/** Where a task reference keeps its module URL and export name. */
export const kTaskRef: unique symbol = Symbol("multiproc.taskRef");

/** A reference to a function exported by a module, callable in workers, typed as `F`. */
export interface TaskRef<F extends (...args: never[]) => unknown> {
  readonly [kTaskRef]: { url: string; exportName: string };
  /** Carries the function's type for the type checker only; there is no value here. */
  readonly [taskSignature]?: F;
}

/** What every task-taking method accepts: an inline function or a module reference. */
export type TaskFunction<F extends (...args: never[]) => unknown> = F | TaskRef<F>;

/** The exported functions of module `M`, as task references. */
export type TaskModule<M> = {
  readonly [K in keyof M as M[K] extends (...args: never[]) => unknown ? K : never]: M[K] extends (...args: never[]) => unknown
    ? TaskRef<M[K]>
    : never;
};

/**
 * The functions exported by a module, for use as tasks: `mp.tasksFrom<typeof import("./tasks.js")>(
 * new URL("./tasks.js", import.meta.url)).square`. Each worker imports the module once (TypeScript
 * modules too) and calls the export by name. Arguments and results are type-checked against the
 * module's own signatures.
 */
export function tasksFrom<M>(moduleUrl: URL | string): TaskModule<M> {
  const url = normalizeModuleUrl(moduleUrl);
  const refs = new Map<string, TaskRef<() => unknown>>();
  return new Proxy({} as TaskModule<M>, {
    get(_target, prop) {
      if (typeof prop !== "string") return undefined;
      if (prop === "then") return undefined; // so that awaiting the object does not look like a thenable
      let ref = refs.get(prop);
      if (!ref) {
        ref = Object.freeze({ [kTaskRef]: { url, exportName: prop } }) as TaskRef<() => unknown>;
        refs.set(prop, ref);
      }
      return ref;
    },
  });
}

function normalizeModuleUrl(moduleUrl: URL | string): string {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl !== "string") {
    throw new TypeError(`tasksFrom() needs a module URL (new URL("./tasks.js", import.meta.url)), got ${typeof moduleUrl}`);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(moduleUrl)) return moduleUrl;
  if (moduleUrl.startsWith("/")) return new URL(`file://${moduleUrl}`).href;
  throw new TypeError(
    `tasksFrom("${moduleUrl}"): a relative path would be resolved inside the worker, not next to your module. ` +
      `Pass new URL("${moduleUrl}", import.meta.url) instead.`,
  );
}

export function isTaskRef(v: unknown): v is TaskRef<(...args: never[]) => unknown> {
  return typeof v === "object" && v !== null && kTaskRef in v;
}

/** A task function checked and ready to send: the spec a worker needs, and the id it is known by. */
export interface PreparedFunction {
  id: number;
  spec: FnSpec;
  /** For messages: "square" or "tasks.ts#square". */
  label: string;
}

let nextId = 1;
const byFunction = new WeakMap<object, PreparedFunction>();
const bySource = new Map<string, PreparedFunction>();
const byModule = new Map<string, PreparedFunction>();

/**
 * Check a task function and give it an id. Cached per function object and per source text, so
 * the parse happens once even when a fresh arrow is written at every call.
 * `where` names the call for error messages, e.g. "Pool.map".
 */
export function prepareFunction(fn: unknown, where: string): PreparedFunction {
  if (typeof fn === "function") {
    const cached = byFunction.get(fn);
    if (cached) return cached;
    const prepared = prepareInline(fn, where);
    byFunction.set(fn, prepared);
    return prepared;
  }
  if (isTaskRef(fn)) {
    const { url, exportName } = fn[kTaskRef];
    const key = `${url}#${exportName}`;
    let prepared = byModule.get(key);
    if (!prepared) {
      const file = url.slice(url.lastIndexOf("/") + 1);
      prepared = { id: nextId++, spec: { kind: "module", url, exportName }, label: `${file}#${exportName}` };
      byModule.set(key, prepared);
    }
    return prepared;
  }
  throw new TypeError(
    `${where}: the task must be a function or a module reference from mp.tasksFrom(), got ${describeValue(fn)}`,
  );
}

function prepareInline(fn: Function, where: string): PreparedFunction {
  const source = Function.prototype.toString.call(fn);
  const cached = bySource.get(source);
  if (cached) return cached;
  const label = fn.name || ANONYMOUS_TASK;
  if (isNativeSource(source)) {
    throw new TypeError(
      `${where}: "${label}" is a built-in or bound function, which cannot be sent to a worker by source. ` +
        `Wrap it in a function that calls it, or use mp.tasksFrom() for a function from a module.`,
    );
  }
  const parsed = parseFunction(source);
  if (!parsed) {
    throw new TypeError(`${where}: could not read the source of "${label}" to send it to a worker.`);
  }
  const site = userCallSite();
  const captured = capturedNames(parsed.free);
  if (captured.length > 0) {
    const names = captured.map((n) => `"${n}"`).join(", ");
    throw new ClosureError(
      `${where}: the function "${label}" uses ${names} from outside its own body. Inline task functions ` +
        `are sent to workers as source, so they may use only their parameters and globals. Pass ` +
        `${captured.length === 1 ? "that value" : "those values"} as arguments, or export the function from a ` +
        `module and pass ${moduleAdvice(site, fn.name || "name")}.`,
      captured,
    );
  }
  const spec: Extract<FnSpec, { kind: "source" }> = { kind: "source", source: parsed.expression, name: label };
  if (site) spec.site = formatCallSite(site);
  const prepared: PreparedFunction = { id: nextId++, spec, label };
  bySource.set(source, prepared);
  return prepared;
}

/**
 * How to name a task module's export, in the caller's own language: TypeScript callers get the
 * typed form, JavaScript ones the form that runs as written (CommonJS has no import.meta).
 */
function moduleAdvice(site: CallSite | undefined, exportName: string): string {
  const file = site?.file ?? "";
  if (/\.c(?:js|jsx)$/.test(file)) return `mp.tasksFrom(require.resolve("./tasks.js")).${exportName}`;
  if (/\.m?jsx?$/.test(file)) return `mp.tasksFrom(new URL("./tasks.js", import.meta.url)).${exportName}`;
  return `mp.tasksFrom<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url)).${exportName}`;
}

/** Whether a function's source is `{ [native code] }`: a built-in or bound function, which has no source to send. */
export function isNativeSource(source: string): boolean {
  return /\{\s*\[native code\]\s*\}\s*$/.test(source);
}

/** Of the free names of a function's source, those a worker would lack: all but the globals and the compilers' helpers. */
export function capturedNames(free: ReadonlySet<string>): string[] {
  return [...free].filter((name) => !isProvidedInWorkers(name)).sort();
}

/** Globals, plus the helpers that compilers (tsx, tsc) call from function source, which workers supply. */
function isProvidedInWorkers(name: string): boolean {
  return Object.hasOwn(compilerHelpers, name) || name in globalThis;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? `an object (${Object.prototype.toString.call(v)})` : `${typeof v} ${String(v)}`;
}
