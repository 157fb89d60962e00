// The Pool that a SyncManager serves (Python's Manager().Pool()): an mp.Pool living in the
// manager, whose workers are the manager's children. Proxies and shared objects in the tasks'
// arguments arrive as descriptors and are revived here, so the pool passes them on as usual.

import type { ContextName } from "../backends/backend.js";
import { Pool } from "../pool/pool.js";
import { decodeShareables } from "../memory/shareable.js";
import type { TaskFunction } from "../fn/task-function.js";
import { kServantShutdown } from "./server.js";

type Fn = TaskFunction<(...args: unknown[]) => unknown>;

export class PoolServant {
  readonly #pool: Pool;

  constructor(context: ContextName, processes?: number | null, initializer?: Fn | null, initargs?: unknown[] | null, maxTasksPerChild?: number | null) {
    this.#pool = new Pool({
      processes: processes ?? undefined,
      initializer: initializer ?? undefined,
      initargs: initargs ? decodeShareables(initargs) : undefined,
      maxTasksPerChild: maxTasksPerChild ?? undefined,
      context,
    });
  }

  apply(fn: Fn, args: unknown[] = []): Promise<unknown> {
    return this.#pool.apply(fn, decodeShareables(args));
  }

  map(fn: Fn, items: unknown[], chunksize: number | null): Promise<unknown[]> {
    return this.#pool.map(fn, decodeShareables(items), { chunksize: chunksize ?? undefined });
  }

  starmap(fn: Fn, items: unknown[][], chunksize: number | null): Promise<unknown[]> {
    return this.#pool.starmap(fn, decodeShareables(items), { chunksize: chunksize ?? undefined });
  }

  /** The results in order, as they come: an iterator that stays here (the proxy gets one by one). */
  imap(fn: Fn, items: unknown[], chunksize: number | null): ResultIterator {
    return new ResultIterator(this.#pool.imap(fn, decodeShareables(items), { chunksize: chunksize ?? undefined }));
  }

  imapUnordered(fn: Fn, items: unknown[], chunksize: number | null): ResultIterator {
    return new ResultIterator(this.#pool.imapUnordered(fn, decodeShareables(items), { chunksize: chunksize ?? undefined }));
  }

  close(): void {
    this.#pool.close();
  }

  terminate(): Promise<void> {
    return this.#pool.terminate();
  }

  join(): Promise<void> {
    return this.#pool.join();
  }

  [kServantShutdown](): Promise<void> {
    return this.#pool.terminate();
  }
}

/**
 * The results of an imap in the manager, handed out one per next() call (Python's IteratorProxy
 * calls __next__). Calls may overlap: a proxy keeps several in flight, each answered in turn.
 */
export class ResultIterator {
  readonly #results: AsyncIterator<unknown>;

  constructor(results: AsyncIterable<unknown>) {
    this.#results = results[Symbol.asyncIterator]();
  }

  /** The next result as [done, value]. */
  async next(): Promise<[boolean, unknown]> {
    const r = await this.#results.next();
    return [r.done === true, r.value];
  }

  /** The reader stopped early: stop waiting for results. */
  async close(): Promise<void> {
    await this.#results.return?.();
  }
}
