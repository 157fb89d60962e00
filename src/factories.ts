// The public classes, callable with and without `new` (callable.ts), as the index exports them.
// Each is declared as `typeof Class & typeof call`: the class's own type (new, instanceof,
// subclassing, statics) and its constructor as a call, generics included (`mp.Array("i", 5)` is
// an Array<"i">), so the published types say both. A type of the same name stands for instances.

import { callable } from "./callable.js";
import { Pool as PoolClass } from "./pool/pool.js";
import { Process as ProcessClass } from "./process.js";
import { SharedArray as SharedArrayClass } from "./values/array.js";
import { Barrier as BarrierClass } from "./sync/barrier.js";
import { Condition as ConditionClass } from "./sync/condition.js";
import { Event as EventClass } from "./sync/event.js";
import { JoinableQueue as JoinableQueueClass } from "./channels/joinable-queue.js";
import { Lock as LockClass, RLock as RLockClass } from "./sync/lock.js";
import { Queue as QueueClass, SimpleQueue as SimpleQueueClass } from "./channels/queue.js";
import { BoundedSemaphore as BoundedSemaphoreClass, Semaphore as SemaphoreClass } from "./sync/semaphore.js";
import { ShareableList as ShareableListClass } from "./values/shareable-list.js";
import { SharedMemory as SharedMemoryClass } from "./values/shared-memory.js";
import type { Typecode } from "./values/typecodes.js";
import { Value as ValueClass } from "./values/value.js";
import { ProcessPoolExecutor as ProcessPoolExecutorClass, ThreadPoolExecutor as ThreadPoolExecutorClass } from "./executor/executor.js";

const ProcessCall = callable(ProcessClass);
/** Python's Process: a target (or an overridden run()) in its own process or thread; callable with or without `new`. */
export const Process = ProcessCall as typeof ProcessClass & typeof ProcessCall;
/** An instance of Process. */
export type Process<A extends unknown[] = unknown[]> = ProcessClass<A>;

const PoolCall = callable(PoolClass);
/** Python's Pool: workers that run tasks, with map, imap, imapUnordered, starmap, apply and applyAsync; callable with or without `new`. */
export const Pool = PoolCall as typeof PoolClass & typeof PoolCall;
/** An instance of Pool. */
export type Pool = PoolClass;

const QueueCall = callable(QueueClass);
/** Python's Queue: a multi-producer, multi-consumer FIFO queue in shared memory; callable with or without `new`. */
export const Queue = QueueCall as typeof QueueClass & typeof QueueCall;
/** An instance of Queue. */
export type Queue<T = unknown> = QueueClass<T>;

const JoinableQueueCall = callable(JoinableQueueClass);
/** Python's JoinableQueue: a Queue whose join() waits until every item got taskDone(); callable with or without `new`. */
export const JoinableQueue = JoinableQueueCall as typeof JoinableQueueClass & typeof JoinableQueueCall;
/** An instance of JoinableQueue. */
export type JoinableQueue<T = unknown> = JoinableQueueClass<T>;

const SimpleQueueCall = callable(SimpleQueueClass);
/** Python's SimpleQueue: a Queue with only put, get, empty and close; callable with or without `new`. */
export const SimpleQueue = SimpleQueueCall as typeof SimpleQueueClass & typeof SimpleQueueCall;
/** An instance of SimpleQueue. */
export type SimpleQueue<T = unknown> = SimpleQueueClass<T>;

const LockCall = callable(LockClass);
/** Python's Lock: a mutex shared by the workers it is passed to; callable with or without `new`. */
export const Lock = LockCall as typeof LockClass & typeof LockCall;
/** An instance of Lock. */
export type Lock = LockClass;

const RLockCall = callable(RLockClass);
/** Python's RLock: a Lock that its holder may acquire again; callable with or without `new`. */
export const RLock = RLockCall as typeof RLockClass & typeof RLockCall;
/** An instance of RLock. */
export type RLock = RLockClass;

const SemaphoreCall = callable(SemaphoreClass);
/** Python's Semaphore: a counter that acquire() decrements and release() increments; callable with or without `new`. */
export const Semaphore = SemaphoreCall as typeof SemaphoreClass & typeof SemaphoreCall;
/** An instance of Semaphore. */
export type Semaphore = SemaphoreClass;

