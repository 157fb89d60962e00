// The entry point of every worker, thread or process. It speaks the protocol written down in
// wire/messages.ts: run the initializer, then run tasks one at a time in arrival order, and
// send results back in batches.

import { Worker, parentPort, workerData } from "node:worker_threads";
import { setCurrentProcess } from "../current.js";
import { CloneError } from "../errors.js";
import { findUncloneable } from "../wire/clone-check.js";
import { findErrorClassesWith, serializeError } from "../wire/errors.js";
import type { WireError } from "../wire/errors.js";
import {
  ONE_RESULT,
  OneFlags,
  TaskKind,
  type FnSpec,
  type FromWorker,
  type RunOne,
  type ToWorker,
  type WireBatch,
} from "../wire/messages.js";
import { beforeExit } from "../channels/before-exit.js";
import { decodeShareables } from "../memory/shareable.js";
import { native } from "../memory/native.js";
import { packNumbers } from "../wire/numbers.js";
import { loadFunction, taskModuleExportOf } from "../fn/load-function.js";
import { getLogger, logDebug, logToStderr } from "../log.js";

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * When results are sent. A result waits, so that a burst of tiny tasks goes back in one message,
 * but never past FLUSH_AFTER_MS, and not at all after a task that took FLUSH_SLOW_TASK_MS or
 * more: then one message per task costs little. The worker also flushes when it runs out of
 * tasks. Sending before the next task starts is also what lets the parent tell which task a
 * worker was running when it was killed without a word (SIGKILL, out of memory): the first task
 * without a result. Only among tasks shorter than a millisecond, within one window, can that
 * guess land on a neighbour of the task that was really running.
 */
const FLUSH_AFTER_MS = 2;
const FLUSH_SLOW_TASK_MS = 1;

const context = parentPort ? "thread" : "process";
const post: (msg: FromWorker, transfer?: ArrayBuffer[]) => void = parentPort
  ? (msg, transfer) => parentPort!.postMessage(msg, transfer)
  : (msg) => {
      process.send!(msg);
    };

/** The ArrayBuffers of a result (itself, or one level down in an array or object), each once. */
function collectTransferables(value: unknown, into: ArrayBuffer[]): void {
  const add = (v: unknown) => {
    const buf = v instanceof ArrayBuffer ? v : ArrayBuffer.isView(v) ? v.buffer : null;
    if (buf instanceof ArrayBuffer && buf.byteLength > 0 && !into.includes(buf)) into.push(buf);
  };
  add(value);
  if (Array.isArray(value)) value.forEach(add);
  else if (value && typeof value === "object" && !ArrayBuffer.isView(value)) Object.values(value).forEach(add);
}

const functions = new Map<number, AnyFunction | { failed: unknown }>();
// An error whose class a task module exports arrives in the parent as an instance of that class.
findErrorClassesWith(taskModuleExportOf);
let name = (workerData as { multiprocName?: string } | null)?.multiprocName ?? `worker-${process.pid}`;

// ---- running tasks --------------------------------------------------------------------------

/** Batches received and not yet run; `at` is the next task in batches[0]. */
const batches: WireBatch[] = [];
let at = 0;
let draining = false;
let currentTask = -1;
let exitWhenIdle = false;
let windowStart = 0;
let lastTaskMs = 0;
// Results not yet sent, by column (see WireResults).
let doneIds: number[] = [];
let doneValues: unknown[] = [];
let doneErrors: [number, WireError][] | undefined;
let doneTransfer: ArrayBuffer[] = [];

function enqueue(batch: WireBatch): void {
  batches.push(batch);
  void drain();
}

