// The client side of the manager protocol: one channel per manager address in each process (or
// worker thread), shared by every proxy to that manager, as Python shares one connection per
// thread. Calls on it are matched to replies by id, so many can be in flight at once.
// The channel keeps the event loop alive only while calls are pending: an idle proxy does not
// keep a program running.

import { CloneError } from "../errors.js";
import { decodeShareables, encodeShareables } from "../memory/shareable.js";
import { findUncloneable } from "../wire/clone-check.js";
import { isTaskRef, prepareFunction } from "../fn/task-function.js";
import type { WireError } from "../wire/errors.js";
import { ManagerClosedError, rebuildRemoteError } from "./errors.js";
import { CALLER_IDENTITY } from "./caller.js";
import { decodeReply, encodeRequest } from "./codec.js";
import { FN_MARK, MANAGER, OK, type Reply } from "./protocol.js";
import { AuthenticationError } from "../connection/errors.js";
import type { Address, Channel } from "./transport.js";

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The proxy making the call, kept alive (and its object with it) until the call settles. */
  holder: object | undefined;
}

/** "host:port" or the socket path: what identifies a manager's address. */
export function addressKey(address: Address): string {
  return typeof address === "string" ? address : `${address[0]}:${address[1]}`;
}

export function describeAddress(address: Address): string {
  return typeof address === "string" ? address : `${address[0]}:${address[1]}`;
}

const clients = new Map<string, ManagerClient>();

/**
 * What a client tells decodeShareables() of a reply (its revivers' `origin`): proxies revived
 * from it get the key of the channel it came on (the server does not store keys), and were
 * counted by that client's manager or must be increfed. Elsewhere (no origin) neither.
 */
export interface ReplyOrigin {
  client: ManagerClient;
}

/** The client whose reply is being decoded, from a reviver's `origin`, if any. */
export function clientOfReply(origin: unknown): ManagerClient | null {
  return (origin as ReplyOrigin | undefined)?.client ?? null;
}

/** The key of the channel a reply came on, from a reviver's `origin` (null: none). */
export function authkeyOfReply(origin: unknown): Uint8Array | null {
  return clientOfReply(origin)?.authkey ?? null;
}

/** The entry that keeps a client's map of pending calls from shrinking (see #pending). */
const KEEP: Pending = { resolve() {}, reject() {}, holder: undefined };

/** Milliseconds a client gathers dropped proxies before telling the manager (one message for many). */
const DECREF_DELAY = 50;

type RefOps = { lend: number[]; keep: number[]; drop: number[]; incref: number[]; decref: number[] };

/** The proxies of this process, by their client and object id: each one collected is a decref. */
const dropped = new FinalizationRegistry<{ client: ManagerClient; id: number }>(({ client, id }) => client.release(id));

let revivers: Promise<unknown> | null = null;

export class ManagerClient {
  #channel: Promise<Channel> | null = null;
  #live: Channel | null = null;
  /**
   * Calls waiting for their reply, by id, and under id 0 an entry that is never removed: a Map
   * emptied by each reply would shrink (a new table, garbage) at every call.
   */
  readonly #pending = new Map<number, Pending>([[0, KEEP]]);
  #nextId = 1;
  /** Live proxies of this process, by object id: the process holds one reference while any is alive. */
  readonly #held = new Map<number, number>();
  #ops: RefOps | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #flushQueued = false;

  private constructor(
    readonly address: Address,
    readonly authkey: Uint8Array | null,
  ) {}

  /** The shared client of the manager at `address`. */
  static for(address: Address, authkey: Uint8Array | null): ManagerClient {
    // Keyed by the authkey too: a client with another key must not borrow an authenticated channel.
    const key = `${addressKey(address)}#${authkey ? Buffer.from(authkey).toString("hex") : ""}`;
    let client = clients.get(key);
    if (!client) {
      client = new ManagerClient(address, authkey);
      clients.set(key, client);
    }
    return client;
  }

