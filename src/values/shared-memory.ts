// SharedMemory: Python's multiprocessing.shared_memory.SharedMemory. Always an OS shared-memory
// segment (/dev/shm, through the native addon), on both contexts, because what it adds over
// Array is a *name* any process can open: `new SharedMemory({ name })` elsewhere maps the same
// bytes. Passed to a worker, it is opened there by name.
//
// Lifetime as in Python: close() unmaps this handle, unlink() (by anyone, once) removes the
// name; the memory is freed by the kernel when the last mapping goes. Beyond Python: a creator
// that never calls unlink() unlinks at exit, or its tracker does once it is killed
// (segment-tracker.ts; Python's resource tracker does the same, with a warning), unless it was
// created with `track: false` (Python 3.13) to outlive its creator;
// `using shm = new SharedMemory(...)` closes (and, for a tracked creator, unlinks).

import { randomBytes } from "node:crypto";
import { SEGMENT_PREFIX, createSegment, native } from "../memory/native.js";
import { disownSegment, ownSegment } from "../memory/segment-tracker.js";
import { kShareable, noteShareableCreated, registerShareable, type Shareable } from "../memory/shareable.js";

/** Options of `new mp.SharedMemory(options)`: the name, whether to create the block, its size. */
export interface SharedMemoryOptions {
  /** The block's name (without the leading "/"); a fresh unique one if omitted when creating. */
  name?: string | null;
  /** Create a new block (true) or open an existing one by name (false, the default as in Python). */
  create?: boolean;
  /** Bytes, when creating. Opening maps the whole block, whatever its size. */
  size?: number;
  /**
   * Python 3.13's track (default true): the creator unlinks the block when it exits or is killed,
   * and when a `using` block ends. false: the block outlives its creator, for programs that open
   * it later by name; someone must unlink() it (or it stays in /dev/shm until reboot).
   */
  track?: boolean;
}

/** Python's shared_memory.SharedMemory: a named block of bytes that any process can open by name. */
export class SharedMemory implements Shareable {
  readonly #name: string;
  readonly #size: number;
  readonly #creator: boolean;
  #buffer: ArrayBuffer | null;
  #buf: Uint8Array;

  constructor(options: SharedMemoryOptions) {
    const { name, create = false, size = 0, track = true } = options ?? {};
    if (typeof track !== "boolean") throw new TypeError(`SharedMemory: track must be true or false, got ${String(track)}`);
    noteShareableCreated();
    if (create) {
      if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`SharedMemory: size must be a positive integer number of bytes when creating, got ${String(size)}`);
      if ((name === undefined || name === null) && track) {
        const seg = createSegment(size);
        this.#name = seg.name;
        this.#buffer = seg.buffer;
      } else if (name === undefined || name === null) {
        // Not `multiproc-<pid>-...`: removeStaleSegments() unlinks those once their creator is gone.
        this.#name = `${SEGMENT_PREFIX}kept-${process.pid}-${randomBytes(4).toString("hex")}`;
        this.#buffer = withName(this.#name.slice(1), () => native().create(this.#name, size));
      } else {
        this.#name = osName(name);
        this.#buffer = withName(name, () => native().create(this.#name, size));
      }
      this.#creator = true;
      // Unlinked at exit, or by the tracker if this process is killed, as Python's resource tracker does.
      if (track) ownSegment(this.#name);
    } else {
      if (name === undefined || name === null) throw new TypeError("SharedMemory: give a name to open, or { create: true, size } to make a new block");
      this.#name = osName(name);
      this.#buffer = withName(name, () => native().open(this.#name));
      this.#creator = false;
    }
    this.#size = this.#buffer.byteLength;
    this.#buf = new Uint8Array(this.#buffer);
  }

  /** The name other processes open it by (no leading "/", as Python shows it). */
  get name(): string {
    return this.#name.slice(1);
  }

  /** Its size in bytes. */
  get size(): number {
    return this.#size;
  }

  /** The bytes of the block. Empty after close(). */
  get buf(): Uint8Array {
    return this.#buf;
  }

  /** Unmap this handle (views over buf become empty). The block lives on for other users. */
  close(): void {
    if (!this.#buffer) return;
    native().close(this.#buffer);
    this.#buffer = null;
    this.#buf = new Uint8Array(0);
  }

  /**
   * Remove the name, so nobody new can open it; the memory goes with its last mapping. Call it
   * once, from one user: a name already removed throws FileNotFoundError (code "ENOENT"), as in Python.
   */
  unlink(): void {
    disownSegment(this.#name);
    withName(this.name, () => {
      if (!native().unlink(this.#name)) throw Object.assign(new Error("already unlinked"), { code: "ENOENT" });
    });
  }

  /** `using shm = new SharedMemory({ create: true, size })`: closes, and unlinks if this handle created it with `track` (unless someone did). */
  [Symbol.dispose](): void {
    this.close();
    if (this.#creator) disownSegment(this.#name, true); // a no-op for an untracked block: it was never owned
  }

  [kShareable]() {
    if (!this.#buffer) throw new TypeError(`SharedMemory ${this.name}: closed, so it cannot be sent to a worker`);
    return { type: "SharedMemory", state: { name: this.name } };
  }

  get [Symbol.toStringTag]() {
    return `SharedMemory(${JSON.stringify(this.name)}, size=${this.#size})`;
  }
}

function osName(name: string): string {
  if (typeof name !== "string" || !/^\/?[^/\0]{1,250}$/.test(name)) {
    throw new TypeError(`SharedMemory: invalid name ${JSON.stringify(name)}: 1 to 250 characters, no "/" except a leading one`);
  }
  return name.startsWith("/") ? name : `/${name}`;
}

function withName<T>(name: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw Object.assign(new Error(`SharedMemory: a block named ${JSON.stringify(name)} already exists (Python: FileExistsError)`, { cause: error }), { name: "FileExistsError", code });
    if (code === "ENOENT") throw Object.assign(new Error(`SharedMemory: no block named ${JSON.stringify(name)} (Python: FileNotFoundError)`, { cause: error }), { name: "FileNotFoundError", code });
    throw error;
  }
}

/** Names this library generates start with this (without the "/"): `ls /dev/shm/multiproc-*` shows them. */
export const SHARED_MEMORY_PREFIX = SEGMENT_PREFIX.slice(1);

registerShareable("SharedMemory", (state) => new SharedMemory({ name: (state as { name: string }).name }));
