// What a SharedMemoryManager's server keeps: the names of the blocks made through it, which it
// unlinks when it shuts down (Python's SharedMemoryTracker).

import { native } from "../memory/native.js";
import { kServantShutdown } from "./server.js";

export class SharedMemoryTracker {
  readonly #names = new Set<string>();

  register(name: string): void {
    this.#names.add(name);
  }

  unregister(name: string): void {
    this.#names.delete(name);
  }

  names(): string[] {
    return [...this.#names];
  }

  [kServantShutdown](): void {
    for (const name of this.#names) {
      try {
        native().unlink(`/${name}`);
      } catch {} // already unlinked by its user
    }
    this.#names.clear();
  }
}
