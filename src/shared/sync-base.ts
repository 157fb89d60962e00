// Plumbing every shared sync object and value needs: which context it is for, its block of
// shared memory (new, or the sender's when a worker rebuilds it).

import type { ContextName } from "../backends/backend.js";
import { contextName, getStartMethod } from "../start-method.js";
import { SharedBlock } from "./memory.js";
import { noteShareableCreated } from "./shareable.js";

/** Which context a shared object is for: "process" (the default unless setStartMethod said otherwise) or "thread". */
export interface ContextOption {
  context?: ContextName | { readonly name: ContextName };
}

export function resolveContext(option: ContextOption["context"], where: string): ContextName {
  if (option === undefined) return getStartMethod();
  return contextName(typeof option === "object" && option !== null ? option.name : option, where);
}

// A worker rebuilds an object by calling its ordinary constructor while `pending` holds the
// block it received: the constructor takes that instead of creating one. This keeps one code
// path (and true #private fields) for both sides.
let pending: SharedBlock | undefined;

/** Construct (with `make`) an object over an existing block: the worker side of sharing. */
export function reviveOver<T>(state: SharedBlock["state"], make: () => T): T {
  pending = SharedBlock.revive(state);
  try {
    return make();
  } finally {
    pending = undefined;
  }
}

/** In a constructor, before blockFor(): whether this object is being rebuilt over a received block. */
export function isReviving(): boolean {
  return pending !== undefined;
}

/** In a constructor: the block being revived, or a new one of `bytes` bytes for `context`. */
export function blockFor(context: ContextOption["context"], bytes: number, where: string): SharedBlock {
  noteShareableCreated();
  const revived = pending;
  if (revived) {
    pending = undefined;
    return revived;
  }
  return SharedBlock.create(resolveContext(context, where), bytes);
}

// The mutex moved to mutex.ts (the ring uses it too); this name stays for its importers.
export { CellMutex } from "./mutex.js";
