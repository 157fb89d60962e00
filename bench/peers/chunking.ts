// map and imap for pools that only run single tasks: the natural equivalent a user would write,
// with the same chunking as Python's Pool.map (so the comparison measures the pool, not the
// chunk size).

/** Python's Pool.map default: chunksize, extra = divmod(len, 4 * processes); round up. */
export function pythonChunksize(length: number, workers: number): number {
  if (length === 0) return 0;
  const chunksize = Math.floor(length / (4 * workers));
  const extra = length % (4 * workers);
  return extra !== 0 ? chunksize + 1 : chunksize;
}

export type RunChunk = (chunk: number[]) => Promise<number[]>;

/** All items in chunks, all chunks submitted at once, results concatenated in order. */
export async function chunkedMap(runChunk: RunChunk, items: number[], chunksize: number): Promise<number[]> {
  const pending: Promise<number[]>[] = [];
  for (let i = 0; i < items.length; i += chunksize) pending.push(runChunk(items.slice(i, i + chunksize)));
  return (await Promise.all(pending)).flat();
}

/**
 * Ordered imap over a lazy iterable: pulls `chunksize` items at a time and keeps at most
 * `window` chunks in flight, so memory stays bounded whatever the input's length.
 */
export async function* chunkedImap(
  runChunk: RunChunk,
  items: Iterable<number>,
  chunksize: number,
  window: number,
): AsyncGenerator<number> {
  const iterator = items[Symbol.iterator]();
  const inFlight: Promise<number[]>[] = [];
  let done = false;
  const pull = (): void => {
    const chunk: number[] = [];
    while (chunk.length < chunksize) {
      const next = iterator.next();
      if (next.done === true) {
        done = true;
        break;
      }
      chunk.push(next.value);
    }
    if (chunk.length > 0) inFlight.push(runChunk(chunk));
  };
  while (!done && inFlight.length < window) pull();
  while (inFlight.length > 0) {
    const results = await (inFlight.shift() as Promise<number[]>);
    if (!done) pull();
    yield* results;
  }
}
