// Python's BaseManager: register types, then start() a server for them in a child process
// (process context) or a worker thread (thread context), connect() to one started elsewhere
// (another process, another machine), or serve them from this process with getServer().
// Proxies to its objects come from create(typeid, ...args), or from the method named after the
// typeid that register() adds, as in Python.

import type { ContextName } from "../backends/backend.js";
import type { Context } from "../context.js";
import { ProcessStateError } from "../errors.js";
import { holdEventLoop } from "../hold-event-loop.js";
import { Process } from "../process.js";
import { Pipe, type Connection } from "../channels/pipe.js";
import { contextNameOf } from "../start-method.js";
import { isTaskRef, prepareFunction, tasksFrom, type TaskFunction } from "../fn/task-function.js";
import { importFunction } from "../fn/load-function.js";
import { checkAddress, checkExposure, defaultAddress, processAuthkey, toAuthkey } from "./address.js";
import { ManagerClient, describeAddress, encodeFunctions } from "./client.js";
import { ManagerClosedError, rebuildRemoteError } from "./errors.js";
import { MANAGER } from "./protocol.js";
import { setProxyClass, type BaseProxy } from "./proxy.js";
import { checkTypeid, toWire, type Callable, type Registration, type RegisterOptions } from "./registry.js";
import { construct, ManagerServer, type ServedType } from "./server.js";
import type { ServerConfig, ServerStarted } from "./server-main.js";
import { builtinTypes } from "./sync-types.js";
import type { Address } from "./transport.js";

/** Options of a manager: its address, authkey, context and shutdown timeout, as Python's BaseManager takes. */
export interface ManagerOptions {
  /** A Unix socket path or [host, port] (port 0: any free one). Default: a fresh Unix socket. */
  address?: Address;
  /** The key clients must prove they know (string or bytes); null for none. Default: this process's own random key. */
  authkey?: string | Uint8Array | null;
  /** Where start() runs the server: "process" (a child process, the default context) or "thread". */
  context?: ContextName | Context;
  /** Listen on a non-loopback TCP address without an authkey of your choosing. */
  allowRemoteWithoutAuthkey?: boolean;
  /** Seconds shutdown() waits for the server to exit before terminating it (Python's shutdown_timeout). Default 1. */
  shutdownTimeout?: number;
}

const registries = new WeakMap<Function, Map<string, Registration>>();
const serverMain = () => tasksFrom<typeof import("./server-main.js")>(new URL("./server-main.js", import.meta.url)).serveManager;
const CLOSURE_HINT =
  "A manager started with start() runs in its own process or thread, so what register() is given must travel there: " +
  "a module function (mp.tasksFrom) or a self-contained inline function. To serve a closure over this process's " +
  "objects, run the server here: manager.getServer().serveForever().";

type State = "initial" | "started" | "connected" | "serving" | "shutdown";

/** Python's BaseManager: a server process (or thread) that holds objects, reached through proxies; register() types of your own. */
export class BaseManager {
  readonly #address: Address;
  readonly #authkey: Uint8Array | null;
  readonly #options: ManagerOptions;
  readonly #context: ContextName;
  #state: State = "initial";
  #process: Process<[ServerConfig, Connection<ServerStarted>]> | null = null;
  #server: ManagerServer | null = null;
  #client: ManagerClient | null = null;

  constructor(options: ManagerOptions = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError("BaseManager: expected an options object: { address, authkey, context }");
    this.#options = options;
    this.#address = options.address === undefined ? defaultAddress() : checkAddress(options.address, this.constructor.name);
    this.#authkey = options.authkey === undefined ? processAuthkey() : toAuthkey(options.authkey, this.constructor.name);
    this.#context = contextNameOf(options.context, this.constructor.name);
  }

