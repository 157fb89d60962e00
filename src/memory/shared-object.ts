// Plumbing every shared sync object and value needs: which context it is for, and its block of
// shared memory: a new one, or the sender's when a worker rebuilds the object.
//
// How a worker rebuilds one (the protocol of every block-backed type; shareable.ts has the
// rest): the type's reviver calls the class's ordinary constructor with the arguments the
// original was made with and the received block's state under kReceived in its options
// (`new Lock(received(state))`). blockFor() then maps that block instead of creating one, and
// skips `init`, which only writes a new block's first contents. kReceived is a symbol of this
// package that its public entry points never hand out, so user code cannot pass it, and there
// is no "being rebuilt" state anywhere else: a constructor that runs while another object is
// being rebuilt makes its own memory as usual.

import { contextNameOf, type ContextChoice } from "../start-method.js";
import { SharedBlock, type SharedBlockState } from "./block.js";
import { noteShareableCreated } from "./shareable.js";

/** Which context a shared object is for: "process" (the default unless setStartMethod said otherwise) or "thread". */
export interface ContextOption {
  context?: ContextChoice;
}

const kReceived = Symbol("multiproc.receivedBlock");

/** Options as a constructor receives them: its public ones, and kReceived when a reviver calls it. */
type Received = { [kReceived]?: SharedBlockState };

/** For a reviver: `options` plus the block to map instead of creating one (see the top of this file). */
export function received<O extends object>(state: SharedBlockState, options?: O): O {
  // Not `{ ...options, [kReceived]: state }`: that shape is ten times slower to make in V8, and a
  // Pool task that receives a Queue revives one per task.
  const into: Received = { [kReceived]: state };
  return (options ? Object.assign(into, options) : into) as O;
}

/**
 * In a constructor: the block a reviver handed it in `options` (received()), or else a new one
 * of `bytes` bytes for `context`, on which `init` runs (to check the arguments and write the
 * first contents). `context` defaults to options.context.
 */
export function blockFor(
  options: object | undefined,
  bytes: number,
  where: string,
  init?: (block: SharedBlock) => void,
  context: ContextChoice | undefined = (options as ContextOption | undefined)?.context,
): SharedBlock {
  noteShareableCreated();
  const state = (options as Received | undefined)?.[kReceived];
  if (state) return SharedBlock.revive(state);
  const block = SharedBlock.create(contextNameOf(context, where), bytes);
  init?.(block);
  return block;
}
