// A manager's server: it owns the managed objects and runs the methods that proxies call on
// them (protocol.ts says what travels). It runs in the manager's child process or worker
// thread (server-main.ts), or in the calling process through BaseManager.getServer().

import { serializeError } from "../wire/errors.js";
import { encodeShareables, forEachDescriptor, kShareable, noteShareableCreated } from "../memory/shareable.js";
import { compileSource } from "../fn/load-function.js";
import { tasksFrom } from "../fn/task-function.js";
import { runAs } from "./caller.js";
import { addressKey } from "./client.js";
import { AttributeError } from "./errors.js";
import { FAILED, FN_MARK, isFnMarker, MANAGER, OK, PROXY_TYPE, type ProxyState, type Reply, type Request } from "./protocol.js";
import { decodeRequest, encodeReply } from "./codec.js";
import { listen, type Address, type Channel, type ChannelServer } from "./transport.js";

/** A type the server can make, as BaseManager.register() described it, with its callable in this realm. */
export interface ServedType {
  typeid: string;
  /** Makes the object: a class (called with new) or a function. Absent: the type can only be named, not made. */
  create?: (...args: never[]) => unknown;
  /** Methods proxies may call; null: the object's public methods. */
  exposed?: readonly string[] | null;
  /** Methods whose results stay in the server and come back as proxies of that typeid. */
  methodToTypeid?: Readonly<Record<string, string>> | null;
}

interface Served {
  obj: Record<string, unknown>;
  typeid: string;
  exposed: ReadonlySet<string>;
  methodToTypeid: Readonly<Record<string, string>> | null;
  /** Some value stored in it may hold proxies or shared objects (see protocol.ts). */
  holdsShared: boolean;
  /** References: one per process (channel) holding proxies to it, plus those lent (in transit to another process). */
  refs: number;
  /** A proxy to it was stored in a managed object (or passed to a method): it lives until shutdown. */
  pinned: boolean;
}

/** A client's channel, and the references its process holds (object id -> count). */
interface ChannelState {
  channel: Channel;
  caller: number;
  held: Map<number, number>;
  closed: boolean;
}

/** What a managed object does when its server shuts down (a Pool's workers stop). */
export const kServantShutdown = Symbol("multiproc.managers.shutdown");

/** A manager's server: it holds the objects and answers the proxies' calls (Python's managers.Server). */
export class ManagerServer {
  readonly #types: ReadonlyMap<string, ServedType>;
  readonly #objects = new Map<number, Served>();
  readonly #channels = new Set<Channel>();
  #nextObject = 1;
  #nextCaller = 1;
  /** Owner ids of the calling threads, by identity (caller.ts). */
  readonly #callers = new Map<string, number>();
  #listener: ChannelServer | null = null;
  #listening: Promise<Address> | null = null;
  #closing: Promise<void> | null = null;
  readonly #stopped: Promise<void>;
  #stop!: () => void;

  constructor(
    types: Iterable<ServedType>,
    readonly requestedAddress: Address,
    readonly authkey: Uint8Array | null,
  ) {
    this.#types = new Map([...types].map((t) => [t.typeid, t]));
    this.#stopped = new Promise((resolve) => (this.#stop = resolve));
  }

  /** The address it listens on, once listening (the real port when 0 was asked for). */
  get address(): Address {
    return this.#listener?.address ?? this.requestedAddress;
  }

