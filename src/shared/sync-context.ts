// The sync primitives and shared values bound to one context, for getContext(name): each class
// is a subclass whose objects default to that context (as ctx.Process and ctx.Pool do).

import type { ContextName } from "../backends/backend.js";
import { Barrier, barrierOptions, type BarrierOptions } from "./barrier.js";
import { Condition } from "./condition.js";
import { Event } from "./event.js";
import { Lock, RLock, type AnyLock } from "./lock.js";
import { BoundedSemaphore, Semaphore } from "./semaphore.js";
import type { ContextOption } from "./sync-base.js";
import { SharedArray } from "./array.js";
import type { TaskFunction } from "../task/task-function.js";
import type { SettableOf, Typecode, ValueOf } from "./typecodes.js";
import { Value, type SharedValueOptions } from "./value.js";
import { callableAs } from "../callable.js";
import type * as factories from "../factories.js";

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
