// Python's get_context(): the same API bound to one way of running workers. Each class here is
// a subclass whose objects default to that context: Process, Pool, the queues and Pipe, the sync
// primitives and the shared values.

import type { ContextName } from "./backends/backend.js";
import { Pool, type PoolOptions } from "./pool/pool.js";
import { Process, type ProcessOptions } from "./process.js";
import { Queue, SimpleQueue, type QueueOptions } from "./channels/queue.js";
import { JoinableQueue } from "./channels/joinable-queue.js";
import { Pipe, type PipeOptions } from "./channels/pipe.js";
import { contextName, getStartMethod } from "./start-method.js";
import { callableAs } from "./callable.js";
import type * as factories from "./factories.js";
import { Barrier, barrierOptions, type BarrierOptions } from "./sync/barrier.js";
import { Condition } from "./sync/condition.js";
import { Event } from "./sync/event.js";
import { Lock, RLock, type AnyLock } from "./sync/lock.js";
import { BoundedSemaphore, Semaphore } from "./sync/semaphore.js";
import type { ContextOption } from "./memory/shared-object.js";
import { SharedArray } from "./values/array.js";
import type { TaskFunction } from "./fn/task-function.js";
import type { SettableOf, Typecode, ValueOf } from "./values/typecodes.js";
import { Value, type SharedValueOptions } from "./values/value.js";

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

/** Each callable with or without `new`, as the public classes are (callable.ts). */
export interface SyncContext {
  readonly Lock: typeof factories.Lock;
  readonly RLock: typeof factories.RLock;
  readonly Semaphore: typeof factories.Semaphore;
  readonly BoundedSemaphore: typeof factories.BoundedSemaphore;
  readonly Condition: typeof factories.Condition;
  readonly Event: typeof factories.Event;
  readonly Barrier: typeof factories.Barrier;
  readonly Value: typeof factories.Value;
  readonly Array: typeof factories.Array;
}

export function contextSync(name: ContextName): SyncContext {
  const bind = <O extends ContextOption>(o: O | undefined): O => ({ context: name, ...o }) as O;
  const classes = {
    Lock: class extends Lock {
      constructor(o?: ContextOption) {
        super(bind(o));
      }
    },
    RLock: class extends RLock {
      constructor(o?: ContextOption) {
        super(bind(o));
      }
    },
    Semaphore: class extends Semaphore {
      constructor(value?: number, o?: ContextOption) {
        super(value, bind(o));
      }
    },
    BoundedSemaphore: class extends BoundedSemaphore {
      constructor(value?: number, o?: ContextOption) {
        super(value, bind(o));
      }
    },
    Condition: class extends Condition {
      constructor(lock?: AnyLock | null, o?: ContextOption) {
        super(lock, bind(o));
      }
    },
    Event: class extends Event {
      constructor(o?: ContextOption) {
        super(bind(o));
      }
    },
    Barrier: class extends Barrier {
      constructor(parties: number, action?: TaskFunction<() => unknown> | BarrierOptions | null, timeout?: number | null) {
        super(parties, bind(barrierOptions(action, timeout)));
      }
    },
    Value: class<T extends Typecode = Typecode> extends Value<T> {
      constructor(typecode: T, init?: ValueOf<T>, o?: SharedValueOptions) {
        super(typecode, init, bind(o));
      }
    },
    Array: class<T extends Typecode = Typecode> extends SharedArray<T> {
      constructor(typecode: T, sizeOrInit: number | Iterable<SettableOf<T>>, o?: SharedValueOptions) {
        super(typecode, sizeOrInit, bind(o));
      }
    },
  };
  return {
    Lock: callableAs<typeof factories.Lock>(classes.Lock),
    RLock: callableAs<typeof factories.RLock>(classes.RLock),
    Semaphore: callableAs<typeof factories.Semaphore>(classes.Semaphore),
    BoundedSemaphore: callableAs<typeof factories.BoundedSemaphore>(classes.BoundedSemaphore),
    Condition: callableAs<typeof factories.Condition>(classes.Condition),
    Event: callableAs<typeof factories.Event>(classes.Event),
    Barrier: callableAs<typeof factories.Barrier>(classes.Barrier),
    Value: callableAs<typeof factories.Value>(classes.Value),
    Array: callableAs<typeof factories.Array>(classes.Array),
  };
}
