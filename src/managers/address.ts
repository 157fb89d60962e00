// Where a manager listens, and who may connect: the default address (a fresh Unix socket, as
// Python's managers use on Linux), authkeys as bytes, and the rule that a manager without a key
// of the user's choosing stays on loopback unless told otherwise.

import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "./transport.js";

let counter = 0;

/** A fresh Unix socket path for a manager of this process. */
export function defaultAddress(): string {
  return join(tmpdir(), `multiproc-manager-${process.pid}-${++counter}-${randomBytes(4).toString("hex")}.sock`);
}

export function checkAddress(address: unknown, where: string): Address {
  if (typeof address === "string" && address.length > 0) return address;
  if (Array.isArray(address) && address.length === 2 && typeof address[0] === "string" && Number.isInteger(address[1]) && address[1] >= 0 && address[1] < 65536) {
    return [address[0], address[1]];
  }
  throw new TypeError(`${where}: address must be a Unix socket path or [host, port], got ${JSON.stringify(address)}`);
}

let processKey: Uint8Array | null = null;

/** This process's own key (Python's current_process().authkey): what a manager uses when given none. */
export function processAuthkey(): Uint8Array {
  return (processKey ??= new Uint8Array(randomBytes(32)));
}

/** An authkey as bytes: strings are UTF-8, as Python's b'...' keys usually are. */
export function toAuthkey(key: unknown, where: string): Uint8Array | null {
  if (key === null) return null;
  if (typeof key === "string") return new TextEncoder().encode(key);
  if (key instanceof Uint8Array) return new Uint8Array(key);
  throw new TypeError(`${where}: authkey must be a string or a Uint8Array (or null for none), got ${typeof key}`);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

/**
 * A server reachable from other machines needs a key its clients were given: refuse a TCP
 * address that is not loopback ("" and "0.0.0.0" mean every interface) when no authkey was
 * chosen (or null was), unless `allowRemoteWithoutAuthkey`.
 */
export function checkExposure(address: Address, authkeyGiven: boolean, allow: boolean | undefined, where: string): void {
  if (typeof address === "string" || LOOPBACK.test(address[0]) || authkeyGiven || allow) return;
  throw new Error(
    `${where}: refusing to listen on ${address[0] || "every interface"}:${address[1]}, which other machines can reach, without an authkey: ` +
      `pass { authkey } (the clients need the same one), listen on 127.0.0.1, or pass { allowRemoteWithoutAuthkey: true }`,
  );
}
