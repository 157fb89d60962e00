// How a worker talks to its parent, one implementation per context. This is the only file of
// the worker runtime that knows whether it runs as a thread (parentPort) or as a child process
// (the IPC channel of child_process.fork, `serialization: "advanced"`); everything else posts and
// listens through a Channel. What differs between the two goes here too: whether ArrayBuffers
// can be transferred instead of copied, what ends the conversation, and who watches for the
// parent's death.

import { parentPort, type MessagePort } from "node:worker_threads";
import type { ContextName } from "../backends/backend.js";
import type { FromWorker, ToWorker } from "../wire/messages.js";
import { ParentWatch } from "./parent-watch.js";

export interface Channel {
  readonly context: ContextName;
  /** Whether a result's ArrayBuffers can move to the parent instead of being copied (threads only). */
  readonly transfers: boolean;
  /** Throws synchronously when `msg` cannot be cloned; nothing is sent then. */
  post(msg: FromWorker, transfer?: ArrayBuffer[]): void;
  /** Starts listening; the parent's messages arrive in order. */
  listen(onMessage: (msg: ToWorker) => void): void;
  /**
   * This worker is past its start-up: from now on it must not outlive its parent even while its
   * main thread is busy. A thread dies with its process, so only a process worker needs this.
   */
  watchParent(): void;
}

/** The channel of the worker this code runs in. */
export function openChannel(): Channel {
  return parentPort ? new ThreadChannel(parentPort) : new ProcessChannel();
}

/** A worker_threads Worker: parentPort, with transfer lists. */
export class ThreadChannel implements Channel {
  readonly context = "thread";
  readonly transfers = true;

  constructor(private readonly port: MessagePort) {}

  post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(msg, transfer);
  }

  listen(onMessage: (msg: ToWorker) => void): void {
    this.port.on("message", onMessage);
  }

  watchParent(): void {}
}

/** A child process: process.send over the IPC channel; structured clone copies, nothing is transferred. */
export class ProcessChannel implements Channel {
  readonly context = "process";
  readonly transfers = false;
  // Armed now, synchronously, before any task (see parent-watch.ts).
  private readonly parent = new ParentWatch(process.argv.slice(2));

  post(msg: FromWorker): void {
    process.send!(msg);
  }

  listen(onMessage: (msg: ToWorker) => void): void {
    process.on("message", onMessage as (msg: unknown) => void);
    // The parent closed the channel or died: nothing more will come, and nobody would hear us.
    process.on("disconnect", () => process.exit(0));
    // Ctrl-C reaches the whole process group; the parent decides what it means, not each child.
    process.on("SIGINT", () => {});
  }

  watchParent(): void {
    this.parent.start();
  }
}
