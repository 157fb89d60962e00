// How an item crosses a queue, pipe or connection: v8.serialize, the structured clone algorithm
// that the rest of multiproc uses for arguments and results, so Map, Set, Date, BigInt, typed
// arrays, Error and cycles arrive the same way through a Queue as through Pool.map.
//
// A manager's proxies inside an item travel as proxies (Python pickles them the same way): the
// item is sent wrapped, { [MARK]: item with descriptors }, and rebuilt on the way out. Other
// shared objects (queues, locks, shared memory) are refused with a CloneError that says what to
// do, as Python refuses them ("should only be shared between processes through inheritance"):
// structured clone would silently turn them into empty objects.

import { deserialize, serialize } from "node:v8";
import { CloneError } from "../errors.js";
import { loadKinds, missingKinds } from "../lazy-shareables.js";
import { decodeShareables, encodeShareables, kInMessages, sharesAnything, type Shareable } from "../memory/shareable.js";
import { findUncloneable } from "../wire/clone-check.js";

/** The key of the wrapper around an item that holds proxies. */
const MARK = "__multiproc_item_shareables__";
const MAX_DEPTH = 32;

/** The item as bytes; a CloneError naming the part that cannot be sent (`where`: "Queue.put"). */
export function encodeItem(item: unknown, where: string): Uint8Array {
  let value = item;
  if (typeof item === "object" && item !== null && sharesAnything()) {
    try {
      const encoded = encodeShareables(item, undefined, admitInMessages);
      if (encoded.found) value = { [MARK]: encoded.value };
    } catch (error) {
      throw error instanceof NotInMessages ? refusal(error.shareable, item, where) : error;
    }
  }
  try {
    return serialize(value);
  } catch (error) {
    const bad = findUncloneable(item, "item") ?? { path: "item", reason: `cannot be serialized (${(error as Error).message})` };
    throw new CloneError(
      `${where}: ${bad.path} cannot be sent to another worker: it ${bad.reason}. Send plain data ` +
        `(objects, arrays, Map, Set, Date, typed arrays, Error, ...).`,
      bad.path,
      error,
    );
  }
}

/** Thrown by admitInMessages, out of encodeShareables, for encodeItem to name where the object is. */
class NotInMessages extends Error {
  constructor(readonly shareable: Shareable) {
    super("not in messages");
  }
}

function admitInMessages(v: Shareable): void {
  if ((v as { [kInMessages]?: boolean })[kInMessages] !== true) throw new NotInMessages(v);
}

function refusal(v: Shareable, item: unknown, where: string): CloneError {
  const path = pathTo(item, v, "item", 0) ?? "item";
  const type = (v as object).constructor?.name ?? "shared object";
  return new CloneError(
    `${where}: ${path} is a ${type}, which reaches another worker only as an argument (Process args, ` +
      `Pool task arguments, initargs), not inside a queue or pipe message: nothing would keep its shared ` +
      `memory alive while the message waits (Python refuses it too: "${type} objects should only be shared ` +
      `between processes through inheritance"). Pass it as an argument, or use a Manager's ${type}, whose proxy can be sent.`,
    path,
  );
}

/** Where `target` is inside `v` (arrays and plain objects, as encodeShareables walks them). */
function pathTo(v: unknown, target: object, path: string, depth: number): string | null {
  if (v === target) return path;
  if (typeof v !== "object" || v === null || depth > MAX_DEPTH) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const hit = pathTo(v[i], target, `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return null;
  for (const [k, e] of Object.entries(v)) {
    const hit = pathTo(e, target, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, depth + 1);
    if (hit) return hit;
  }
  return null;
}

function isWrapped(v: unknown): v is { [MARK]: unknown } {
  return typeof v === "object" && v !== null && MARK in v;
}

/** The item from its bytes. `where` ("Queue.getSync") names the call if a proxy inside cannot be rebuilt yet (see decodeItemAsync). */
export function decodeItem<T>(bytes: Uint8Array, where: string): T {
  const v = deserialize(bytes);
  if (!isWrapped(v)) return v as T;
  const missing = missingKinds(v[MARK]);
  if (missing.length > 0) {
    throw new Error(
      `${where}: the item holds a Manager's proxy, and this worker has not loaded multiproc's managers yet, ` +
        `which a blocking call cannot do: use the async form (await get()/recv()) once, or import "multiproc" in the task's module`,
    );
  }
  return decodeShareables(v[MARK]) as T;
}

/**
 * decodeItem for the async calls: loads the modules that rebuild the proxies inside, if needed
 * (then it returns a Promise; otherwise the item itself, so that a plain item costs no extra tick).
 */
export function decodeItemAsync<T>(bytes: Uint8Array): T | Promise<T> {
  const v = deserialize(bytes);
  if (!isWrapped(v)) return v as T;
  const missing = missingKinds(v[MARK]);
  if (missing.length === 0) return decodeShareables(v[MARK]) as T;
  return loadKinds(missing).then(() => decodeShareables(v[MARK]) as T);
}
