// A proxy: the handle through which any process calls methods on an object living in a
// manager. It holds only the object's address, id and the manager's key, so it travels to
// Process targets, Pool tasks and initargs as a shareable (memory/shareable.ts), and inside queue,
// pipe and connection messages, and reconnects from there; and it can be stored inside another
// managed object and come back a proxy.

import { kInMessages, kShareable, noteShareableCreated, registerShareable, type Shareable } from "../memory/shareable.js";
import { addressKey, authkeyOfReply, clientOfReply, describeAddress, encodeFunctions, ManagerClient } from "./client.js";
import { PROXY_TYPE, type ProxyState } from "./protocol.js";
import type { Address } from "./transport.js";

/** Methods of a type T as a proxy offers them: the same parameters, each returning a Promise of the result. */
export type ProxyMethods<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? (K extends `_${string}` ? never : K) : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

const kTrack = Symbol("multiproc.managers.track");

/** Python's BaseProxy: subclass it (and pass it as register()'s proxyType) to shape a type's proxy. */
export class BaseProxy implements Shareable {
  readonly #state: ProxyState;
  #client: ManagerClient | null = null;

  constructor(state: ProxyState) {
    this.#state = state;
    noteShareableCreated();
  }

  /** The typeid the object was registered under. */
  get typeid(): string {
    return this.#state.typeid;
  }

  /** The address of the manager holding the object. */
  get address(): Address {
    return this.#state.address;
  }

  /** The object's id in its manager. */
  get id(): number {
    return this.#state.id;
  }

  /** The methods the manager lets this proxy call. */
  get exposed(): readonly string[] {
    return this.#state.exposed;
  }

  /** Python's _callmethod(): call `method` on the object in the manager and get its result (a copy). */
  _callMethod(method: string, args: unknown[] = []): Promise<unknown> {
    return this.#manager().call(this.#state.id, method, args, this);
  }

  #manager(): ManagerClient {
    return (this.#client ??= ManagerClient.for(this.#state.address, this.#state.authkey ?? null));
  }

  /** @internal Count this proxy in its manager (client.ts, track()). */
  [kTrack](from: "reply" | "foreign" | "lent"): void {
    this.#manager().track(this, this.#state.id, from);
  }

  /** A proxy may also travel inside a queue, pipe or connection message (channels/item-codec.ts), as Python pickles it. */
  get [kInMessages](): true {
    return true;
  }

  /** Sent to another process (or stored in a managed object): a reference is lent for the trip, which the receiver takes over. */
  [kShareable]() {
    this.#manager().lend(this.#state.id);
    return { type: PROXY_TYPE, state: this.#state };
  }

  toString(): string {
    return `<${this.constructor.name} object, typeid '${this.typeid}' at ${describeAddress(this.address)}, id ${this.id}>`;
  }
}

export type ProxyClass = new (state: ProxyState) => BaseProxy;

/** The proxy class of each typeid known here: SyncManager's, and those given to register() as proxyType. */
const proxyClasses = new Map<string, ProxyClass>();

export function setProxyClass(typeid: string, cls: ProxyClass): void {
  proxyClasses.set(typeid, cls);
}

const autoClasses = new Map<string, ProxyClass>();

/** Python's AutoProxy: a proxy class with one method per exposed name; functions among the arguments travel by source or module reference. */
export function autoProxyClass(exposed: readonly string[]): ProxyClass {
  const key = exposed.join(",");
  let cls = autoClasses.get(key);
  if (!cls) {
    class AutoProxy extends BaseProxy {}
    for (const name of exposed) {
      if (name in AutoProxy.prototype) continue; // never hide BaseProxy's own members
      Object.defineProperty(AutoProxy.prototype, name, {
        value: function (this: BaseProxy, ...args: unknown[]) {
          try {
            return this._callMethod(name, encodeFunctions(args, name));
          } catch (error) {
            return Promise.reject(error);
          }
        },
        writable: true,
        configurable: true,
      });
    }
    cls = AutoProxy;
    autoClasses.set(key, cls);
  }
  return cls;
}

/** The proxy for a state: its typeid's class if one is known here, else an AutoProxy. */
export function makeProxy(state: ProxyState, cls?: ProxyClass): BaseProxy {
  const Cls = cls ?? proxyClasses.get(state.typeid) ?? autoProxyClass(state.exposed);
  return new Cls(state);
}

registerShareable(PROXY_TYPE, (state, origin) => {
  const s = state as ProxyState;
  const replying = clientOfReply(origin);
  const proxy = makeProxy(s.authkey === undefined ? { ...s, authkey: authkeyOfReply(origin) } : s);
  // Counted as Python counts a proxy unpickled in a process (client.ts, track()).
  const from = replying === null ? "lent" : addressKey(replying.address) === addressKey(s.address) ? "reply" : "foreign";
  proxy[kTrack](from);
  return proxy;
});
