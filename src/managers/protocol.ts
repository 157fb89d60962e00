// The messages between a manager's proxies and its server, written down in one place.
//
//   client                                           server
//   [reqId, objId, method, args, holdsShared]  --->  calls objects[objId][method](...args)
//                                              <---  [reqId, OK, value, holdsShared]
//                                              <---  [reqId, FAILED, WireError]
//
// objId 0 is the manager itself: "create" (typeid, args) makes an object and answers its
// ProxyState, "shutdown" stops the server. Calls on one channel run concurrently (a blocked
// queue get does not hold up the set that follows it), each answered when it settles.
//
// Values travel by structured clone, except that calls and replies of primitives only are packed
// by hand (codec.ts: the bytes, and why). Proxies and multiproc's shared objects inside them travel
// as shareable descriptors (memory/shareable.ts), which the server stores as they are and hands
// back, so a proxy stored in a managed list comes back a proxy; `holdsShared` says a value may
// hold such descriptors, so that only those are searched. Functions in arguments (a sort key, a
// Pool task) travel as FnSpecs and are compiled in the server.

import type { FnSpec } from "../wire/messages.js";
import type { WireError } from "../wire/errors.js";
import type { Address } from "./transport.js";

export const OK = 0;
export const FAILED = 1;

export type Request = [reqId: number, objId: number, method: string, args: unknown[], holdsShared: boolean];
export type Reply = [reqId: number, status: typeof OK, value: unknown, holdsShared: boolean] | [reqId: number, status: typeof FAILED, error: WireError];

/** objId of the manager itself. */
export const MANAGER = 0;

/** What names a managed object: everything a proxy needs to reach it from any process. */
export interface ProxyState {
  typeid: string;
  address: Address;
  id: number;
  /** The methods the server lets proxies call. */
  exposed: string[];
  /** The manager's key; left out of what the server stores (the reviving side knows it). */
  authkey?: Uint8Array | null;
}

/** How a function crosses to the server inside a call's arguments. */
export const FN_MARK = "__multiproc_manager_fn__";
export interface FnMarker {
  [FN_MARK]: FnSpec;
}

export function isFnMarker(v: unknown): v is FnMarker {
  return typeof v === "object" && v !== null && FN_MARK in v;
}

/** The shareable type name proxies travel under. */
export const PROXY_TYPE = "managers.Proxy";
