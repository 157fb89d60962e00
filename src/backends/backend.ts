// The one seam between multiproc and a kind of worker. A context is one file implementing
// `spawn`; Pool and Process use nothing else, so a new kind of worker needs no change above.

import type { Transferable } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../wire/messages.js";

/** Where workers run: "process" (child processes, the default) or "thread" (worker_threads). */
export type ContextName = "process" | "thread";

export interface ExitInfo {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** Signal name ("SIGKILL"), or null. */
  signal: string | null;
  /** An error the worker reported on its way down (thread context: uncaught error, out of memory). */
  error?: Error;
}

export interface SpawnOptions {
  /** Shown in errors and as currentProcess().name in the worker. */
  name: string;
  /** Node flags for the worker; defaults to the parent's, less loaders, test and debug flags. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Heap limit in MB: resourceLimits for threads, --max-old-space-size for processes. */
  maxHeapMb?: number;
  onMessage(msg: FromWorker): void;
  onExit(info: ExitInfo): void;
}

export interface WorkerHandle {
  readonly context: ContextName;
  /** The OS process id the worker runs in (the parent's own pid for threads). */
  readonly pid: number;
  /** pid for processes, threadId for threads: what identifies this worker in messages. */
  readonly id: number;
  /** Throws DataCloneError synchronously if `msg` cannot be cloned; the worker stays usable. */
  send(msg: ToWorker, transfer?: readonly Transferable[]): void;
  /** Ask the worker to stop now (SIGTERM for processes). */
  terminate(): void;
  /** Stop it without a chance to react (SIGKILL for processes). */
  kill(): void;
  /** Whether this worker keeps the parent's event loop alive. */
  ref(): void;
  unref(): void;
}

export type SpawnWorker = (options: SpawnOptions) => WorkerHandle;

/** The runtime entry point every worker starts from, next to this file once built. */
export const workerEntry = new URL("../runtime/worker.js", import.meta.url);

const DROPPED_FLAGS = /^--(import|require|loader|experimental-loader|test|watch|inspect|eval|print|input-type|env-file)/;
const FLAGS_WITH_VALUE = /^(--(import|require|loader|experimental-loader|test-[\w-]+|watch-path|eval|print|input-type|env-file)|-r|-e|-p)$/;

/**
 * The parent's Node flags minus the ones a worker must not inherit: module loaders (a worker
 * loads the TypeScript loader itself, only when a task needs it: inheriting `--import tsx`
 * costs every worker a quarter second), the test runner, watch mode and the inspector.
 */
export function inheritedExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (FLAGS_WITH_VALUE.test(flag)) {
      i++;
      continue;
    }
    if (DROPPED_FLAGS.test(flag) || /^-[rep]$/.test(flag)) continue;
    out.push(flag);
  }
  return out;
}