  /** Call `method` on object `objId` with `args`, which may hold proxies and shared objects (and functions made into markers by encodeFunctions). */
  call(objId: number, method: string, args: unknown[], holder?: object): Promise<unknown> {
    const id = this.#nextId;
    this.#nextId = id >= 0xffffffff ? 1 : id + 1;
    let body: Uint8Array;
    try {
      body = encodeCall(id, objId, method, args);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, holder });
      if (this.#pending.size === 2) this.#live?.ref();
      if (this.#live) return this.#send(id, body);
      (this.#channel ??= this.#connect()).then(
        () => this.#send(id, body),
        (error: unknown) => this.#settle(id)?.reject(error),
      );
    });
  }

  #send(id: number, body: Uint8Array): void {
    this.#live!.send(body).catch((error: unknown) => this.#settle(id)?.reject(error));
  }

  async #connect(): Promise<Channel> {
    try {
      // Loaded at the first call: a worker that only receives proxies (reviving them) skips the socket layer.
      const { connect } = await import("./transport.js");
      const channel = await connect(this.address, this.authkey, {
        onMessage: (msg) => this.#onReply(decodeReply(msg)),
        onClose: (error) => this.#onClose(error),
      });
      this.#live = channel;
      if (this.#pending.size === 1) channel.unref();
      // First on the channel: which thread this is, the owner of the locks it takes (caller.ts).
      this.call(MANAGER, "hello", [CALLER_IDENTITY]).catch(() => {});
      return channel;
    } catch (error) {
      this.#channel = null;
      if (error instanceof AuthenticationError) throw error;
      throw new ManagerClosedError(
        `cannot reach the manager at ${describeAddress(this.address)}: ${(error as Error).message ?? String(error)} ` +
          `(it was shut down, or its process exited)`,
        { cause: error },
      );
    }
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending || id === 0) return undefined;
    this.#pending.delete(id);
    if (this.#pending.size === 1) this.#live?.unref();
    return pending;
  }

  #onReply(reply: Reply): void {
    const pending = this.#settle(reply[0]);
    if (!pending) return;
    if (reply[1] !== OK) return pending.reject(rebuildRemoteError(reply[2] as WireError));
    if (!reply[3]) return pending.resolve(reply[2]);
    // The value may hold proxies or shared objects: revive them (loading their types first).
    (revivers ??= import("../all-shareables.js")).then(() => {
      try {
        pending.resolve(decodeShareables(reply[2], { client: this } satisfies ReplyOrigin));
      } catch (error) {
        pending.reject(error);
      }
    }, pending.reject);
  }

  /**
   * Reference counting, as Python's proxies incref and decref (server.ts keeps the counts).
   * `proxy` was just made for object `id`; `from` says how its reference came: "reply" (made by
   * this client's own call, which the server counted, or read back from a managed object, which
   * pins it), "foreign" (read back from another manager: increfed here), "lent" (revived from
   * what another process sent, which lent a reference for the trip).
   */
  track(proxy: object, id: number, from: "reply" | "foreign" | "lent"): void {
    const n = this.#held.get(id) ?? 0;
    this.#held.set(id, n + 1);
    dropped.register(proxy, { client: this, id });
    if (from === "lent") this.#queue(n === 0 ? "keep" : "drop", id, 0);
    else if (from === "foreign" && n === 0) this.#queue("incref", id, 0);
  }

  /** A proxy to `id` is being sent to another process: hold a reference for it until it arrives. */
  lend(id: number): void {
    this.#queue("lend", id, 0);
  }

  /** @internal A proxy of this process was collected (FinalizationRegistry). */
  release(id: number): void {
    const n = (this.#held.get(id) ?? 1) - 1;
    if (n > 0) return void this.#held.set(id, n);
    this.#held.delete(id);
    this.#queue("decref", id, DECREF_DELAY);
  }

  #queue(op: keyof RefOps, id: number, delay: number): void {
    (this.#ops ??= { lend: [], keep: [], drop: [], incref: [], decref: [] })[op].push(id);
    if (delay === 0) {
      // Lends and adoptions go out at once (gathered for a microtask): sent before any later
      // decref of this process, they keep an object alive while a proxy to it travels.
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        queueMicrotask(() => this.#flush());
      }
    } else if (!this.#flushTimer && !this.#flushQueued) {
      this.#flushTimer = setTimeout(() => this.#flush(), delay);
      this.#flushTimer.unref();
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const ops = this.#ops;
    this.#ops = null;
    if (!ops) return;
    // A manager that is gone has let go of everything: nothing to tell it then.
    this.call(MANAGER, "refs", [ops.lend, ops.keep, ops.drop, ops.incref, ops.decref]).catch(() => {});
  }

  #onClose(error?: Error): void {
    this.#live = null;
    this.#channel = null;
    const why = new ManagerClosedError(
      `the connection to the manager at ${describeAddress(this.address)} closed: the manager was shut down or its process exited` +
        (error ? ` (${error.message})` : ""),
      { cause: error },
    );
    const pending = [...this.#pending.values()].filter((p) => p !== KEEP);
    this.#pending.clear();
    this.#pending.set(0, KEEP);
    for (const p of pending) p.reject(why);
  }

  /** Close this process's channel to the manager (pending calls reject). */
  close(): void {
    this.#live?.close();
    for (const [key, client] of clients) if (client === this) clients.delete(key);
  }
}

/** A call's bytes: shareables (proxies, shared objects) in the arguments as descriptors; a CloneError naming what cannot be sent. */
function encodeCall(id: number, objId: number, method: string, args: unknown[]): Uint8Array {
  let value = args;
  let found = false;
  // Only objects can be (or hold) shareables: a call of primitives skips the search.
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] === "object" && args[i] !== null) {
      ({ value, found } = encodeShareables(args));
      break;
    }
  }
  try {
    return encodeRequest([id, objId, method, value, found]);
  } catch (error) {
    const bad = findUncloneable(value, "args");
    throw bad ? new CloneError(`proxy.${method}: ${bad.path} cannot be sent to the manager: it ${bad.reason}`, bad.path, error) : error;
  }
}

/**
 * Functions among a call's arguments (a sort key, a Pool task, an argument of a registered
 * type's method) travel as their FnSpec. Throws ClosureError for a function that captures.
 */
export function encodeFunctions(args: unknown[], method: string): unknown[] {
  let out: unknown[] | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === "function" || isTaskRef(a)) (out ??= args.slice())[i] = { [FN_MARK]: prepareFunction(a, `proxy.${method}`).spec };
  }
  return out ?? args;
}
