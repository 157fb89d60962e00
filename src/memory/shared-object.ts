// Plumbing every shared sync object and value needs: which context it is for, its block of
// shared memory (new, or the sender's when a worker rebuilds it).

import { contextNameOf, type ContextChoice } from "../start-method.js";
import { SharedBlock } from "./block.js";
import { isRebuilding, noteShareableCreated, rebuildWith, takeRebuildState } from "./shareable.js";

/** Which context a shared object is for: "process" (the default unless setStartMethod said otherwise) or "thread". */
export interface ContextOption {
  context?: ContextChoice;
}

/** Construct (with `make`) an object over an existing block: the worker side of sharing (shareable.ts). */
export function reviveOver<T>(state: SharedBlock["state"], make: () => T): T {
  return rebuildWith(SharedBlock.revive(state), make);
}

/** In a constructor, before blockFor(): whether this object is being rebuilt over a received block. */
export function isReviving(): boolean {
  return isRebuilding();
}

/** In a constructor: the block being revived, or a new one of `bytes` bytes for `context`. */
export function blockFor(context: ContextOption["context"], bytes: number, where: string): SharedBlock {
  noteShareableCreated();
  return takeRebuildState<SharedBlock>() ?? SharedBlock.create(contextNameOf(context, where), bytes);
}