const BoundedSemaphoreCall = callable(BoundedSemaphoreClass);
/** Python's BoundedSemaphore: a Semaphore that may not be released above its initial value; callable with or without `new`. */
export const BoundedSemaphore = BoundedSemaphoreCall as typeof BoundedSemaphoreClass & typeof BoundedSemaphoreCall;
/** An instance of BoundedSemaphore. */
export type BoundedSemaphore = BoundedSemaphoreClass;

const ConditionCall = callable(ConditionClass);
/** Python's Condition: wait() releases its lock until notify() or notifyAll(); callable with or without `new`. */
export const Condition = ConditionCall as typeof ConditionClass & typeof ConditionCall;
/** An instance of Condition. */
export type Condition = ConditionClass;

const EventCall = callable(EventClass);
/** Python's Event: a flag that set() raises, clear() lowers, and wait() waits for; callable with or without `new`. */
export const Event = EventCall as typeof EventClass & typeof EventCall;
/** An instance of Event. */
export type Event = EventClass;

const BarrierCall = callable(BarrierClass);
/** Python's Barrier: `parties` waiters block until all have arrived; callable with or without `new`. */
export const Barrier = BarrierCall as typeof BarrierClass & typeof BarrierCall;
/** An instance of Barrier. */
export type Barrier = BarrierClass;

const ValueCall = callable(ValueClass);
/** Python's multiprocessing.Value: one number of a typecode in shared memory, with an optional lock; callable with or without `new`. */
export const Value = ValueCall as typeof ValueClass & typeof ValueCall;
/** An instance of Value. */
export type Value<T extends Typecode = Typecode> = ValueClass<T>;

const ArrayCall = callable(SharedArrayClass);
/** Python's multiprocessing.Array: a fixed-length typed array in shared memory; callable with or without `new`. */
export const Array = ArrayCall as typeof SharedArrayClass & typeof ArrayCall;
/** An instance of Array (a shared array). */
export type Array<T extends Typecode = Typecode> = SharedArrayClass<T>;
/** Array under a name that does not shadow JavaScript's global Array on a named import (`import { SharedArray } from "multiproc"`). */
export const SharedArray = Array;
/** An instance of SharedArray (the same as Array). */
export type SharedArray<T extends Typecode = Typecode> = SharedArrayClass<T>;

const SharedMemoryCall = callable(SharedMemoryClass);
/** Python's shared_memory.SharedMemory: a named block of bytes that any process can open; callable with or without `new`. */
export const SharedMemory = SharedMemoryCall as typeof SharedMemoryClass & typeof SharedMemoryCall;
/** An instance of SharedMemory. */
export type SharedMemory = SharedMemoryClass;

const ShareableListCall = callable(ShareableListClass);
/** Python's shared_memory.ShareableList: a fixed-length list in a shared memory block; callable with or without `new`. */
export const ShareableList = ShareableListCall as typeof ShareableListClass & typeof ShareableListCall;
/** An instance of ShareableList. */
export type ShareableList = ShareableListClass;

const ProcessPoolExecutorCall = callable(ProcessPoolExecutorClass);
/** Python's concurrent.futures.ProcessPoolExecutor: submit() and map() on worker processes, with Futures; callable with or without `new`. */
export const ProcessPoolExecutor = ProcessPoolExecutorCall as typeof ProcessPoolExecutorClass & typeof ProcessPoolExecutorCall;
/** An instance of ProcessPoolExecutor. */
export type ProcessPoolExecutor = ProcessPoolExecutorClass;

const ThreadPoolExecutorCall = callable(ThreadPoolExecutorClass);
/** Python's concurrent.futures.ThreadPoolExecutor: submit() and map() on worker threads, with Futures; callable with or without `new`. */
export const ThreadPoolExecutor = ThreadPoolExecutorCall as typeof ThreadPoolExecutorClass & typeof ThreadPoolExecutorCall;
/** An instance of ThreadPoolExecutor. */
export type ThreadPoolExecutor = ThreadPoolExecutorClass;
