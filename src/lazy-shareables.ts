// Shareable kinds whose modules load only when a message holds one: a manager's proxies (their
// client, codec and the connection layer cost a worker about 16 ms to load). Used by the worker
// runtime for task messages (runtime/shareable-types.ts) and by queues, pipes and connections for
// the items they carry (channels/item-codec.ts). Not in runtime/, since the parent side uses it too.

import { forEachDescriptor, hasReviver } from "./memory/shareable.js";

/** Each lazy kind's descriptor type, and how to load the module that registers its reviver. */
const LAZY_KINDS: ReadonlyMap<string, () => Promise<unknown>> = new Map([["managers.Proxy", () => import("./managers/proxies.js")]]);
const loading = new Map<string, Promise<unknown>>();

/** The lazy kinds inside `value` (an encoded value) that cannot be rebuilt here yet. */
export function missingKinds(value: unknown): string[] {
  const out: string[] = [];
  for (const kind of LAZY_KINDS.keys()) {
    if (hasReviver(kind)) continue;
    let holds = false;
    forEachDescriptor(value, kind, () => (holds = true));
    if (holds) out.push(kind);
  }
  return out;
}

/** Loads the modules of `kinds` (each once per thread). */
export function loadKinds(kinds: readonly string[]): Promise<unknown> {
  return Promise.all(
    kinds.map((kind) => {
      let p = loading.get(kind);
      if (!p) loading.set(kind, (p = LAZY_KINDS.get(kind)!()));
      return p;
    }),
  );
}
