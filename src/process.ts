// Python's multiprocessing.Process: run one function in a new worker and watch it end, or,
// as Python programs often do, subclass Process and override run() (task/process-class.ts).

import { constants } from "node:os";
import { inspect } from "node:util";
import type { ContextName, ExitInfo, SpawnWorker, WorkerHandle } from "./backends/backend.js";
import type { Context } from "./context.js";
import { CloneError, ProcessStateError } from "./errors.js";
import { whileAwaited } from "./hold-event-loop.js";
import { loggingForWorkers } from "./log.js";
import { encodeShareables, findThreadOnlyShareable } from "./memory/shareable.js";
import { currentProcess } from "./current.js";
import { liveWorkers, resolveContext, type LiveWorker } from "./backends/registry.js";
import { instanceData, prepareProcessClass } from "./fn/process-class.js";
import { isTaskRef, kTaskRef, prepareFunction, type PreparedFunction, type TaskFunction } from "./fn/task-function.js";
import type { FnSpec } from "./wire/messages.js";
import { findUncloneable } from "./wire/clone-check.js";

/** Options of `new mp.Process(options)`: target and args, name, daemon, context, as Python's Process takes. */
export interface ProcessOptions<A extends unknown[]> {
  /**
   * The function to run: inline (self-contained) or from mp.tasksFrom(). It may be async.
   * Without one the process does nothing, unless a subclass overrides run() (then leave it out).
   */
  target?: TaskFunction<(...args: A) => unknown>;
  args?: A;
  /** Defaults to "Process-N", as in Python. */
  name?: string;
  /**
   * A daemon does not keep the parent alive and is killed when the parent exits; others are
   * waited for. Defaults to the creating process's own flag, as in Python (a pool worker is a daemon).
   */
  daemon?: boolean;
  /** "process" (default) or "thread", or a context from getContext(). */
  context?: ContextName | Context;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Heap limit in MB. */
  maxHeapMb?: number;
}

const active = new Set<Process<unknown[]>>();
let counter = 0;
const doNothing = () => {};

/** Process objects standing for pool workers in activeChildren(), one per worker. */
const adopted = new WeakMap<WorkerHandle, Process<unknown[]>>();
let adopt!: (handle: WorkerHandle, worker: LiveWorker) => Process<unknown[]>;
let handleOf!: (p: Process<unknown[]>) => WorkerHandle | null;

/**
 * The Processes started and not yet exited, like Python's active_children(): those made with
 * `new Process()`, and the workers of this process's Pools (daemons named "PoolWorker-N"),
 * which can be watched, joined and stopped as Processes (the pool replaces a stopped one).
 */
export function activeChildren(): Process<unknown[]>[] {
  const children: Process<unknown[]>[] = [...active];
  const own = new Set(children.map(handleOf));
  for (const [handle, worker] of liveWorkers()) {
    if (!own.has(handle)) children.push(adopted.get(handle) ?? adopt(handle, worker));
  }
  return children;
}

/**
 * A worker that runs one function: `new Process({ target, args })`. Or, as in Python, a subclass
 * that overrides run(): start() sends its methods (as source, each self-contained like an inline
 * target) and its own data (queues, locks and shared values included) to the worker, which calls
 * run() on a copy of the object there.
 */
export class Process<A extends unknown[] = unknown[]> {
  name: string;
  daemon: boolean;
  readonly context: ContextName;
  /**
   * What the worker calls: the target as given, as prepared (null when a subclass overrides
   * run(): its class is prepared at start()), and its args. start() lets go of it once the worker
   * has it, as Python's start() deletes _target, _args and _kwargs: a Manager proxy or a large
   * value among the args is released when the caller drops it, not when this object is collected.
   */
  #call: { target: ProcessOptions<A>["target"]; prepared: PreparedFunction | null; args: A } | null;
  /** How the worker is spawned. */
  readonly #spawnOptions: Pick<ProcessOptions<A>, "execArgv" | "env" | "maxHeapMb">;
  #handle: WorkerHandle | null = null;
  #exitCode: number | null = null;
  #exited: Promise<void> | null = null;
  #stopSignal: string | null = null;
  /** Gives back the pipe-end holds lent to the worker that it never claimed (pipe.ts). */
  #giveBackLends: (() => void)[] = [];
  #closed = false;

