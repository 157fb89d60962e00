// Python's SyncManager, what multiprocessing.Manager() returns: a manager of dicts, lists,
// namespaces, queues, locks and the rest, each reached through a typed proxy.

import type { TaskFunction } from "../fn/task-function.js";
import type { Typecode } from "../values/typecodes.js";
import { BaseManager, type ManagerOptions } from "./base-manager.js";
import {
  AcquirerProxy,
  ArrayProxy,
  BarrierProxy,
  ConditionProxy,
  DictProxy,
  EventProxy,
  JoinableQueueProxy,
  ListProxy,
  LockProxy,
  NamespaceProxy,
  PoolProxy,
  QueueProxy,
  SemaphoreProxy,
  ValueProxy,
} from "./proxies.js";
import { SYNC_TYPEIDS } from "./sync-types.js";

/** Python's SyncManager (what mp.Manager() starts): dicts, lists, namespaces, queues, locks and the rest, through proxies. */
export class SyncManager extends BaseManager {
  static {
    for (const typeid of SYNC_TYPEIDS) this.registerBuiltin(typeid);
  }

  /** A managed dict, empty or from a Map, an array of [key, value] pairs or an object. */
  dict<K extends string | number | bigint | boolean | null = string, V = unknown>(init?: Map<K, V> | [K, V][] | Record<string, V>): Promise<DictProxy<K, V>> {
    return this.create("dict", ...(init === undefined ? [] : [init]));
  }

  list<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> {
    return this.create("list", ...(init === undefined ? [] : [[...init]]));
  }

  Namespace<T extends Record<string, unknown> = Record<string, unknown>>(init?: Partial<T>): Promise<NamespaceProxy<T>> {
    return this.create("Namespace", ...(init === undefined ? [] : [init]));
  }

  Queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create("Queue", maxsize);
  }

  JoinableQueue<T = unknown>(maxsize = 0): Promise<JoinableQueueProxy<T>> {
    return this.create("JoinableQueue", maxsize);
  }

  Lock(): Promise<LockProxy> {
    return this.create("Lock");
  }

  RLock(): Promise<AcquirerProxy> {
    return this.create("RLock");
  }

  Semaphore(value = 1): Promise<SemaphoreProxy> {
    return this.create("Semaphore", value);
  }

  BoundedSemaphore(value = 1): Promise<SemaphoreProxy> {
    return this.create("BoundedSemaphore", value);
  }

  /** A managed Condition over `lock` (a Lock or RLock of this manager), or over an RLock of its own. */
  Condition(lock?: AcquirerProxy): Promise<ConditionProxy> {
    return this.create("Condition", ...(lock === undefined ? [] : [lock]));
  }

  Event(): Promise<EventProxy> {
    return this.create("Event");
  }

  /** A managed Barrier (Python's threading.Barrier; `timeout` is the default of each wait). */
  Barrier(parties: number, timeout?: number | null): Promise<BarrierProxy> {
    return this.create("Barrier", parties, timeout ?? null);
  }

  /** A managed Value (a holder in the manager, not shared memory): known type codes are checked as mp.Value checks them. */
  Value<T = unknown>(typecode: Typecode | string, value: T): Promise<ValueProxy<T>> {
    return this.create("Value", typecode, value);
  }

  Array<T = unknown>(typecode: Typecode | string, sizeOrInit: number | Iterable<T>): Promise<ArrayProxy<T>> {
    return this.create("Array", typecode, typeof sizeOrInit === "number" ? sizeOrInit : [...sizeOrInit]);
  }

  /** A Pool in the manager, its workers the manager's children. */
  Pool(
    processes?: number,
    initializer?: TaskFunction<(...args: never[]) => unknown>,
    initargs?: unknown[],
    maxTasksPerChild?: number,
  ): Promise<PoolProxy> {
    return this.create("Pool", processes ?? null, initializer ?? null, initargs ?? null, maxTasksPerChild ?? null);
  }
}

/**
 * Python's multiprocessing.Manager(): a started SyncManager. `await using manager = await mp.Manager()`
 * shuts it down when the block ends.
 */
export async function Manager(options?: ManagerOptions): Promise<SyncManager> {
  return new SyncManager(options).start();
}
