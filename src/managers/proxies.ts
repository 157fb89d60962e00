// The proxies of SyncManager's types, typed: what Python's DictProxy, ListProxy,
// NamespaceProxy, AcquirerProxy, ... offer, with every call async. Each maps to the methods of
// its servant in the manager (dict-servant.ts, list-servant.ts, ...).

import type { TaskFunction } from "../fn/task-function.js";
import { encodeFunctions } from "./client.js";
import { BaseProxy, setProxyClass } from "./proxy.js";

/** A call whose arguments hold functions (a sort key, a Pool task), sent by source or module reference. */
function callWithFunctions(proxy: BaseProxy, method: string, args: unknown[]): Promise<unknown> {
  try {
    return proxy._callMethod(method, encodeFunctions(args, method));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Options of a blocking call on a managed object: Python's block and timeout (seconds). */
export interface BlockOptions {
  block?: boolean;
  timeout?: number | null;
}

/** Proxies of containers iterate over a copy taken when the loop starts: `for await (const x of list)`. */
abstract class CopyIterable<T> extends BaseProxy {
  abstract copyForIteration(): Promise<Iterable<T>>;
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* await this.copyForIteration();
  }
}

type DictKey = string | number | bigint | boolean | null | undefined;

/**
 * A managed dict. Keys are strings, numbers, bigints, booleans or null. What you store is
 * copied into the manager: changing an object after storing it (or after reading it) changes
 * your copy only; set it again to store the change. A proxy stored as a value stays a proxy.
 */
export class DictProxy<K extends DictKey = string, V = unknown> extends CopyIterable<K> {
  /** Python's d[key]: rejects with KeyError when the key is missing. */
  getItem(key: K): Promise<V> {
    return this._callMethod("getItem", [key]) as Promise<V>;
  }
  /** Python's d[key] = value. */
  setItem(key: K, value: V): Promise<void> {
    return this._callMethod("setItem", [key, value]) as Promise<void>;
  }
  /** Python's del d[key]: rejects with KeyError when the key is missing. */
  delItem(key: K): Promise<void> {
    return this._callMethod("delItem", [key]) as Promise<void>;
  }
  /** Python's d.get(key, default): the default (undefined if not given) when the key is missing. */
  get(key: K): Promise<V | undefined>;
  get<D>(key: K, fallback: D): Promise<V | D>;
  get(key: K, ...fallback: unknown[]): Promise<unknown> {
    return this._callMethod("get", [key, ...fallback]);
  }
  set(key: K, value: V): Promise<void> {
    return this._callMethod("set", [key, value]) as Promise<void>;
  }
  /** Map's delete: whether the key was there. */
  delete(key: K): Promise<boolean> {
    return this._callMethod("delete", [key]) as Promise<boolean>;
  }
  /** Python's `key in d`. */
  has(key: K): Promise<boolean> {
    return this._callMethod("has", [key]) as Promise<boolean>;
  }
  len(): Promise<number> {
    return this._callMethod("len") as Promise<number>;
  }
  keys(): Promise<K[]> {
    return this._callMethod("keys") as Promise<K[]>;
  }
  values(): Promise<V[]> {
    return this._callMethod("values") as Promise<V[]>;
  }
  items(): Promise<[K, V][]> {
    return this._callMethod("items") as Promise<[K, V][]>;
  }
  /** From a Map, an array of [key, value] pairs, or an object. */
  update(other: Map<K, V> | [K, V][] | Record<string, V>): Promise<void> {
    return this._callMethod("update", [other]) as Promise<void>;
  }
  /** Remove and return the value; rejects with KeyError when missing, unless a default is given. */
  pop(key: K): Promise<V>;
  pop<D>(key: K, fallback: D): Promise<V | D>;
  pop(key: K, ...fallback: unknown[]): Promise<unknown> {
    return this._callMethod("pop", [key, ...fallback]);
  }
  popitem(): Promise<[K, V]> {
    return this._callMethod("popitem") as Promise<[K, V]>;
  }
  setdefault(key: K, fallback?: V): Promise<V> {
    return this._callMethod("setdefault", [key, fallback]) as Promise<V>;
  }
  clear(): Promise<void> {
    return this._callMethod("clear") as Promise<void>;
  }
  /** A copy of the whole dict, as a Map (Python's dict(d) / d.copy()). */
  copy(): Promise<Map<K, V>> {
    return this._callMethod("copy") as Promise<Map<K, V>>;
  }
  /** The keys, as iterating over a dict gives them. */
  async copyForIteration(): Promise<Iterable<K>> {
    return this.keys();
  }
}

/** A managed list (Python's ListProxy). Indices may be negative, as in Python. Stored values are copies; proxies stay proxies. */
export class ListProxy<T = unknown> extends CopyIterable<T> {
  /** Python's l[i]: rejects with IndexError out of range. */
  getItem(i: number): Promise<T> {
    return this._callMethod("getItem", [i]) as Promise<T>;
  }
  setItem(i: number, value: T): Promise<void> {
    return this._callMethod("setItem", [i, value]) as Promise<void>;
  }
  delItem(i: number): Promise<void> {
    return this._callMethod("delItem", [i]) as Promise<void>;
  }
  /** getItem(), as mp.Array names it. */
  get(i: number): Promise<T> {
    return this.getItem(i);
  }
  set(i: number, value: T): Promise<void> {
    return this.setItem(i, value);
  }
  len(): Promise<number> {
    return this._callMethod("len") as Promise<number>;
  }
  append(value: T): Promise<void> {
    return this._callMethod("append", [value]) as Promise<void>;
  }
  extend(values: T[]): Promise<void> {
    return this._callMethod("extend", [values]) as Promise<void>;
  }
  insert(i: number, value: T): Promise<void> {
    return this._callMethod("insert", [i, value]) as Promise<void>;
  }
  pop(i?: number): Promise<T> {
    return this._callMethod("pop", i === undefined ? [] : [i]) as Promise<T>;
  }
  /** Remove the first item equal (by value) to `value`; rejects with ValueError if none is. */
  remove(value: T): Promise<void> {
    return this._callMethod("remove", [value]) as Promise<void>;
  }
  index(value: T, start?: number, stop?: number): Promise<number> {
    return this._callMethod("index", [value, start ?? null, stop ?? null]) as Promise<number>;
  }
  count(value: T): Promise<number> {
    return this._callMethod("count", [value]) as Promise<number>;
  }
  /** Python's sort(key, reverse). `key` runs in the manager: an inline self-contained function (sent as source). */
  sort(options: { key?: (item: T) => unknown; reverse?: boolean } = {}): Promise<void> {
    return callWithFunctions(this, "sort", [options.key ?? null, options.reverse ?? false]) as Promise<void>;
  }
  reverse(): Promise<void> {
    return this._callMethod("reverse") as Promise<void>;
  }
  clear(): Promise<void> {
    return this._callMethod("clear") as Promise<void>;
  }
  /** Python's l[start:stop]. */
  slice(start?: number, stop?: number): Promise<T[]> {
    return this._callMethod("slice", [start ?? null, stop ?? null]) as Promise<T[]>;
  }
  /** A copy of the whole list (Python's list(l) / l[:]). */
  copy(): Promise<T[]> {
    return this._callMethod("copy") as Promise<T[]>;
  }
  copyForIteration(): Promise<Iterable<T>> {
    return this.copy();
  }
}

/** A managed Namespace: `await ns.get("x")`, `await ns.set("x", 1)`. */
export class NamespaceProxy<T extends Record<string, unknown> = Record<string, unknown>> extends BaseProxy {
  /** The attribute; rejects with AttributeError when it is missing, unless a default is given. */
  get<K extends keyof T & string>(name: K, ...fallback: [T[K]?]): Promise<T[K]> {
    return this._callMethod("get", [name, ...fallback]) as Promise<T[K]>;
  }
  set<K extends keyof T & string>(name: K, value: T[K]): Promise<void> {
    return this._callMethod("set", [name, value]) as Promise<void>;
  }
  delete(name: keyof T & string): Promise<void> {
    return this._callMethod("delete", [name]) as Promise<void>;
  }
  has(name: string): Promise<boolean> {
    return this._callMethod("has", [name]) as Promise<boolean>;
  }
  /** A copy of every attribute. */
  toObject(): Promise<T> {
    return this._callMethod("toObject") as Promise<T>;
  }
}

/** A managed queue (Python's queue.Queue in the manager). */
export class QueueProxy<T = unknown> extends BaseProxy {
  /** Rejects with mp.Full when the queue stays full past `timeout` (or at once with block: false). */
  put(item: T, options: BlockOptions = {}): Promise<void> {
    return this._callMethod("put", [item, options.block ?? true, options.timeout ?? null]) as Promise<void>;
  }
  /** Rejects with mp.Empty when nothing comes within `timeout` (or at once with block: false). */
  get(options: BlockOptions = {}): Promise<T> {
    return this._callMethod("get", [options.block ?? true, options.timeout ?? null]) as Promise<T>;
  }
  putNowait(item: T): Promise<void> {
    return this._callMethod("putNowait", [item]) as Promise<void>;
  }
  getNowait(): Promise<T> {
    return this._callMethod("getNowait") as Promise<T>;
  }
  qsize(): Promise<number> {
    return this._callMethod("qsize") as Promise<number>;
  }
  empty(): Promise<boolean> {
    return this._callMethod("empty") as Promise<boolean>;
  }
  full(): Promise<boolean> {
    return this._callMethod("full") as Promise<boolean>;
  }
}

export class JoinableQueueProxy<T = unknown> extends QueueProxy<T> {
  taskDone(): Promise<void> {
    return this._callMethod("taskDone") as Promise<void>;
  }
  /** Resolve once every item put has been marked done. */
  join(timeout?: number | null): Promise<void> {
    return this._callMethod("join", [timeout ?? null]) as Promise<void>;
  }
  unfinishedTasks(): Promise<number> {
    return this._callMethod("unfinishedTasks") as Promise<number>;
  }
}

/** Python's AcquirerProxy: a managed Lock, RLock, Semaphore or BoundedSemaphore. */
export class AcquirerProxy extends BaseProxy {
  /** true once acquired; false when `timeout` passed first (or at once with block: false). */
  acquire(options: BlockOptions = {}): Promise<boolean> {
    return this._callMethod("acquire", [options.block ?? true, options.timeout ?? null]) as Promise<boolean>;
  }
  release(): Promise<void> {
    return this._callMethod("release") as Promise<void>;
  }
  /** `await using held = await lock.hold()`: acquired now, released when the block ends. */
  async hold(): Promise<AsyncDisposable> {
    await this.acquire();
    return { [Symbol.asyncDispose]: () => this.release() };
  }
  /** Python's `with lock:` — run fn holding it, release on every path. */
  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}

export class LockProxy extends AcquirerProxy {
  locked(): Promise<boolean> {
    return this._callMethod("locked") as Promise<boolean>;
  }
}

export class SemaphoreProxy extends AcquirerProxy {
  override release(n = 1): Promise<void> {
    return this._callMethod("release", [n]) as Promise<void>;
  }
  getValue(): Promise<number> {
    return this._callMethod("getValue") as Promise<number>;
  }
}

export class ConditionProxy extends AcquirerProxy {
  /** Release the lock, wait for a notify or `timeout` seconds, take it back; false if it timed out. */
  wait(timeout?: number | null): Promise<boolean> {
    return this._callMethod("wait", [timeout ?? null]) as Promise<boolean>;
  }
  notify(n = 1): Promise<void> {
    return this._callMethod("notify", [n]) as Promise<void>;
  }
  notifyAll(): Promise<void> {
    return this._callMethod("notifyAll") as Promise<void>;
  }
  /** Wait until `predicate()` (run here, as Python's proxy runs it) is truthy, or `timeout` passes; its last result. */
  async waitFor<R>(predicate: () => R | Promise<R>, timeout?: number | null): Promise<R> {
    const deadline = timeout === undefined || timeout === null ? null : performance.now() + timeout * 1000;
    let result = await predicate();
    while (!result) {
      const left = deadline === null ? null : (deadline - performance.now()) / 1000;
      if (left !== null && left <= 0) break;
      await this.wait(left);
      result = await predicate();
    }
    return result;
  }
}

export class EventProxy extends BaseProxy {
  isSet(): Promise<boolean> {
    return this._callMethod("isSet") as Promise<boolean>;
  }
  set(): Promise<void> {
    return this._callMethod("set") as Promise<void>;
  }
  clear(): Promise<void> {
    return this._callMethod("clear") as Promise<void>;
  }
  /** true once set; false if `timeout` seconds passed first. */
  wait(timeout?: number | null): Promise<boolean> {
    return this._callMethod("wait", [timeout ?? null]) as Promise<boolean>;
  }
}

export class BarrierProxy extends BaseProxy {
  /** Resolves with this caller's arrival index once all parties are in; rejects with BrokenBarrierError. */
  wait(timeout?: number | null): Promise<number> {
    return this._callMethod("wait", [timeout ?? null]) as Promise<number>;
  }
  abort(): Promise<void> {
    return this._callMethod("abort") as Promise<void>;
  }
  reset(): Promise<void> {
    return this._callMethod("reset") as Promise<void>;
  }
  parties(): Promise<number> {
    return this._callMethod("parties") as Promise<number>;
  }
  nWaiting(): Promise<number> {
    return this._callMethod("nWaiting") as Promise<number>;
  }
  broken(): Promise<boolean> {
    return this._callMethod("broken") as Promise<boolean>;
  }
}

/** A managed Value (Python's ValueProxy): `await v.get()`, `await v.set(x)`. */
export class ValueProxy<T = unknown> extends BaseProxy {
  get(): Promise<T> {
    return this._callMethod("get") as Promise<T>;
  }
  set(value: T): Promise<void> {
    return this._callMethod("set", [value]) as Promise<void>;
  }
}

/** A managed Array (Python's ArrayProxy). */
export class ArrayProxy<T = unknown> extends CopyIterable<T> {
  len(): Promise<number> {
    return this._callMethod("len") as Promise<number>;
  }
  get(i: number): Promise<T> {
    return this._callMethod("getItem", [i]) as Promise<T>;
  }
  set(i: number, value: T): Promise<void> {
    return this._callMethod("setItem", [i, value]) as Promise<void>;
  }
  getItem(i: number): Promise<T> {
    return this.get(i);
  }
  setItem(i: number, value: T): Promise<void> {
    return this.set(i, value);
  }
  toArray(): Promise<T[]> {
    return this._callMethod("toArray") as Promise<T[]>;
  }
  copyForIteration(): Promise<Iterable<T>> {
    return this.toArray();
  }
}

/** Options of a manager Pool's imap/imapUnordered. */
export interface IMapProxyOptions {
  chunksize?: number;
  /** Results asked for ahead of the one being read (calls in flight to the manager); default 8. */
  readAhead?: number;
}

/**
 * Reads an imap's results from the iterator the manager keeps (Python's IteratorProxy), keeping
 * up to `readAhead` next() calls in flight so that results flow while the reader works on one.
 */
async function* streamResults(iterator: Promise<unknown>, readAhead = 8): AsyncGenerator<unknown> {
  if (!Number.isInteger(readAhead) || readAhead < 1) throw new RangeError(`imap: readAhead must be an integer >= 1, got ${readAhead}`);
  const it = (await iterator) as BaseProxy;
  const inFlight: Promise<[boolean, unknown]>[] = [];
  let ended = false;
  let finished = false;
  const ask = () => {
    while (!ended && inFlight.length < readAhead) {
      const next = it._callMethod("next") as Promise<[boolean, unknown]>;
      next.catch(() => {}); // read (and thrown) in order below; the ones after an error are not read
      inFlight.push(next);
    }
  };
  try {
    for (;;) {
      ask();
      const [done, value] = await inFlight.shift()!;
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    ended = true;
    // The reader stopped early (break, or an error): the manager's iterator stops waiting too.
    if (!finished) void it._callMethod("close").catch(() => {});
  }
}

/** A Pool living in the manager (Python's Manager().Pool()). Functions travel as for mp.Pool. */
export class PoolProxy extends BaseProxy {
  apply<A extends unknown[], R>(fn: TaskFunction<(...args: A) => R>, args: A = [] as unknown as A): Promise<Awaited<R>> {
    return callWithFunctions(this, "apply", [fn, args]) as Promise<Awaited<R>>;
  }
  map<T, R>(fn: TaskFunction<(item: T) => R>, items: Iterable<T>, options: { chunksize?: number } = {}): Promise<Awaited<R>[]> {
    return callWithFunctions(this, "map", [fn, [...items], options.chunksize ?? null]) as Promise<Awaited<R>[]>;
  }
  starmap<A extends unknown[], R>(fn: TaskFunction<(...args: A) => R>, items: Iterable<A>, options: { chunksize?: number } = {}): Promise<Awaited<R>[]> {
    return callWithFunctions(this, "starmap", [fn, [...items], options.chunksize ?? null]) as Promise<Awaited<R>[]>;
  }
  /** The results in order, each handed over as soon as it (and those before it) is ready. */
  imap<T, R>(fn: TaskFunction<(item: T) => R>, items: Iterable<T>, options: IMapProxyOptions = {}): AsyncGenerator<Awaited<R>> {
    return streamResults(callWithFunctions(this, "imap", [fn, [...items], options.chunksize ?? null]), options.readAhead) as AsyncGenerator<Awaited<R>>;
  }
  /** The results in completion order, each handed over as soon as it is ready. */
  imapUnordered<T, R>(fn: TaskFunction<(item: T) => R>, items: Iterable<T>, options: IMapProxyOptions = {}): AsyncGenerator<Awaited<R>> {
    return streamResults(callWithFunctions(this, "imapUnordered", [fn, [...items], options.chunksize ?? null]), options.readAhead) as AsyncGenerator<Awaited<R>>;
  }
  close(): Promise<void> {
    return this._callMethod("close") as Promise<void>;
  }
  terminate(): Promise<void> {
    return this._callMethod("terminate") as Promise<void>;
  }
  join(): Promise<void> {
    return this._callMethod("join") as Promise<void>;
  }
}

const builtins: Record<string, new (...args: ConstructorParameters<typeof BaseProxy>) => BaseProxy> = {
  dict: DictProxy,
  list: ListProxy,
  Namespace: NamespaceProxy,
  Queue: QueueProxy,
  JoinableQueue: JoinableQueueProxy,
  Lock: LockProxy,
  RLock: AcquirerProxy,
  Semaphore: SemaphoreProxy,
  BoundedSemaphore: SemaphoreProxy,
  Condition: ConditionProxy,
  Event: EventProxy,
  Barrier: BarrierProxy,
  Value: ValueProxy,
  Array: ArrayProxy,
  Pool: PoolProxy,
};
for (const [typeid, cls] of Object.entries(builtins)) setProxyClass(typeid, cls);
