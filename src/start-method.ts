// Which context new Processes, Pools and shared objects use when none is named, as Python's
// set_start_method()/get_start_method(). A leaf: it loads no backend, so that making a Lock or a
// Queue does not load the code that spawns workers (backends/registry.ts maps a name to that).

import type { ContextName } from "./backends/backend.js";
import { currentProcess } from "./current.js";

/** How a context is named where one may be given: its name, or a Context (whose `name` is read). */
export type ContextChoice = ContextName | { readonly name: ContextName };

let startMethod: ContextName | null = null;

/** The names getContext() and setStartMethod() accept. */
export function getAllStartMethods(): ContextName[] {
  return ["process", "thread"];
}

/**
 * The default context's name: what setStartMethod() set, else, in a worker, the context that
 * started it (as Python's child inherits its parent's start method), else the
 * MULTIPROC_START_METHOD environment variable, else "process".
 */
export function getStartMethod(): ContextName {
  if (startMethod !== null) return startMethod;
  const started = currentProcess().context;
  if (started !== null) return started;
  const fromEnv = process.env.MULTIPROC_START_METHOD;
  return fromEnv ? contextName(fromEnv, "MULTIPROC_START_METHOD") : "process";
}

/**
 * Set the default context, once, as in Python (a second call throws unless `force`).
 * "spawn" is accepted as Python's name for what the "process" context does.
 */
export function setStartMethod(method: ContextName | "spawn", options?: { force?: boolean }): void {
  const name = contextName(method, "setStartMethod");
  if (startMethod !== null && !options?.force) {
    throw new Error(`setStartMethod(): the start method is already set to "${startMethod}"; pass { force: true } to change it`);
  }
  startMethod = name;
}

export function contextName(method: unknown, where: string): ContextName {
  if (method === "process" || method === "thread") return method;
  if (method === "spawn") return "process";
  if (method === "fork" || method === "forkserver") {
    throw new RangeError(
      `${where}: "${method}" is not available: Node.js cannot fork a running process. Use "process" (a fresh ` +
        `Node.js process per worker, like Python's "spawn") or "thread" (worker_threads).`,
    );
  }
  throw new RangeError(`${where}: unknown context ${JSON.stringify(method)}; use "process" or "thread"`);
}

/** A context option (a name, a Context, or nothing for the default) to the context's name. */
export function contextNameOf(context: ContextChoice | undefined, where: string): ContextName {
  if (context === undefined) return getStartMethod();
  return contextName(typeof context === "object" && context !== null ? context.name : context, where);
}