  static {
    handleOf = (p) => p.#handle;
    adopt = (handle, worker) => {
      const p = new Process({ name: worker.name, daemon: true, context: handle.context });
      p.#handle = handle;
      p.#exited = worker.exited.then((info) => {
        p.#exitCode = exitCodeOf(info, p.#stopSignal);
      });
      adopted.set(handle, p as Process<unknown[]>);
      return p as Process<unknown[]>;
    };
  }

  constructor(options: ProcessOptions<A> = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Process: expected an options object: new Process({ target, args })");
    }
    const { target, args, name, daemon } = options;
    // `this` already has the subclass's prototype here, though not yet its data.
    const runOverridden = this.run !== Process.prototype.run;
    if (runOverridden && (target !== undefined || args !== undefined)) {
      throw new TypeError(
        `Process: ${this.constructor.name} overrides run(), so it takes no ${target !== undefined ? "target" : "args"}: ` +
          `pass the values to its constructor and keep them on \`this\`, which travels to the worker`,
      );
    }
    if (target !== undefined && typeof target !== "function" && !(typeof target === "object" && target !== null)) {
      throw new TypeError(`Process: target must be a function (or a module reference from mp.tasksFrom()), got ${target === null ? "null" : typeof target}`);
    }
    const prepared = runOverridden ? null : prepareFunction(target ?? doNothing, "Process");
    if (args !== undefined && !Array.isArray(args)) throw new TypeError(`Process: args must be an array, got ${typeof args}`);
    if (name !== undefined && typeof name !== "string") throw new TypeError(`Process: name must be a string`);
    this.#call = { target, prepared, args: (args ?? []) as A };
    this.#spawnOptions = { execArgv: options.execArgv, env: options.env, maxHeapMb: options.maxHeapMb };
    this.name = name ?? `Process-${++counter}`;
    this.daemon = daemon ?? currentProcess().daemon;
    this.context = resolveContext(options.context, "Process").name;
  }

  /**
   * What the process does. Override it in a subclass, as in Python: start() then runs your run()
   * in the worker, on a copy of this object. Called directly, this one calls the target here, in
   * this process, as Python's does, and returns what it returns. In the worker, what run()
   * returns is ignored (awaited first if it is a promise). After start() it throws
   * ProcessStateError: start() gave the target and args to the worker and let go of them here
   * (Python's run() then raises AttributeError).
   */
  run(): unknown {
    if (!this.#call) {
      throw new ProcessStateError(`Process ${this.name}: run() after start(): the target and args went to the worker, and start() let go of them here, as Python's does`);
    }
    const { target, args } = this.#call;
    if (target === undefined) return undefined;
    if (!isTaskRef(target)) return target(...args);
    const { url, exportName } = target[kTaskRef];
    return import(url).then((mod: Record<string, (...args: A) => unknown>) => mod[exportName]!(...args));
  }

  /** Start the worker and run the target, or the subclass's run(), in it. */
  start(): void {
    this.#checkOpen();
    if (this.#handle || !this.#call) throw new ProcessStateError(`Process ${this.name}: cannot start a process twice`);
    const where = `Process ${this.name}`;
    const { prepared, args: callArgs } = this.#call;
    if (prepared && this.run !== Process.prototype.run) {
      throw new TypeError(`${where}: run must be a method of the class (run() { ... }), not a property set on the instance`);
    }
    let target: FnSpec;
    let args: unknown[];
    let revive: boolean;
    if (prepared) {
      target = prepared.spec;
      ({ value: args, found: revive } = this.#encode(callArgs, "args"));
    } else {
      target = prepareProcessClass(Object.getPrototypeOf(this) as object, Process.prototype, parentOnly, where);
      const data = this.#encode(instanceData(this, processFields, where), "this");
      args = [data.value, { name: this.name, daemon: this.daemon, context: this.context }];
      revive = data.found;
    }
    const { spawn } = resolveContext(this.context, "Process");
    let onExit!: () => void;
    this.#exited = new Promise<void>((resolve) => (onExit = resolve));
    try {
      this.#handle = this.#spawn(spawn, () => onExit());
    } catch (error) {
      this.#giveBack();
      throw error;
    }
    this.#call = null;
    active.add(this as unknown as Process<unknown[]>);
    this.#handle.send({ t: "process", name: this.name, target, args, revive, daemon: this.daemon, parentName: currentProcess().name, log: loggingForWorkers() });
    if (this.daemon) this.#handle.unref();
  }

  #spawn(spawn: SpawnWorker, onExit: () => void): WorkerHandle {
    return spawn({
      name: this.name,
      ...this.#spawnOptions,
      onMessage: () => {},
      onExit: (info) => {
        this.#exitCode = exitCodeOf(info, this.#stopSignal);
        active.delete(this as unknown as Process<unknown[]>);
        this.#giveBack();
        onExit();
      },
    });
  }

  #giveBack(): void {
    const lends = this.#giveBackLends;
    this.#giveBackLends = [];
    for (const giveBack of lends) giveBack();
  }

  /**
   * Wait until the worker exits, or until `timeout` seconds have passed (then check isAlive()).
   * A negative `timeout` waits not at all, as Python's join(-1) does; null or none waits for ever.
   */
  async join(timeout?: number | null): Promise<void> {
    this.#checkOpen();
    if (!this.#exited) throw new ProcessStateError(`Process ${this.name}: can only join a started process`);
    if (timeout !== undefined && timeout !== null && !(typeof timeout === "number" && !Number.isNaN(timeout))) {
      throw new RangeError(`Process.join: timeout must be a number of seconds, got ${String(timeout)}`);
    }
    // A daemon's handle is unreferenced; the program must not end while this is awaited.
    if (timeout === undefined || timeout === null) return whileAwaited(this.#exited);
    timeout = Math.max(0, timeout);
    let timer: NodeJS.Timeout | undefined;
    await whileAwaited(Promise.race([this.#exited, new Promise<void>((r) => (timer = setTimeout(r, timeout * 1000)))]));
    clearTimeout(timer);
  }

  /** SIGTERM (threads: stop the thread). exitCode becomes -15. */
  terminate(): void {
    this.#stop("SIGTERM");
  }

  /** SIGKILL (threads: stop the thread). exitCode becomes -9. */
  kill(): void {
    this.#stop("SIGKILL");
  }

  isAlive(): boolean {
    this.#checkOpen();
    return this.#handle !== null && this.#exitCode === null;
  }

  /** null while running (or not started), 0 on success, 1 if the target threw, -N if stopped by signal N. */
  get exitCode(): number | null {
    this.#checkOpen();
    return this.#exitCode;
  }

  /**
   * What mp.connection.wait() waits on for this process's exit, as Python's `p.sentinel` (a file
   * descriptor there): the Process itself, ready in wait() once it has exited.
   */
  get sentinel(): this {
    this.#checkOpen();
    if (!this.#exited) throw new ProcessStateError(`Process ${this.name}: a process that was not started has no sentinel`);
    return this;
  }

  /** The OS process id once started (for a thread, this process's own id). */
  get pid(): number | undefined {
    this.#checkOpen();
    return this.#handle?.pid;
  }

  /**
   * Python's close(): lets go of the finished worker. Throws ProcessStateError while it still
   * runs; afterwards start(), join(), terminate(), kill(), isAlive(), exitCode and pid throw
   * ProcessStateError (Python: ValueError). Closing twice does nothing.
   */
  close(): void {
    if (this.#closed) return;
    if (this.#handle !== null && this.#exitCode === null) {
      throw new ProcessStateError(`Process ${this.name}: cannot close a process while it is still running; join() or terminate() it first (Python: ValueError)`);
    }
    this.#closed = true;
    this.#handle = null;
    active.delete(this as unknown as Process<unknown[]>);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ProcessStateError(`Process ${this.name}: the process object is closed (Python: ValueError)`);
  }


  /** Python's name for pid. */
  get ident(): number | undefined {
    return this.pid;
  }

  /** The worker_threads id in the thread context. */
  get threadId(): number | undefined {
    return this.#handle?.context === "thread" ? this.#handle.id : undefined;
  }

  /** `value` as it will be sent: checked for what cannot be cloned, its shareables replaced by descriptors. */
  #encode<T>(value: T, path: string): { value: T; found: boolean } {
    const bad = findUncloneable(value, path);
    if (bad) throw new CloneError(`Process ${this.name}: ${bad.path} cannot be sent to the worker: it ${bad.reason}`, bad.path);
    const shared = encodeShareables(value, { unclaimed: (giveBack) => this.#giveBackLends.push(giveBack) });
    const threadOnly = this.context === "process" && shared.found ? findThreadOnlyShareable(shared.value, path) : null;
    if (threadOnly) {
      this.#giveBack();
      throw new CloneError(`Process ${this.name}: ${threadOnly.path} ${threadOnly.reason}`, threadOnly.path);
    }
    return shared;
  }

  #stop(signal: string): void {
    this.#checkOpen();
    if (!this.#handle) throw new ProcessStateError(`Process ${this.name}: it was never started`);
    if (this.#exitCode !== null) return;
    this.#stopSignal ??= signal;
    if (signal === "SIGKILL") this.#handle.kill();
    else this.#handle.terminate();
  }

  /** Python's repr: `<Process name='Process-1' pid=123 parent=45 stopped exitcode=SIGTERM daemon>`. */
  toString(): string {
    const info = [userClassName(this), `name='${this.name}'`];
    if (this.#handle) info.push(`pid=${this.#handle.pid}`);
    info.push(`parent=${process.pid}`);
    info.push(this.#closed ? "closed" : this.#handle === null ? "initial" : this.#exitCode === null ? "started" : "stopped");
    if (this.#exitCode !== null && !this.#closed) info.push(`exitcode=${exitCodeName(this.#exitCode)}`);
    if (this.daemon) info.push("daemon");
    return `<${info.join(" ")}>`;
  }

  /** console.log() and util.inspect() show the repr, as Python's do. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** The class name a user knows: a subclass's own, else "Process" (not a context's inner class). */
function userClassName(p: object): string {
  const name = (p.constructor as { name?: string }).name;
  return name && !name.startsWith("Context") ? name : "Process";
}

/** -15 as Python's repr shows it: SIGTERM. */
function exitCodeName(code: number): string {
  if (code >= 0) return String(code);
  const entry = Object.entries(constants.signals).find(([, n]) => n === -code);
  return entry ? entry[0] : String(code);
}

/** Python's convention: the exit code, or minus the signal's number. */
function exitCodeOf(info: ExitInfo, stopSignal: string | null): number {
  const signal = info.signal ?? (info.code === null ? stopSignal : null);
  if (signal) return -((constants.signals as Record<string, number>)[signal] ?? 1);
  return info.code ?? 1;
}

/** A Process's own fields, which are not the subclass's data: the worker's `this` gets them apart. */
const processFields: ReadonlySet<PropertyKey> = new Set(["name", "daemon", "context"]);

/** Members of Process that mean nothing in the worker: a subclass's overrides of them stay in the parent. */
const parentOnly: ReadonlySet<PropertyKey> = new Set(
  Reflect.ownKeys(Process.prototype).filter((key) => key !== "run" && key !== "toString" && key !== "constructor"),
);
