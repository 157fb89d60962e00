// Who is calling: the server runs each request with the id of the channel it came on, so that
// an RLock or a Condition knows its owner. As in Python, where each connection to a manager
// has a thread of its own, ownership is per connection, and a process keeps one connection per
// manager: a manager's RLock is owned by the process (or worker thread) that acquired it.

let current = 0;

/** The caller's id, read at the start of a call (before any await). */
export function currentCaller(): number {
  return current;
}

/** Run `fn` as `caller`: its synchronous part sees currentCaller() === caller. */
export function runAs<T>(caller: number, fn: () => T): T {
  const before = current;
  current = caller;
  try {
    return fn();
  } finally {
    current = before;
  }
}
