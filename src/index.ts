// multiproc: Python's multiprocessing for TypeScript on Node.js.
// `import * as mp from "multiproc"`, then write what you would write in Python.

export { activeChildren, type ProcessOptions } from "./process.js";
export type { PoolOptions, ApplyAsyncOptions, MapAsyncOptions } from "./pool/pool.js";
export { AsyncResult } from "./pool/async-result.js";
export type { IMapIterator, IMapNextOptions } from "./pool/imap.js";
export type { CallOptions, MapOptions } from "./pool/call-options.js";
export type { Progress, ProgressOption } from "./pool/progress.js";
export type { PoolStats, PoolEvents, HistogramSummary, WorkerInfo, WorkerExitEvent, WorkerExitReason, WorkerReplaceEvent } from "./pool/stats.js";
// The classes Python calls as factories, callable with and without `new` (factories.ts).
export {
  Process,
  Pool,
  Queue,
  JoinableQueue,
  SimpleQueue,
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  Condition,
  Event,
  Barrier,
  Value,
  Array,
  SharedArray,
  SharedMemory,
  ShareableList,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
} from "./factories.js";
export { getContext, type Context } from "./context.js";
export { Executor, type ExecutorOptions, type ExecutorMapOptions, type ShutdownOptions } from "./executor/executor.js";
export { Future, CancelledError } from "./executor/future.js";
export { asCompleted, wait, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, type ReturnWhen, type FuturesWaitOptions, type DoneAndNotDone } from "./executor/wait.js";
export { BrokenExecutor, BrokenProcessPool, BrokenThreadPool } from "./executor/broken.js";
export { QueueBase, type QueueOptions, type WaitOptions, type SyncWaitOptions } from "./channels/queue.js";
export { Pipe, Connection, type PipeOptions } from "./channels/pipe.js";
export { Empty, Full, ClosedError, EOFError, BrokenPipeError, BrokenQueueError } from "./channels/errors.js";
export type { AnyLock } from "./sync/lock.js";
export type { BarrierOptions } from "./sync/barrier.js";
export type { SharedValueOptions } from "./values/value.js";
export type { SharedMemoryOptions } from "./values/shared-memory.js";
export type { ShareableItem } from "./values/shareable-list.js";
export type { Typecode, ValueOf, SettableOf, ElementArray } from "./values/typecodes.js";
export type { Held } from "./sync/acquirable.js";
export type { AcquireOptions, AcquireSyncOptions } from "./memory/wait-attempt.js";
export type { ContextOption } from "./memory/shared-object.js";
export { LockNotHeldError, TooManyReleasesError, BrokenBarrierError, TypecodeError } from "./sync/errors.js";
export { Manager, SyncManager } from "./managers/sync-manager.js";
export { BaseManager, type ManagerOptions } from "./managers/base-manager.js";
export { SharedMemoryManager } from "./managers/shared-memory-manager.js";
export { ManagerServer } from "./managers/server.js";
export { BaseProxy, type ProxyMethods } from "./managers/proxy.js";
export type { RegisterOptions, Callable } from "./managers/registry.js";
export type { Address } from "./managers/transport.js";
export {
  DictProxy,
  ListProxy,
  NamespaceProxy,
  QueueProxy,
  JoinableQueueProxy,
  AcquirerProxy,
  LockProxy,
  SemaphoreProxy,
  ConditionProxy,
  EventProxy,
  BarrierProxy,
  ValueProxy,
  ArrayProxy,
  PoolProxy,
  type BlockOptions,
} from "./managers/proxies.js";
export { KeyError, IndexError, ValueError, AttributeError, ManagerClosedError } from "./managers/errors.js";
export { getStartMethod, setStartMethod, getAllStartMethods } from "./start-method.js";
export { currentProcess, parentProcess, type ProcessInfo } from "./current.js";
export { cpuCount } from "./cpu.js";
export { tasksFrom, type TaskRef, type TaskFunction, type TaskModule } from "./fn/task-function.js";
export type { ContextName } from "./backends/backend.js";
export {
  WorkerLostError,
  PoolClosedError,
  InitializerError,
  ClosureError,
  CloneError,
  ProcessStateError,
  MultiprocError,
  isMultiprocError,
  TimeoutError,
} from "./errors.js";
export { NativeAddonUnavailableError } from "./memory/native.js";
export { getLogger, logToStderr, LogLevel, Logger, type LogLevelName, type LogRecord, type LogHandler } from "./log.js";
export { cluster, type Cluster, type ClusterOptions, type ClusterPoolOptions } from "./cluster/cluster.js";
export { ClusterConnectionError, ForbiddenTaskError, JobLostError, JobTooLargeError } from "./cluster/errors.js";
/** Python's multiprocessing.connection: Listener, Client and wait, with Python's framing and authkey handshake. */
export * as connection from "./connection/index.js";
export { AuthenticationError, BufferTooShort } from "./connection/errors.js";
