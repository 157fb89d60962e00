// tsx turns TypeScript into JavaScript in esbuild's service: a child process of the worker (of
// the parent, for a thread worker), so a member of the terminal's foreground process group.
// Ctrl-C sends SIGINT to that whole group: a worker ignores it (the parent decides what it
// means), but the service dies, and esbuild never starts another by itself: the load it was
// doing fails with "TransformError: The service was stopped", every later one with "The service
// is no longer running". A parent that handles SIGINT and goes on would be left with workers
// that cannot load TypeScript.
//
// This module is a load hook chained after tsx's own. When a load fails because the service is
// gone, it calls esbuild's stop() (which forgets the dead service) and loads again: esbuild
// starts a fresh service, which the Ctrl-C already delivered cannot reach.
//
// The hook must run where tsx's esbuild lives: tsx registers its hooks with module.register()
// (they run on Node's hooks thread: this file is loaded there as a hooks module, and told
// esbuild's path by initialize()) or, on newer Node, with module.registerHooks() (they run on
// the loading thread itself: then so does this hook, as loadSync).

import module, { createRequire, type LoadHook } from "node:module";

const SERVICE_GONE = /The service (?:was stopped|is no longer running)/;
/** Tries to load one module: another Ctrl-C may stop the fresh service too, but not forever. */
const ATTEMPTS = 3;

let esbuildPath: string | undefined;
/** Bumped by each restart: loads that failed on a service already replaced just load again. */
let generation = 0;

export function initialize(data: { esbuildPath: string }): void {
  esbuildPath = data.esbuildPath;
}

/** Whether to load again after `error`, thrown by attempt `attempt` of a load that began in `seen`. */
function restarted(error: unknown, seen: number, attempt: number): boolean {
  if (!esbuildPath || attempt >= ATTEMPTS) return false;
  if (!SERVICE_GONE.test(error instanceof Error ? error.message : String(error))) return false;
  if (seen === generation) {
    // Only the first load to fail stops the old service: a second stop() would kill the new one
    // under loads already sent to it.
    generation++;
    (createRequire(import.meta.url)(esbuildPath) as { stop(): unknown }).stop();
  }
  return true;
}

/** `next()`, again after a restart if esbuild's service was gone; `next` returns a result or a Promise of one. */
function withRestart<T>(next: () => T, attempt = 1): T {
  const seen = generation;
  const retry = (error: unknown): T => {
    if (!restarted(error, seen, attempt)) throw error;
    return withRestart(next, attempt + 1);
  };
  let result: T;
  try {
    result = next();
  } catch (error) {
    return retry(error);
  }
  return result instanceof Promise ? (result.catch(retry) as T) : result;
}

export const load: LoadHook = (url, context, nextLoad) => withRestart(() => nextLoad(url, context));

type SyncLoadHook = (url: string, context: unknown, nextLoad: (url: string, context: unknown) => unknown) => unknown;

export const loadSync: SyncLoadHook = (url, context, nextLoad) => withRestart(() => nextLoad(url, context));

type HookApi = "register" | "registerHooks";
type NodeModule = Partial<Record<HookApi, (...args: unknown[]) => unknown>>;

/**
 * Call tsx's `register` (the export of tsx/esm/api found at `tsxApiUrl`), then chain this hook
 * after tsx's, through the same one of Node's two hook APIs that tsx chose (it picks by Node
 * version, and that choice is not exported): watch which one it calls.
 */
export function registerTsx(tsxApiUrl: string, register: () => unknown): void {
  const node = module as unknown as NodeModule;
  const originals: NodeModule = { register: node.register, registerHooks: node.registerHooks };
  let used: HookApi | undefined;
  for (const api of ["register", "registerHooks"] as const) {
    const original = originals[api];
    if (original)
      node[api] = function (this: unknown, ...args: unknown[]) {
        used ??= api;
        return original.apply(this, args);
      };
  }
  try {
    register();
  } finally {
    for (const api of ["register", "registerHooks"] as const) if (originals[api]) node[api] = originals[api];
  }
  try {
    const path = createRequire(tsxApiUrl).resolve("esbuild");
    if (used === "register") {
      module.register(new URL(import.meta.url), { data: { esbuildPath: path } });
    } else if (used === "registerHooks") {
      initialize({ esbuildPath: path });
      (node.registerHooks as (hooks: { load: SyncLoadHook }) => unknown)({ load: loadSync });
    }
  } catch {
    // No esbuild where tsx finds it (so not the tsx this file knows): TypeScript loads, without the restart.
  }
}
