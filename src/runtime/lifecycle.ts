// A worker's life, from the parent's first message to its exit: a pool worker runs its
// initializer and says ready; a Process's worker runs its target once and exits 0 or 1; an
// "exit" message lets the tasks already sent finish first; and on the way down, uncaught or
// through process.exit(), the worker sends what is finished and which task was running, so the
// parent can tell which one killed it.

import { setCurrentProcess } from "../current.js";
import { beforeExit } from "../channels/before-exit.js";
import { loadFunction } from "../fn/load-function.js";
import { getLogger, logDebug, logToStderr } from "../log.js";
import { decodeShareables } from "../memory/shareable.js";
import { serializeError } from "../wire/errors.js";
import type { ToWorker } from "../wire/messages.js";
import type { Channel } from "./channel.js";
import type { Inbox } from "./inbox.js";
import type { Outbox } from "./outbox.js";
import type { TaskRunner } from "./runner.js";
import type { ShareableTypes } from "./shareable-types.js";

export interface LifecycleParts {
  channel: Channel;
  shareables: Pick<ShareableTypes, "load">;
  inbox: Pick<Inbox, "empty">;
  runner: Pick<TaskRunner, "busy" | "current">;
  outbox: Pick<Outbox, "flush">;
  /** How the worker ends; process.exit but in tests. */
  exit?: (code: number) => void;
}

export class Lifecycle {
  /** The initializer is running: an "exit" (close() right after the pool was created) waits for it, as in Python. */
  private initializing = false;
  /** The parent said "exit": exit once nothing is in hand (exitIfIdle). */
  private exitWhenIdle = false;
  private exiting = false;
  private saidGoodbye = false;
  private readonly exit: (code: number) => void;

  constructor(private readonly parts: LifecycleParts) {
    this.exit = parts.exit ?? ((code) => process.exit(code));
  }

  /** A pool worker: run the initializer, then say ready (or why not). */
  async init(msg: Extract<ToWorker, { t: "init" }>): Promise<void> {
    const { channel, shareables } = this.parts;
    setCurrentProcess({ name: msg.name, context: channel.context, daemon: true }); // pool workers are daemons, as Python's
    if (msg.log !== undefined) logToStderr(msg.log);
    this.initializing = true;
    try {
      if (msg.revive) await shareables.load(msg.initargs);
      const initargs = msg.revive ? decodeShareables(msg.initargs ?? []) : (msg.initargs ?? []);
      if (msg.initializer) await (await loadFunction(msg.initializer))(...initargs);
      channel.post({ t: "ready" });
      // Not before: a watchdog thread would compete with this worker's own start-up. Until it
      // runs, this worker is idle and would see its parent go through 'disconnect'.
      setImmediate(() => channel.watchParent());
    } catch (error) {
      channel.post({ t: "init-error", error: serializeError(error) });
    } finally {
      this.initializing = false;
      this.exitIfIdle();
    }
  }

  /** A Process: run the target once, print its error like Python does, exit 0 or 1. */
  async process(msg: Extract<ToWorker, { t: "process" }>): Promise<void> {
    const { channel, shareables } = this.parts;
    setCurrentProcess({ name: msg.name, context: channel.context, daemon: msg.daemon, parentName: msg.parentName });
    if (msg.log !== undefined) logToStderr(msg.log);
    try {
      channel.watchParent();
      if (msg.revive) await shareables.load(msg.args);
      const args = msg.revive ? decodeShareables(msg.args) : msg.args;
      const target = await loadFunction(msg.target);
      getLogger().info("child process calling self.run()"); // Python's words
      await target(...args);
      getLogger().info("process exiting with exitcode 0");
      this.exitWhenFlushed(0);
    } catch (error) {
      process.stderr.write(`Process ${msg.name}:\n${error instanceof Error ? error.stack ?? String(error) : String(error)}\n`);
      getLogger().info("process exiting with exitcode 1");
      this.exitWhenFlushed(1);
    }
  }

  /** The parent asks this worker to exit once the tasks it was sent are done. */
  exitRequested(): void {
    logDebug("worker got the exit message -- exiting when idle");
    this.exitWhenIdle = true;
    this.exitIfIdle();
  }

  /** The runner ran out of tasks (a message may still wait in the inbox for an import). */
  runnerIdle(): void {
    this.exitIfIdle();
  }

  /**
   * The one place that decides a pool worker's exit: asked to, and nothing in hand: no
   * initializer running, no task running or queued in the runner, no message waiting for an
   * import (maxTasksPerChild's last tasks may: the runner goes idle before they arrive in it).
   */
  private exitIfIdle(): void {
    const { runner, inbox } = this.parts;
    if (!this.exitWhenIdle || this.exiting || this.initializing || runner.busy || !inbox.empty) return;
    this.exiting = true;
    this.exitWhenFlushed(0);
  }

  /**
   * Exits once what this worker's queues buffered is in their rings (Python joins its feeder
   * threads at exit): items put on an unbounded queue and not yet moved would be lost otherwise.
   * Like Python, it waits for as long as it takes; cancelJoinThread() on a queue lets it go.
   */
  exitWhenFlushed(code: number): void {
    void beforeExit().then(() => this.exit(code));
  }

  /** On the way down, send what is finished and which task was running, so the parent can tell. */
  dying(reason: unknown): void {
    // An uncaught error exits through process.exit(), which calls this again: the first reason is the real one.
    if (this.saidGoodbye) return;
    this.saidGoodbye = true;
    try {
      this.parts.outbox.flush();
      const taskId = this.parts.runner.current;
      if (taskId !== -1) this.parts.channel.post({ t: "dying", taskId, reason: serializeError(reason) });
    } catch {}
  }

  /** Reports an uncaught error or rejection, or a task's process.exit(), before the process ends. */
  watchProcess(): void {
    process.on("uncaughtException", (error) => {
      this.dying(error);
      process.exit(1);
    });
    process.on("unhandledRejection", (reason) => {
      this.dying(reason);
      process.exit(1);
    });
    process.on("exit", (code) => {
      if (this.parts.runner.current !== -1) this.dying(new Error(`The task called process.exit(${code})`));
    });
  }
}
