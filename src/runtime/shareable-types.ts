// Whether this worker can rebuild shared objects (queues, locks, proxies, ...) yet. Each
// shareable type registers how to rebuild itself when its module loads (all-shareables.ts imports
// them). Loading them costs a worker tens of milliseconds at start-up, so it happens only once
// a message carries such an object, and once; a manager's proxies load only once a message
// carries a proxy (lazy-shareables.ts).

import { loadKinds, missingKinds } from "../lazy-shareables.js";

export class ShareableTypes {
  private loading: Promise<unknown> | null = null;
  /** The types all-shareables.ts imports have registered. */
  loaded = false;

  /** Whether everything `value` (a message that holds shared objects) needs has registered: it may be decoded at once. */
  ready(value: unknown): boolean {
    return this.loaded && missingKinds(value).length === 0;
  }

  /** Loads what decoding `value` needs: the common types (once), and each lazy kind it holds. */
  load(value?: unknown): Promise<unknown> {
    const common = (this.loading ??= import("../all-shareables.js").then(() => (this.loaded = true)));
    const lazy = value === undefined ? [] : missingKinds(value);
    return lazy.length === 0 ? common : Promise.all([common, loadKinds(lazy)]);
  }
}