async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  windowStart = performance.now();
  while (batches.length > 0) {
    const batch = batches[0]!;
    if (at === batch.ids.length) {
      batches.shift();
      at = 0;
      continue;
    }
    const i = at++;
    const started = performance.now();
    if (doneIds.length > 0 && (lastTaskMs >= FLUSH_SLOW_TASK_MS || started - windowStart > FLUSH_AFTER_MS)) flush();
    const id = batch.ids[i]!;
    currentTask = id;
    let value: unknown;
    try {
      const data = batch.args1 ? [batch.args1[i]] : batch.revive?.includes(i) ? decodeShareables(batch.data[i]!) : batch.data[i]!;
      value = runTask(batch.fns[i]!, batch.kinds[i]!, data);
      if (isThenable(value)) value = await value;
    } catch (error) {
      (doneErrors ??= []).push([doneIds.length, serializeError(error)]);
      value = undefined;
    }
    if (batch.transferBack?.includes(i) && parentPort) collectTransferables(value, doneTransfer);
    doneIds.push(id);
    doneValues.push(value);
    lastTaskMs = performance.now() - started;
  }
  currentTask = -1;
  draining = false;
  flush();
  if (exitWhenIdle) exitWhenFlushed(0);
}

function runTask(fnId: number, kind: TaskKind, data: unknown[]): unknown {
  const fn = functions.get(fnId);
  if (fn === undefined) throw new Error(`multiproc internal error: function ${fnId} was never defined in this worker`);
  if (typeof fn !== "function") throw fn.failed;
  switch (kind) {
    case TaskKind.Apply:
      return fn(...data);
    case TaskKind.MapChunk:
      // `data` may be a Float64Array (see wire/numbers.ts): read by index all the same.
      return mapChunk(fn, data, false);
    case TaskKind.StarmapChunk:
      return mapChunk(fn, data, true);
  }
}

/** fn over each item, in order, one at a time; switches to awaiting only when fn returns promises. */
function mapChunk(fn: AnyFunction, items: unknown[], spread: boolean): unknown[] | Float64Array | Promise<unknown[] | Float64Array> {
  const out = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    const r = spread ? fn(...(items[i] as unknown[])) : fn(items[i]);
    if (isThenable(r)) return finishChunk(fn, items, spread, out, i, r);
    out[i] = r;
  }
  return packNumbers(out);
}

async function finishChunk(fn: AnyFunction, items: unknown[], spread: boolean, out: unknown[], i: number, first: PromiseLike<unknown>) {
  out[i] = await first;
  for (let j = i + 1; j < items.length; j++) out[j] = await (spread ? fn(...(items[j] as unknown[])) : fn(items[j]));
  return packNumbers(out);
}

