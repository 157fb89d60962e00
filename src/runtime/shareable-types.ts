// Whether this worker can rebuild shared objects (queues, locks, proxies, ...) yet. Each
// shareable type registers how to rebuild itself when its module loads (all-shareables.ts imports
// them). Loading them costs a worker tens of milliseconds at start-up, so it happens only once
// a message carries such an object, and once; a manager's proxies (their client, codec and the
// connection layer: about 16 ms more) load only once a message carries a proxy.

import { forEachDescriptor } from "../memory/shareable.js";

/** Kinds whose modules load only when a message holds one, by their descriptor type. */
const LAZY_KINDS: ReadonlyMap<string, () => Promise<unknown>> = new Map([["managers.Proxy", () => import("../managers/proxies.js")]]);

export class ShareableTypes {
  private loading: Promise<unknown> | null = null;
  private readonly lazyLoading = new Map<string, Promise<unknown>>();
  private readonly lazyLoaded = new Set<string>();
  /** The types all-shareables.ts imports have registered. */
  loaded = false;

  /** Whether everything `value` (a message that holds shared objects) needs has registered: it may be decoded at once. */
  ready(value: unknown): boolean {
    return this.loaded && this.missing(value).length === 0;
  }

  /** Loads what decoding `value` needs: the common types (once), and each lazy kind it holds. */
  load(value?: unknown): Promise<unknown> {
    const common = (this.loading ??= import("../all-shareables.js").then(() => (this.loaded = true)));
    const lazy = this.missing(value).map((kind) => {
      let loading = this.lazyLoading.get(kind);
      if (!loading) this.lazyLoading.set(kind, (loading = LAZY_KINDS.get(kind)!().then(() => this.lazyLoaded.add(kind))));
      return loading;
    });
    return lazy.length === 0 ? common : Promise.all([common, ...lazy]);
  }

  private missing(value: unknown): string[] {
    const out: string[] = [];
    if (value === undefined) return out;
    for (const kind of LAZY_KINDS.keys()) {
      if (this.lazyLoaded.has(kind)) continue;
      let holds = false;
      forEachDescriptor(value, kind, () => (holds = true));
      if (holds) out.push(kind);
    }
    return out;
  }
}
