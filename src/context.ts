// Python's get_context(): the same API bound to one way of running workers.

import type { ContextName } from "./backends/backend.js";
import { Pool, type PoolOptions } from "./pool/pool.js";
import { Process, type ProcessOptions } from "./process.js";
import { Queue, SimpleQueue, type QueueOptions } from "./shared/queue.js";
import { JoinableQueue } from "./shared/joinable-queue.js";
import { Pipe, type PipeOptions } from "./shared/pipe.js";
import { contextName, getStartMethod } from "./start-method.js";
import { contextSync, type SyncContext } from "./shared/sync-context.js";
import { callableAs } from "./callable.js";
import type * as factories from "./factories.js";

/** Also: Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier, Value, Array for this context. */
export interface Context extends SyncContext {
  readonly name: ContextName;
  /** Process, running in this context (callable with or without `new`, as every class here). */
  readonly Process: typeof factories.Process;
  /** Pool, running in this context. */
  readonly Pool: typeof factories.Pool;
  /** Queue, JoinableQueue, SimpleQueue and Pipe whose memory this context's workers share. */
  readonly Queue: typeof factories.Queue;
  readonly JoinableQueue: typeof factories.JoinableQueue;
  readonly SimpleQueue: typeof factories.SimpleQueue;
  readonly Pipe: typeof Pipe;
  getStartMethod(): ContextName;
  /** Python's ctx.get_context(): this context with no argument, else the one named. */
  getContext(method?: ContextName | "spawn"): Context;
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
    // Optional, as Process's: a subclass that overrides run() may call super() with nothing.
    constructor(options: ProcessOptions<A> = {}) {
      super(typeof options === "object" && options !== null ? { ...options, context: name } : options);
    }
  }
  class ContextPool extends Pool {
    constructor(processesOrOptions?: number | PoolOptions, options?: PoolOptions) {
      const opts = typeof processesOrOptions === "object" && processesOrOptions !== null ? processesOrOptions : { ...options, processes: processesOrOptions ?? options?.processes };
      super({ ...opts, context: name });
    }
  }
  const queues = contextQueues(name);
  const ctx: Context = Object.freeze({
    name,
    Process: callableAs<typeof factories.Process>(ContextProcess),
    Pool: callableAs<typeof factories.Pool>(ContextPool),
    ...queues,
    ...contextSync(name),
    getStartMethod: () => name,
    getContext: (method?: ContextName | "spawn"): Context => (method === undefined ? ctx : getContext(method)),
  });
  return ctx;
}

function contextQueues(name: ContextName) {
  class ContextQueue<T = unknown> extends Queue<T> {
    constructor(maxsize = 0, options?: QueueOptions) {
      super(maxsize, { ...options, context: name });
    }
  }
  class ContextJoinableQueue<T = unknown> extends JoinableQueue<T> {
    constructor(maxsize = 0, options?: QueueOptions) {
      super(maxsize, { ...options, context: name });
    }
  }
  class ContextSimpleQueue<T = unknown> extends SimpleQueue<T> {
    constructor(options?: QueueOptions) {
      super({ ...options, context: name });
    }
  }
  const ContextPipe = (<T = unknown>(duplex = true, options?: PipeOptions) => Pipe<T>(duplex, { ...options, context: name })) as typeof Pipe;
  return {
    Queue: callableAs<typeof factories.Queue>(ContextQueue),
    JoinableQueue: callableAs<typeof factories.JoinableQueue>(ContextJoinableQueue),
    SimpleQueue: callableAs<typeof factories.SimpleQueue>(ContextSimpleQueue),
    Pipe: ContextPipe,
  };
}
