// Python's get_context(): the same API bound to one way of running workers.

import type { ContextName } from "./backends/backend.js";
import { Pool, type PoolOptions } from "./pool/pool.js";
import { Process, type ProcessOptions } from "./process.js";
import { contextName, getStartMethod } from "./start-method.js";

export interface Context {
  readonly name: ContextName;
  /** Process, running in this context. */
  readonly Process: typeof Process;
  /** Pool, running in this context. */
  readonly Pool: typeof Pool;
  getStartMethod(): ContextName;
}

const contexts = new Map<ContextName, Context>();

/** The context for "process" (child processes) or "thread" (worker_threads); the default one if no name. */
export function getContext(method?: ContextName | "spawn"): Context {
  const name = method === undefined ? getStartMethod() : contextName(method, "getContext");
  let ctx = contexts.get(name);
  if (!ctx) {
    ctx = makeContext(name);
    contexts.set(name, ctx);
  }
  return ctx;
}

function makeContext(name: ContextName): Context {
  class ContextProcess<A extends unknown[] = unknown[]> extends Process<A> {
    constructor(options: ProcessOptions<A>) {
      super({ ...options, context: name });
    }
  }
  class ContextPool extends Pool {
    constructor(processesOrOptions?: number | PoolOptions, options?: PoolOptions) {
      const opts = typeof processesOrOptions === "object" && processesOrOptions !== null ? processesOrOptions : { ...options, processes: processesOrOptions ?? options?.processes };
      super({ ...opts, context: name });
    }
  }
  return Object.freeze({ name, Process: ContextProcess, Pool: ContextPool, getStartMethod: () => name });
}