  /**
   * Python's register(): make objects of `typeid` with `callable` (a class or function; a module
   * export from mp.tasksFrom() or a self-contained inline function if the server runs elsewhere).
   * Without a callable, the type can only be asked for from a server that has it (connect()).
   */
  static register(typeid: string, callable?: Callable | null, options: RegisterOptions = {}): void {
    checkTypeid(typeid);
    if (callable !== undefined && callable !== null && typeof callable !== "function" && !isTaskRef(callable)) {
      throw new TypeError(`${this.name}.register("${typeid}"): the callable must be a function, a class or an mp.tasksFrom() reference`);
    }
    let own = registries.get(this);
    if (!own) registries.set(this, (own = new Map()));
    own.set(typeid, { typeid, callable: callable ?? null, ...options });
    if (options.proxyType) setProxyClass(typeid, options.proxyType);
    if (options.createMethod !== false && !(typeid in this.prototype)) {
      Object.defineProperty(this.prototype, typeid, {
        value: function (this: BaseManager, ...args: unknown[]) {
          return this.create(typeid, ...args);
        },
        writable: true,
        configurable: true,
      });
    }
  }

  /** @internal Register one of SyncManager's own types, which every server makes by name. */
  protected static registerBuiltin(typeid: string): void {
    let own = registries.get(this);
    if (!own) registries.set(this, (own = new Map()));
    own.set(typeid, { typeid, callable: null, builtin: true });
  }

