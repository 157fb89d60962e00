// Python's SharedMemoryManager: SharedMemory blocks and ShareableLists made through it are
// unlinked when it shuts down, whoever still maps them, so none outlives the `await using`
// block. The blocks are made in the calling process (as in Python); the manager's server only
// keeps their names.

import { SharedMemory } from "../values/shared-memory.js";
import { ShareableList, type ShareableItem } from "../values/shareable-list.js";
import type { TaskFunction } from "../fn/task-function.js";
import { BaseManager } from "./base-manager.js";
import type { BaseProxy } from "./proxy.js";

type Tracker = BaseProxy & { register(name: string): Promise<void> };

/** Python's SharedMemoryManager: SharedMemory and ShareableList blocks that are unlinked when the manager shuts down. */
export class SharedMemoryManager extends BaseManager {
  static {
    this.registerBuiltin("SharedMemoryTracker");
  }

  #tracker: Tracker | null = null;

  override async start(initializer?: TaskFunction<(...args: never[]) => unknown>, initargs?: unknown[]): Promise<this> {
    await super.start(initializer, initargs);
    this.#tracker = await this.create<Tracker>("SharedMemoryTracker");
    return this;
  }

  #track(): Tracker {
    if (!this.#tracker) throw new Error("SharedMemoryManager: start() it first");
    return this.#tracker;
  }

  /** A new block of `size` bytes, unlinked when the manager shuts down. */
  async SharedMemory(size: number): Promise<SharedMemory> {
    const tracker = this.#track();
    const shm = new SharedMemory({ create: true, size });
    await tracker.register(shm.name);
    return shm;
  }

  /** A new ShareableList of `sequence`, unlinked when the manager shuts down. */
  async ShareableList(sequence: Iterable<ShareableItem>): Promise<ShareableList> {
    const tracker = this.#track();
    const list = new ShareableList(sequence);
    await tracker.register(list.shm.name);
    return list;
  }
}
