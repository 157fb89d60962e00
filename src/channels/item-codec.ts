// How an item crosses a queue or pipe: v8.serialize, the structured clone algorithm that the
// rest of multiproc uses for arguments and results, so Map, Set, Date, BigInt, typed arrays,
// Error and cycles arrive the same way through a Queue as through Pool.map.

import { deserialize, serialize } from "node:v8";
import { CloneError } from "../errors.js";
import { findUncloneable } from "../wire/clone-check.js";

/** The item as bytes; a CloneError naming the part that cannot be copied (`where`: "Queue.put"). */
export function encodeItem(item: unknown, where: string): Uint8Array {
  try {
    return serialize(item);
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

export function decodeItem<T>(bytes: Uint8Array): T {
  return deserialize(bytes) as T;
}
