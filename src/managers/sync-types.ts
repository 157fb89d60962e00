// The types a SyncManager (and a SharedMemoryManager) serves, by typeid, as the server makes them: Python's
// SyncManager.register() calls for dict, list, Namespace, Queue, ..., Pool.

import type { ContextName } from "../backends/backend.js";
import { DictServant } from "./dict-servant.js";
import { ListServant } from "./list-servant.js";
import { PoolServant } from "./pool-servant.js";
import { SharedMemoryTracker } from "./shared-memory-tracker.js";
import { JoinableQueueServant, QueueServant } from "./queue-servant.js";
import type { ServedType } from "./server.js";
import { BarrierServant, ConditionServant, EventServant, LockServant, SemaphoreServant } from "./sync-servants.js";
import { ArrayServant, NamespaceServant, ValueServant } from "./value-servants.js";

/** Typeids SyncManager registers. */
export const SYNC_TYPEIDS = [
  "dict", "list", "Namespace", "Queue", "JoinableQueue", "Lock", "RLock", "Semaphore", "BoundedSemaphore",
  "Condition", "Event", "Barrier", "Value", "Array", "Pool",
] as const;
export type SyncTypeid = (typeof SYNC_TYPEIDS)[number];
/** Every type a server makes by name: SyncManager's and SharedMemoryManager's tracker. */
export type BuiltinTypeid = SyncTypeid | "SharedMemoryTracker";

/**
 * The served types. `local` turns a proxy of this same server, received as an argument, into
 * the object behind it (Condition(lock) takes the managed Lock itself); `context` is where the
 * manager's Pool runs its workers.
 */
export function builtinTypes(context: ContextName, local: (value: unknown) => unknown): ServedType[] {
  const make: Record<BuiltinTypeid, (...args: never[]) => unknown> = {
    dict: (init?: unknown) => new DictServant(init),
    list: (init?: unknown) => new ListServant(init),
    Namespace: (init?: Record<string, unknown>) => new NamespaceServant(init),
    Queue: (maxsize?: number) => new QueueServant(maxsize ?? 0),
    JoinableQueue: (maxsize?: number) => new JoinableQueueServant(maxsize ?? 0),
    Lock: () => new LockServant(false),
    RLock: () => new LockServant(true),
    Semaphore: (value?: number) => new SemaphoreServant(value ?? 1, false),
    BoundedSemaphore: (value?: number) => new SemaphoreServant(value ?? 1, true),
    Condition: (lock?: unknown) => {
      const held = lock === undefined || lock === null ? undefined : local(lock);
      if (held !== undefined && !(held instanceof LockServant)) throw new TypeError("Condition: lock must be a Lock or RLock of this manager");
      return new ConditionServant(held);
    },
    Event: () => new EventServant(),
    Barrier: (parties: number, timeout?: number | null) => new BarrierServant(parties, timeout ?? null),
    Value: (typecode: string, value: unknown) => new ValueServant(typecode, value),
    Array: (typecode: string, init: unknown) => new ArrayServant(typecode, init),
    Pool: (processes?: number | null, initializer?: never, initargs?: unknown[] | null, maxTasksPerChild?: number | null) =>
      new PoolServant(context, processes, initializer, initargs, maxTasksPerChild),
    SharedMemoryTracker: () => new SharedMemoryTracker(),
  };
  // A Pool's imap results stay in the manager as an iterator, read through a proxy (Python's IteratorProxy).
  const methodToTypeid: Partial<Record<BuiltinTypeid, Record<string, string>>> = { Pool: { imap: "Iterator", imapUnordered: "Iterator" } };
  return Object.entries(make).map(([typeid, create]) => ({ typeid, create, methodToTypeid: methodToTypeid[typeid as BuiltinTypeid] ?? null }));
}
