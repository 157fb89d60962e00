// Whether this worker can rebuild shared objects (queues, locks, ...) yet. Each shareable type
// registers how to rebuild itself when its module loads (revivers.ts imports them all). Loading
// them costs a worker tens of milliseconds at start-up, so it happens only once a message
// carries such an object, and once.

export class ShareableTypes {
  private loading: Promise<unknown> | null = null;
  /** Every type has registered: a message may be decoded at once. */
  loaded = false;

  load(): Promise<unknown> {
    return (this.loading ??= import("./revivers.js").then(() => (this.loaded = true)));
  }
}
