// The error a task gets when its worker dies under it, saying how it died.

import type { ContextName, ExitInfo } from "../backends/backend.js";
import { WorkerLostError } from "../errors.js";
import { deserializeError } from "../wire/errors.js";
import { describeTask, type Task } from "./task.js";
import type { WorkerSlot } from "./worker-slot.js";

export function describeExit(info: ExitInfo): string {
  if (info.signal) return `was killed by ${info.signal}`;
  return `exited with code ${info.code}`;
}

export function workerLostError(slot: WorkerSlot, info: ExitInfo, task: Task, context: ContextName, maxHeapMb: number | undefined): WorkerLostError {
  // What the worker said on its way down (an uncaught error, process.exit), else what its exit says.
  const why = slot.dying ? deserializeError(slot.dying.reason) : info.error;
  const oom = info.error && (info.error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
  // A process that reaches its heap limit aborts: V8 prints why on its stderr, which we don't read.
  const likelyOom = !oom && info.signal === "SIGABRT" && maxHeapMb !== undefined;
  const what = oom
    ? `ran out of memory (maxHeapMb: ${maxHeapMb ?? "default"})`
    : likelyOom
      ? `was killed by SIGABRT, most likely out of memory (maxHeapMb: ${maxHeapMb})`
      : describeExit(info);
  const detail = why instanceof Error ? `: ${why.name}: ${why.message}` : "";
  return new WorkerLostError(`Worker ${slot.name} (${context} ${slot.handle.id}) ${what} while running ${describeTask(task)}${detail}`, {
    exitCode: info.code,
    signal: info.signal,
    workerId: slot.handle.id,
    task: describeTask(task),
    cause: why,
  });
}