function flush(): void {
  if (doneIds.length === 0) return;
  const now = performance.now();
  const busyMs = now - windowStart;
  windowStart = now;
  const ids = doneIds;
  const values = doneValues;
  const errors = doneErrors;
  const transfer = doneTransfer;
  doneIds = [];
  doneValues = [];
  doneErrors = undefined;
  doneTransfer = [];
  // A lone value travels flat (see RunOne in wire/messages.ts). One that cannot be cloned goes
  // the long way below, which turns it into an error saying why.
  if (ids.length === 1 && errors === undefined) {
    try {
      post([ONE_RESULT, ids[0]!, values[0], busyMs], transfer);
      return;
    } catch {}
  }
  const msg: FromWorker = { t: "results", ids, values: packNumbers(values), errors, busyMs };
  try {
    post(msg, transfer);
  } catch (error) {
    // Some result cannot be cloned: turn each such result into an error naming the path, send the rest.
    for (let i = 0; i < msg.ids.length; i++) {
      const bad = findUncloneable(msg.values[i], "result");
      if (!bad) continue;
      const err = new CloneError(
        `The task's result cannot be sent back to the parent: ${bad.path} ${bad.reason}. Return plain data ` +
          `(objects, arrays, Map, Set, Date, typed arrays, Error, ...).`,
        bad.path,
        error,
      );
      msg.values[i] = undefined;
      (msg.errors ??= []).push([i, serializeError(err)]);
    }
    // The parent reads errors in index order.
    msg.errors?.sort((a, b) => a[0] - b[0]);
    post(msg);
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

// ---- defining functions, in message order ---------------------------------------------------

const waiting: Extract<ToWorker, { t: "run" }>[] = [];
let loading = false;

/**
 * The shareable types (queues, locks, ...) register how to rebuild themselves when their
 * modules load. Loading them all costs a worker tens of milliseconds at start-up, so it
 * happens only once a message carries such an object.
 */
let revivers: Promise<unknown> | null = null;
let reviversLoaded = false;
function loadRevivers(): Promise<unknown> {
  return (revivers ??= import("./revivers.js").then(() => (reviversLoaded = true)));
}

function onRun(msg: Extract<ToWorker, { t: "run" }>): void {
  waiting.push(msg);
  if (!loading) acceptWaiting();
}

/** Module imports are asynchronous; tasks that arrive meanwhile wait behind them, keeping order. */
function acceptWaiting(): void {
  while (waiting.length > 0) {
    const msg = waiting[0]!;
    if (msg.revive && !reviversLoaded) {
      loading = true;
      void loadRevivers().then(() => {
        loading = false;
        acceptWaiting();
      });
      return;
    }
    if (msg.defs) {
      const imports = define(msg.defs);
      msg.defs = undefined;
      if (imports) {
        loading = true;
        void imports.then(() => {
          loading = false;
          acceptWaiting();
        });
        return;
      }
    }
    waiting.shift();
    enqueue(msg);
  }
}

function define(defs: [number, FnSpec][]): Promise<unknown> | null {
  const imports: Promise<unknown>[] = [];
  for (const [id, spec] of defs) {
    try {
      const fn = loadFunction(spec);
      if (typeof fn === "function") functions.set(id, fn);
      else imports.push(fn.then((f) => functions.set(id, f), (failed: unknown) => functions.set(id, { failed })));
    } catch (failed) {
      functions.set(id, { failed });
    }
  }
  return imports.length ? Promise.all(imports) : null;
}

// ---- lifecycle ------------------------------------------------------------------------------

/** The initializer is running: an "exit" (close() right after the pool was created) waits for it, as in Python. */
let initializing = false;

async function onInit(msg: Extract<ToWorker, { t: "init" }>): Promise<void> {
  name = msg.name;
  setCurrentProcess({ name, context, daemon: true }); // pool workers are daemons, as Python's
  if (msg.log !== undefined) logToStderr(msg.log);
  initializing = true;
  try {
    if (msg.revive) await loadRevivers();
    const initargs = msg.revive ? decodeShareables(msg.initargs ?? []) : (msg.initargs ?? []);
    if (msg.initializer) await (await loadFunction(msg.initializer))(...initargs);
    post({ t: "ready" });
    // Not before: a watchdog thread would compete with this worker's own start-up. Until it
    // runs, this worker is idle and would see its parent go through 'disconnect'.
    if (context === "process") setImmediate(startParentWatchdog);
  } catch (error) {
    post({ t: "init-error", error: serializeError(error) });
  } finally {
    initializing = false;
    if (exitWhenIdle && !draining && waiting.length === 0) exitWhenFlushed(0);
  }
}

/** A Process: run the target once, print its error like Python does, exit 0 or 1. */
async function onProcess(msg: Extract<ToWorker, { t: "process" }>): Promise<void> {
  name = msg.name;
  setCurrentProcess({ name, context, daemon: msg.daemon, parentName: msg.parentName });
  if (msg.log !== undefined) logToStderr(msg.log);
  try {
    if (context === "process") startParentWatchdog();
    if (msg.revive) await loadRevivers();
    const args = msg.revive ? decodeShareables(msg.args) : msg.args;
    const target = await loadFunction(msg.target);
    getLogger().info("child process calling self.run()"); // Python's words
    await target(...args);
    getLogger().info("process exiting with exitcode 0");
    exitWhenFlushed(0);
  } catch (error) {
    process.stderr.write(`Process ${name}:\n${error instanceof Error ? error.stack ?? String(error) : String(error)}\n`);
    getLogger().info("process exiting with exitcode 1");
    exitWhenFlushed(1);
  }
}

/**
 * Exits once what this worker's queues buffered is in their rings (Python joins its feeder
 * threads at exit): items put on an unbounded queue and not yet moved would be lost otherwise.
 * Like Python, it waits for as long as it takes; cancelJoinThread() on a queue lets it go.
 */
function exitWhenFlushed(code: number): void {
  void beforeExit().then(() => process.exit(code));
}

/** A lone task, as a batch of one: it waits behind earlier messages like any other. */
function onRunOne([, id, fnId, flags, ...args]: RunOne): void {
  onRun({
    t: "run",
    ids: [id],
    fns: [fnId],
    kinds: [TaskKind.Apply],
    data: [args],
    revive: flags & OneFlags.Revive ? [0] : undefined,
    transferBack: flags & OneFlags.TransferBack ? [0] : undefined,
  });
}

function onMessage(msg: ToWorker): void {
  if (Array.isArray(msg)) return onRunOne(msg);
  switch (msg.t) {
    case "run":
      return onRun(msg);
    case "init":
      void onInit(msg);
      return;
    case "process":
      void onProcess(msg);
      return;
    case "exit":
      logDebug("worker got the exit message -- exiting when idle");
      if (!draining && !initializing && waiting.length === 0) exitWhenFlushed(0);
      exitWhenIdle = true;
      return;
  }
}

let saidGoodbye = false;

/** On the way down, send what is finished and which task was running, so the parent can tell. */
function dying(reason: unknown): void {
  // An uncaught error exits through process.exit(), which calls this again: the first reason is the real one.
  if (saidGoodbye) return;
  saidGoodbye = true;
  try {
    flush();
    if (currentTask !== -1) post({ t: "dying", taskId: currentTask, reason: serializeError(reason) });
  } catch {}
}

process.on("uncaughtException", (error) => {
  dying(error);
  process.exit(1);
});
process.on("unhandledRejection", (reason) => {
  dying(reason);
  process.exit(1);
});
process.on("exit", (code) => {
  if (currentTask !== -1) dying(new Error(`The task called process.exit(${code})`));
});

if (parentPort) {
  parentPort.on("message", onMessage);
} else {
  process.on("message", onMessage as (msg: unknown) => void);
  // The parent closed the channel or died: nothing more will come, and nobody would hear us.
  process.on("disconnect", () => process.exit(0));
  // Ctrl-C reaches the whole process group; the parent decides what it means, not each child.
  process.on("SIGINT", () => {});
}

/**
 * A child busy in a synchronous loop never sees 'disconnect', yet must not outlive its parent.
 * Where the kernel can do it (Linux, the native addon built, spawned by the parent's main
 * thread), PR_SET_PDEATHSIG kills this process the moment the parent dies; it is armed as this
 * process starts and costs loading the addon (~2 ms), no thread. Elsewhere a tiny thread, which
 * keeps running while the main thread spins, polls process.ppid; it costs a thread's start-up
 * (~5 ms here, ~35 ms of a core), so it starts only once this worker is ready.
 */
const [parentPidArg, spawnedFrom] = context === "process" ? process.argv.slice(2) : [];
const parentPid = Number(parentPidArg) || process.ppid;
// Synchronously, before any task: a first task spinning from the start would never let an
// asynchronous arming run.
const kernelWatchdog = context === "process" && spawnedFrom === "main-thread" && armParentDeathSignal();

function armParentDeathSignal(): boolean {
  try {
    return native().dieWithParent?.(parentPid) === true;
  } catch {
    return false; // not Linux, or the addon is not built
  }
}

let watchdogStarted = false;
function startParentWatchdog(): void {
  if (watchdogStarted) return;
  watchdogStarted = true;
  if (kernelWatchdog) return;
  const watchdog = new Worker(new URL("./parent-watchdog.js", import.meta.url), {
    execArgv: [],
    workerData: { parentPid },
  });
  watchdog.on("error", () => {});
  watchdog.unref();
}
