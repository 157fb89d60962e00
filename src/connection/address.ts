// Addresses and families as Python's multiprocessing.connection spells them: a [host, port] pair
// is AF_INET (TCP), a string is AF_UNIX (a socket path; "\0name" is Linux's abstract namespace).
// Python's AF_PIPE (Windows named pipes) has no counterpart here.

import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A TCP address ([host, port]) or a Unix socket path. */
export type Address = readonly [host: string, port: number] | string;
export type Family = "AF_INET" | "AF_UNIX";

/** The family of `address`, as Python's address_type() decides it. */
export function familyOf(address: Address, where: string): Family {
  if (typeof address === "string") {
    if (address.startsWith("\\\\")) throw new TypeError(`${where}: Windows named pipes (AF_PIPE) are not supported: ${address}`);
    return "AF_UNIX";
  }
  if (Array.isArray(address) && address.length === 2 && typeof address[0] === "string" && typeof address[1] === "number") return "AF_INET";
  throw new TypeError(`${where}: address must be [host, port] (TCP) or a socket path (Unix), not ${JSON.stringify(address) ?? String(address)}`);
}

/** Checks `family` against `address` (or picks a fresh address of that family, as Python's arbitrary_address()). */
export function resolveAddress(address: Address | null | undefined, family: string | undefined, where: string): { address: Address; family: Family } {
  if (family !== undefined && family !== "AF_INET" && family !== "AF_UNIX") {
    throw new TypeError(`${where}: family must be "AF_INET" or "AF_UNIX", not ${JSON.stringify(family)}`);
  }
  if (address === null || address === undefined) {
    const f = family ?? "AF_UNIX";
    return { family: f, address: f === "AF_INET" ? ["127.0.0.1", 0] : join(tmpdir(), `multiproc-listener-${randomBytes(6).toString("hex")}`) };
  }
  const f = familyOf(address, where);
  if (family !== undefined && family !== f) throw new TypeError(`${where}: family ${family} does not match the address ${JSON.stringify(address)} (${f})`);
  if (f === "AF_INET") {
    const port = (address as readonly [string, number])[1];
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${where}: port must be a whole number from 0 to 65535, not ${port}`);
  } else if (address === "") {
    throw new TypeError(`${where}: a Unix socket path cannot be empty`);
  }
  return { address, family: f };
}
