// The public classes, callable with and without `new` (callable.ts), as the index exports them.
// Each is declared as `typeof Class & typeof call`: the class's own type (new, instanceof,
// subclassing, statics) and its constructor as a call, generics included (`mp.Array("i", 5)` is
// an Array<"i">), so the published types say both. A type of the same name stands for instances.

import { callable } from "./callable.js";
import { Pool as PoolClass } from "./pool/pool.js";
import { Process as ProcessClass } from "./process.js";
import { SharedArray } from "./shared/array.js";
import { Barrier as BarrierClass } from "./shared/barrier.js";
import { Condition as ConditionClass } from "./shared/condition.js";
import { Event as EventClass } from "./shared/event.js";
import { JoinableQueue as JoinableQueueClass } from "./shared/joinable-queue.js";
import { Lock as LockClass, RLock as RLockClass } from "./shared/lock.js";
import { Queue as QueueClass, SimpleQueue as SimpleQueueClass } from "./shared/queue.js";
import { BoundedSemaphore as BoundedSemaphoreClass, Semaphore as SemaphoreClass } from "./shared/semaphore.js";
import { ShareableList as ShareableListClass } from "./shared/shareable-list.js";
import { SharedMemory as SharedMemoryClass } from "./shared/shared-memory.js";
import type { Typecode } from "./shared/typecodes.js";
import { Value as ValueClass } from "./shared/value.js";
import { ProcessPoolExecutor as ProcessPoolExecutorClass, ThreadPoolExecutor as ThreadPoolExecutorClass } from "./executor/executor.js";

const ProcessCall = callable(ProcessClass);
export const Process = ProcessCall as typeof ProcessClass & typeof ProcessCall;
export type Process<A extends unknown[] = unknown[]> = ProcessClass<A>;

const PoolCall = callable(PoolClass);
export const Pool = PoolCall as typeof PoolClass & typeof PoolCall;
export type Pool = PoolClass;

const QueueCall = callable(QueueClass);
export const Queue = QueueCall as typeof QueueClass & typeof QueueCall;
export type Queue<T = unknown> = QueueClass<T>;

const JoinableQueueCall = callable(JoinableQueueClass);
export const JoinableQueue = JoinableQueueCall as typeof JoinableQueueClass & typeof JoinableQueueCall;
export type JoinableQueue<T = unknown> = JoinableQueueClass<T>;

const SimpleQueueCall = callable(SimpleQueueClass);
export const SimpleQueue = SimpleQueueCall as typeof SimpleQueueClass & typeof SimpleQueueCall;
export type SimpleQueue<T = unknown> = SimpleQueueClass<T>;

const LockCall = callable(LockClass);
export const Lock = LockCall as typeof LockClass & typeof LockCall;
export type Lock = LockClass;

const RLockCall = callable(RLockClass);
export const RLock = RLockCall as typeof RLockClass & typeof RLockCall;
export type RLock = RLockClass;

const SemaphoreCall = callable(SemaphoreClass);
export const Semaphore = SemaphoreCall as typeof SemaphoreClass & typeof SemaphoreCall;
export type Semaphore = SemaphoreClass;

const BoundedSemaphoreCall = callable(BoundedSemaphoreClass);
export const BoundedSemaphore = BoundedSemaphoreCall as typeof BoundedSemaphoreClass & typeof BoundedSemaphoreCall;
export type BoundedSemaphore = BoundedSemaphoreClass;

const ConditionCall = callable(ConditionClass);
export const Condition = ConditionCall as typeof ConditionClass & typeof ConditionCall;
export type Condition = ConditionClass;

const EventCall = callable(EventClass);
export const Event = EventCall as typeof EventClass & typeof EventCall;
export type Event = EventClass;

const BarrierCall = callable(BarrierClass);
export const Barrier = BarrierCall as typeof BarrierClass & typeof BarrierCall;
export type Barrier = BarrierClass;

const ValueCall = callable(ValueClass);
export const Value = ValueCall as typeof ValueClass & typeof ValueCall;
export type Value<T extends Typecode = Typecode> = ValueClass<T>;

const ArrayCall = callable(SharedArray);
/** Python's multiprocessing.Array (the class is SharedArray inside, so as not to shadow the global Array). */
export const Array = ArrayCall as typeof SharedArray & typeof ArrayCall;
export type Array<T extends Typecode = Typecode> = SharedArray<T>;

const SharedMemoryCall = callable(SharedMemoryClass);
export const SharedMemory = SharedMemoryCall as typeof SharedMemoryClass & typeof SharedMemoryCall;
export type SharedMemory = SharedMemoryClass;

const ShareableListCall = callable(ShareableListClass);
export const ShareableList = ShareableListCall as typeof ShareableListClass & typeof ShareableListCall;
export type ShareableList = ShareableListClass;

const ProcessPoolExecutorCall = callable(ProcessPoolExecutorClass);
export const ProcessPoolExecutor = ProcessPoolExecutorCall as typeof ProcessPoolExecutorClass & typeof ProcessPoolExecutorCall;
export type ProcessPoolExecutor = ProcessPoolExecutorClass;

const ThreadPoolExecutorCall = callable(ThreadPoolExecutorClass);
export const ThreadPoolExecutor = ThreadPoolExecutorCall as typeof ThreadPoolExecutorClass & typeof ThreadPoolExecutorCall;
export type ThreadPoolExecutor = ThreadPoolExecutorClass;