  /** Every registration of this manager's class and the classes it extends (a subclass's win). */
  #registrations(): Registration[] {
    const all = new Map<string, Registration>();
    const chain: Function[] = [];
    for (let c: Function | null = this.constructor; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Function | null) chain.unshift(c);
    for (const c of chain) for (const [k, v] of registries.get(c) ?? []) all.set(k, v);
    return [...all.values()];
  }

  get address(): Address {
    return this.#server?.address ?? this.#startedAddress ?? this.#address;
  }

  get authkey(): Uint8Array | null {
    return this.#authkey;
  }

  /** The manager's server process (null for a thread, a connected or in-process manager). */
  get pid(): number | undefined {
    return this.#process?.context === "process" ? this.#process.pid : undefined;
  }

  #checkExposure(where: string): void {
    const given = this.#options.authkey !== undefined && this.#options.authkey !== null;
    checkExposure(this.#address, given, this.#options.allowRemoteWithoutAuthkey, where);
  }

  /** Start the server in a child process (or worker thread), wait until it listens; `initializer(...initargs)` runs there first. */
  async start(initializer?: TaskFunction<(...args: never[]) => unknown>, initargs: unknown[] = []): Promise<this> {
    if (this.#state !== "initial") throw new ProcessStateError(`${this.constructor.name}.start(): the manager is already ${this.#state}`);
    this.#checkExposure(`${this.constructor.name}.start()`);
    const config: ServerConfig = {
      types: this.#registrations().map((r) => toWire(r, CLOSURE_HINT)),
      address: this.#address,
      authkey: this.#authkey,
      context: this.#context,
      initializer: initializer ? prepareFunction(initializer, `${this.constructor.name}.start`).spec : null,
      initargs,
    };
    const [started, tell] = Pipe<ServerStarted>(false, { context: this.#context });
    const server = new Process({ target: serverMain(), args: [config, tell], daemon: true, context: this.#context, name: `${this.constructor.name}-server` });
    this.#state = "started";
    this.#process = server;
    // Nothing else may hold the event loop while the server starts (a shared-memory wait does not).
    const release = holdEventLoop();
    // A server that dies before it answers ends the wait. Looked at, not joined: an awaited
    // join() would hold the event loop for as long as the server lives.
    const died = new AbortController();
    const watch = setInterval(() => {
      if (!server.isAlive()) died.abort(new ManagerClosedError(`${this.constructor.name}: the server exited with code ${server.exitCode} before it listened`));
    }, 50);
    try {
      server.start();
      const answer = await started.recv({ signal: died.signal });
      if ("error" in answer) throw rebuildRemoteError(answer.error);
      this.#startedAddress = answer.address;
    } catch (error) {
      this.#state = "shutdown";
      if (server.isAlive()) server.kill();
      throw error;
    } finally {
      clearInterval(watch);
      release();
    }
    this.#client = ManagerClient.for(this.address, this.#authkey);
    return this;
  }

  #startedAddress: Address | null = null;

  /** Connect to a manager started elsewhere (another process or machine) at `address`, with the same authkey. */
  async connect(): Promise<this> {
    if (this.#state !== "initial") throw new ProcessStateError(`${this.constructor.name}.connect(): the manager is already ${this.#state}`);
    this.#client = ManagerClient.for(this.#address, this.#authkey);
    await this.#client.call(MANAGER, "dummy", []);
    this.#state = "connected";
    return this;
  }

  /**
   * A server for this manager's types in this process (Python's get_server()): call its
   * serveForever(). Registered closures work here, as they need not travel anywhere.
   */
  getServer(): ManagerServer {
    if (this.#state !== "initial") throw new ProcessStateError(`${this.constructor.name}.getServer(): the manager is already ${this.#state}`);
    this.#checkExposure(`${this.constructor.name}.getServer()`);
    let server!: ManagerServer;
    const builtins = new Map(builtinTypes(this.#context, (v) => server.local(v)).map((t) => [t.typeid, t]));
    const types = this.#registrations().map((r): ServedType => {
      const base = { typeid: r.typeid, exposed: r.exposed ?? null, methodToTypeid: r.methodToTypeid ?? null };
      if (r.builtin) {
        const own = builtins.get(r.typeid)!;
        return { ...own, ...base, methodToTypeid: base.methodToTypeid ?? own.methodToTypeid ?? null };
      }
      const callable = r.callable;
      if (callable === null) return base;
      if (isTaskRef(callable)) {
        const spec = prepareFunction(callable, `register("${r.typeid}")`).spec as Extract<ReturnType<typeof prepareFunction>["spec"], { kind: "module" }>;
        return { ...base, create: async (...args: never[]) => construct(await importFunction(spec), args) };
      }
      return { ...base, create: callable as (...args: never[]) => unknown };
    });
    server = new ManagerServer(types, this.#address, this.#authkey);
    this.#server = server;
    this.#state = "serving";
    return server;
  }

  /** A proxy to a new object of `typeid` in the manager, made with `args` (Python's manager.typeid(*args)). */
  async create<P extends BaseProxy = BaseProxy>(typeid: string, ...args: unknown[]): Promise<P> {
    const client = this.#client;
    if (!client || this.#state === "shutdown") {
      throw new ProcessStateError(`${this.constructor.name}: start() or connect() the manager before asking it for objects (it is ${this.#state})`);
    }
    return (await client.call(MANAGER, "create", [typeid, encodeFunctions(args, typeid)])) as P;
  }

  /** Stop the server (started here) and wait for it to exit; a connected manager only stops making objects. */
  async shutdown(): Promise<void> {
    const state = this.#state;
    this.#state = "shutdown";
    const client = this.#client;
    if (state === "started" && client) {
      try {
        await client.call(MANAGER, "shutdown", []);
      } catch {}
    }
    // A connected manager leaves the process's channel to the server open (other proxies use
    // it; idle, it does not keep the program alive); one started here closes it.
    if (state === "started") client?.close();
    if (this.#process) {
      await this.#process.join(this.#options.shutdownTimeout ?? 1);
      if (this.#process.isAlive()) {
        this.#process.terminate();
        await this.#process.join();
      }
    }
    if (state === "serving") await this.#server?.shutdown();
  }

  /** How many objects the manager holds now (Python's _number_of_objects(), for debugging and tests). */
  async _numberOfObjects(): Promise<number> {
    return (await this.#started("_numberOfObjects").call(MANAGER, "numberOfObjects", [])) as number;
  }

  /** The objects the manager holds, each with its reference count (Python's _debug_info()). */
  async _debugInfo(): Promise<{ id: number; typeid: string; refs: number; pinned: boolean }[]> {
    return (await this.#started("_debugInfo").call(MANAGER, "debugInfo", [])) as { id: number; typeid: string; refs: number; pinned: boolean }[];
  }

  #started(what: string): ManagerClient {
    if (!this.#client || this.#state === "shutdown") throw new ProcessStateError(`${this.constructor.name}.${what}(): start() or connect() the manager first (it is ${this.#state})`);
    return this.#client;
  }

  /** Wait for the server process to exit (Python's join()). */
  async join(timeout?: number): Promise<void> {
    if (!this.#process) throw new ProcessStateError(`${this.constructor.name}.join(): the manager was not started here`);
    await this.#process.join(timeout);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  toString(): string {
    return `<${this.constructor.name} at ${describeAddress(this.address)}, ${this.#state}>`;
  }
}