  /** Start listening (once, however often it is called); resolves with the address. */
  listen(): Promise<Address> {
    return (this.#listening ??= this.#listen());
  }

  async #listen(): Promise<Address> {
    this.#listener = await listen(this.requestedAddress, {
      authkey: this.authkey,
      onChannel: (channel) => {
        // Until the client says which thread it is (its first call, "hello"), its own owner id.
        const state: ChannelState = { channel, caller: -this.#nextCaller++, held: new Map(), closed: false };
        this.#channels.add(channel);
        return {
          onMessage: (msg) => this.#onRequest(state, decodeRequest(msg)),
          onClose: () => {
            this.#channels.delete(channel);
            state.closed = true;
            // The process is gone (or let go): what it held is released, as Python's decrefs at exit.
            for (const [id, n] of state.held) this.#unref(id, n);
            state.held.clear();
          },
        };
      },
    });
    return this.#listener.address;
  }

  /** Python's serve_forever(): listen, and resolve once shutdown() (or a client's shutdown call) stopped it. */
  async serveForever(): Promise<void> {
    await this.listen();
    await this.#stopped;
  }

  /** Stop listening, close every client's channel, stop what the managed objects run. */
  shutdown(): Promise<void> {
    return (this.#closing ??= (async () => {
      for (const channel of this.#channels) channel.close();
      await this.#listening?.catch(() => {});
      await this.#listener?.close();
      for (const served of this.#objects.values()) {
        const stop = served.obj[kServantShutdown as unknown as string];
        if (typeof stop === "function") await (stop as () => Promise<void>).call(served.obj);
      }
      this.#objects.clear();
      this.#stop();
    })());
  }

  /** Make an object of `typeid` and keep it, held by `holder` (the channel that asked); answers what a proxy needs. */
  async #create(holder: ChannelState, typeid: string, args: unknown[], holdsShared: boolean): Promise<ProxyState> {
    const type = this.#types.get(typeid);
    if (!type) throw new AttributeError(`this manager has no type '${typeid}' (registered: ${[...this.#types.keys()].join(", ")})`);
    if (!type.create) throw new TypeError(`'${typeid}' was registered without a callable, so it cannot be made here`);
    const obj = await construct(type.create, args.map(decodeFunctions));
    return this.#keep(holder, obj, typeid, type.exposed ?? null, type.methodToTypeid ?? null, holdsShared);
  }

  #keep(holder: ChannelState, obj: unknown, typeid: string, exposed: readonly string[] | null, methodToTypeid: Readonly<Record<string, string>> | null, holdsShared: boolean): ProxyState {
    if (typeof obj !== "object" || obj === null) throw new TypeError(`the callable of '${typeid}' returned ${obj === null ? "null" : typeof obj}, not an object`);
    const id = this.#nextObject++;
    const names = exposed ?? publicMethods(obj);
    // The asking process's proxy holds it (a channel that closed meanwhile holds nothing: freed below).
    this.#objects.set(id, { obj: obj as Record<string, unknown>, typeid, exposed: new Set(names), methodToTypeid, holdsShared, refs: 1, pinned: false });
    if (holder.closed) queueMicrotask(() => this.#unref(id, 1));
    else holder.held.set(id, 1);
    return { typeid, address: this.address, id, exposed: [...names] };
  }

  /**
   * @internal The object behind a proxy of this server, received as an argument (a Condition
   * made over a managed Lock); anything else as it is.
   */
  local(value: unknown): unknown {
    let id: number | null = null;
    forEachDescriptor([value], PROXY_TYPE, (state) => {
      const s = state as ProxyState;
      if (addressKey(s.address) === addressKey(this.address)) id = s.id;
    });
    if (id === null) return value;
    const served = this.#objects.get(id);
    if (!served) throw new ReferenceError(`managed object ${id} does not exist`);
    return served.obj;
  }

  /** Proxies to objects of this server found in a call's arguments: those objects live until shutdown (they may be stored). */
  #pinIn(args: unknown[]): void {
    forEachDescriptor(args, PROXY_TYPE, (state) => {
      const s = state as ProxyState;
      const served = this.#objects.get(s.id);
      if (served && addressKey(s.address) === addressKey(this.address)) served.pinned = true;
    });
  }

  /**
   * The reference counting of Python's managers (incref/decref), batched by the clients
   * (client.ts says when each is sent): `lend` one per proxy sent to another process (it holds
   * the object while in transit), `keep` a received proxy the receiving process did not hold
   * (the lent reference becomes its own), `drop` one it already held (the lent reference is
   * given back), `incref`/`decref` a process's own reference.
   */
  #refs(holder: ChannelState, [lend, keep, drop, incref, decref]: number[][]): null {
    for (const id of lend ?? []) {
      const served = this.#objects.get(id);
      if (served) served.refs++;
    }
    for (const id of keep ?? []) if (this.#objects.has(id)) holder.held.set(id, (holder.held.get(id) ?? 0) + 1);
    for (const id of drop ?? []) this.#unref(id, 1);
    for (const id of incref ?? []) {
      const served = this.#objects.get(id);
      if (!served) continue;
      served.refs++;
      holder.held.set(id, (holder.held.get(id) ?? 0) + 1);
    }
    for (const id of decref ?? []) {
      const n = holder.held.get(id) ?? 0;
      if (n === 0) continue;
      if (n === 1) holder.held.delete(id);
      else holder.held.set(id, n - 1);
      this.#unref(id, 1);
    }
    return null;
  }

  /** Drop `n` references; an object left with none (and not pinned) is freed. */
  #unref(id: number, n: number): void {
    const served = this.#objects.get(id);
    if (!served) return;
    served.refs -= n;
    if (served.refs > 0 || served.pinned) return;
    this.#objects.delete(id);
    const stop = served.obj[kServantShutdown as unknown as string];
    if (typeof stop === "function") void Promise.resolve((stop as () => unknown).call(served.obj)).catch(() => {});
  }

  #onRequest(from: ChannelState, [reqId, objId, method, args, holdsShared]: Request): void {
    const channel = from.channel;
    let result: unknown;
    let shared = false;
    try {
      if (holdsShared) this.#pinIn(args);
      if (objId === MANAGER) {
        result = this.#manage(from, method, args, holdsShared);
        shared = method === "create";
      } else {
        const served = this.#objects.get(objId);
        if (!served) throw new ReferenceError(`managed object ${objId} does not exist (it was freed, or this is another manager)`);
        if (!served.exposed.has(method)) {
          throw new AttributeError(`method '${method}' of ${served.typeid} object is not exposed (exposed: ${[...served.exposed].join(", ")})`);
        }
        if (holdsShared) served.holdsShared = true;
        shared = served.holdsShared;
        const fn = served.obj[method];
        if (typeof fn !== "function") throw new AttributeError(`'${served.typeid}' object has no method '${method}'`);
        const decoded = args.some(isFnMarker) ? args.map(decodeFunctions) : args;
        result = runAs(from.caller, () => (fn as (...a: unknown[]) => unknown).apply(served.obj, decoded));
        const typeid = served.methodToTypeid?.[method];
        if (typeid) {
          result = Promise.resolve(result).then((r) => this.#asProxy(from, r, typeid));
          shared = true;
        }
      }
    } catch (error) {
      return this.#reply(channel, [reqId, FAILED, serializeError(error)]);
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.#reply(channel, [reqId, OK, value, shared]),
        (error: unknown) => this.#reply(channel, [reqId, FAILED, serializeError(error)]),
      );
    } else {
      this.#reply(channel, [reqId, OK, result, shared]);
    }
  }

  #manage(from: ChannelState, method: string, args: unknown[], holdsShared: boolean): unknown {
    switch (method) {
      case "create":
        return this.#create(from, args[0] as string, (args[1] as unknown[]) ?? [], holdsShared).then(descriptorOf);
      case "refs":
        return this.#refs(from, args as number[][]);
      case "hello": {
        // The calling thread (caller.ts): its connections share one owner id.
        const identity = String(args[0]);
        let caller = this.#callers.get(identity);
        if (caller === undefined) this.#callers.set(identity, (caller = this.#callers.size + 1));
        from.caller = caller;
        return null;
      }
      case "shutdown":
        // Answer first, then stop: the caller learns that it worked.
        setImmediate(() => void this.shutdown());
        return null;
      case "numberOfObjects":
        return this.#objects.size;
      case "debugInfo":
        return [...this.#objects].map(([id, o]) => ({ id, typeid: o.typeid, refs: o.refs, pinned: o.pinned }));
      case "dummy":
        return null;
      default:
        throw new AttributeError(`a manager has no operation '${method}'`);
    }
  }

  #asProxy(from: ChannelState, obj: unknown, typeid: string): unknown {
    const type = this.#types.get(typeid);
    return descriptorOf(this.#keep(from, obj, typeid, type?.exposed ?? null, type?.methodToTypeid ?? null, false));
  }

  #reply(channel: Channel, reply: Reply): void {
    let body: Uint8Array;
    try {
      body = encodeReply(reply);
    } catch (error) {
      // The result cannot be cloned: say so instead of leaving the caller waiting.
      const why = new TypeError(`the manager cannot send back the result of this call: ${error instanceof Error ? error.message : String(error)}`);
      body = encodeReply([reply[0], FAILED, serializeError(why)]);
    }
    channel.send(body).catch(() => {}); // the channel is gone: nobody to tell
  }
}

