// What must finish before a worker exits: today the queues' buffered puts (feeder.ts), as Python
// joins its feeder threads at exit. A module of its own, with no imports, so that a worker does
// not load the queue machinery at start-up just to ask: whatever holds pending work registers here.

const pending = new Set<() => Promise<void>>();

/** `wait` resolves once that kind of pending work is done (or abandoned on purpose). */
export function registerBeforeExit(wait: () => Promise<void>): void {
  pending.add(wait);
}

/** Resolves once every registered kind of pending work is done. */
export async function beforeExit(): Promise<void> {
  for (const wait of pending) await wait();
}
