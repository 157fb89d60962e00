// Python's multiprocessing.connection.wait(object_list, timeout): resolves with those of the
// objects that are ready, in the order given, once at least one is (or with [] at the timeout).
//
// Ready means what it means in Python: a connection (socket or Pipe end) has a message to read
// or has ended, so recv would not wait; a Listener has a connection for accept(); a Queue has an
// item to get (Python passes `q._reader`); a Process (or its `sentinel`, the Process itself) has exited.
//
// Sockets and listeners say when they become ready (events). A Pipe end and a Queue are asked
// with whenReady(), which sleeps on their ring's cell in shared memory (the one wait engine,
// memory/wait.ts) and wakes as soon as something is sent or put.

import { Process } from "../process.js";
import { Connection } from "../channels/pipe.js";
import { QueueBase } from "../channels/queue.js";
import { SocketConnection } from "./socket-connection.js";
import { SocketListener } from "./listener.js";

/** What wait() can wait for. */
export type Waitable = SocketConnection | SocketListener | Connection | QueueBase | Process;

function isReadyNow(o: Waitable): boolean {
  if (o instanceof SocketConnection || o instanceof SocketListener) return o.isReady();
  if (o instanceof Connection) return o.closed || o.pollSync(0);
  if (o instanceof QueueBase) return !o.empty();
  return o.exitCode !== null;
}

/** Resolves once `o` is ready; rejects with the signal's reason when `signal` fires first. */
async function whenReady(o: Waitable, signal: AbortSignal): Promise<void> {
  if (o instanceof SocketConnection || o instanceof SocketListener) return o.whenReady(signal);
  if (o instanceof Connection || o instanceof QueueBase) return o.whenReady(signal);
  await Promise.race([o.join(), new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }))]);
}

function check(objects: readonly unknown[]): asserts objects is Waitable[] {
  objects.forEach((o, i) => {
    if (o instanceof SocketConnection || o instanceof SocketListener || o instanceof Connection || o instanceof QueueBase) return;
    if (o instanceof Process) {
      try {
        void o.sentinel; // throws for a process not started (or closed), as Python's does
      } catch (error) {
        throw new TypeError(`wait(): objects[${i}]: ${(error as Error).message}`, { cause: error });
      }
      return;
    }
    throw new TypeError(
      `wait(): objects[${i}] cannot be waited for: expected a Connection (socket or Pipe end), a Listener, a Queue or a Process, not ${
        o === null ? "null" : typeof o === "object" ? (o as object).constructor?.name ?? "an object" : typeof o
      }`,
    );
  });
}

/**
 * Waits until at least one of `objects` is ready, or `timeout` seconds (null/undefined: no limit),
 * and resolves with the ready ones in the order given ([] at the timeout).
 */
export async function wait<T extends Waitable>(objects: Iterable<T>, timeout?: number | null): Promise<T[]> {
  const list = [...objects];
  check(list);
  if (timeout !== undefined && timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))) {
    throw new TypeError(`wait(): timeout must be a number of seconds or null, not ${String(timeout)}`);
  }
  const readyNow = () => list.filter(isReadyNow);
  const first = readyNow();
  if (first.length > 0 || timeout === 0 || list.length === 0 && timeout !== null && timeout !== undefined) return first;
  const controller = new AbortController();
  const timer = typeof timeout === "number" ? setTimeout(() => controller.abort(), Math.max(0, timeout) * 1000) : undefined;
  try {
    await Promise.any(list.map((o) => whenReady(o, controller.signal)));
  } catch {
    // the timeout fired (every wait was aborted)
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return readyNow();
}