/** A ProxyState as a shareable descriptor, which the client's decodeShareables turns into a proxy. */
function descriptorOf(state: ProxyState): unknown {
  noteShareableCreated();
  return encodeShareables({ [kShareable]: () => ({ type: PROXY_TYPE, state }) }).value;
}

/** A class is called with new, any other function called: Python calls either. */
export async function construct(create: (...args: never[]) => unknown, args: unknown[]): Promise<unknown> {
  const isClass = /^class\b/.test(Function.prototype.toString.call(create));
  return isClass ? Reflect.construct(create, args) : await (create as (...a: unknown[]) => unknown)(...args);
}

/** Python's public_methods(): every callable attribute not starting with "_", up the prototype chain. */
export function publicMethods(obj: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = obj; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === "constructor" || key.startsWith("_")) continue;
      const desc = Object.getOwnPropertyDescriptor(o, key);
      if (desc && typeof desc.value === "function") names.add(key);
    }
  }
  return [...names];
}

/** A function marker (protocol.ts) in the arguments becomes the function again: compiled source, or a module reference. */
function decodeFunctions(v: unknown): unknown {
  if (!isFnMarker(v)) return v;
  const spec = v[FN_MARK];
  return spec.kind === "source" ? compileSource(spec) : (tasksFrom<Record<string, never>>(spec.url) as Record<string, unknown>)[spec.exportName];
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}
