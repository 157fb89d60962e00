// The process context: each worker is a Node.js child process (child_process.fork) talking
// over IPC with `serialization: "advanced"`, so values travel by the same structured clone as
// in the thread context.

import { fork, type ChildProcess } from "node:child_process";
import { isMainThread } from "node:worker_threads";
import { inheritedExecArgv, workerEntry, type SpawnWorker, type WorkerHandle } from "./backend.js";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Children never outlive a parent that exits normally; a killed parent is handled by the child's own watchdog. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

export const spawnProcess: SpawnWorker = (options) => {
  installExitHook();
  const execArgv = [...(options.execArgv ?? inheritedExecArgv())];
  if (options.maxHeapMb !== undefined) execArgv.push(`--max-old-space-size=${options.maxHeapMb}`);
  // Who the parent is, for the child's watchdog (src/runtime/parent-watch.ts): the kernel's parent-death
  // signal follows the spawning *thread*, so it only stands for the parent's life when that is
  // the main thread.
  const child = fork(workerEntry, [String(process.pid), isMainThread ? "main-thread" : "worker-thread"], {
    serialization: "advanced",
    execArgv,
    env: options.env ?? process.env,
    // Python gives children no stdin; stdout and stderr are the parent's own.
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  live.add(child);
  let exited = false;
  child.on("message", (msg) => options.onMessage(msg as never));
  // Sends to a child that just died fail asynchronously (ERR_IPC_CHANNEL_CLOSED); its exit is what counts.
  child.on("error", () => {});
  // 'close', not 'exit': it comes after every IPC message the child sent has been delivered.
  child.on("close", (code, signal) => {
    exited = true;
    live.delete(child);
    options.onExit({ code, signal });
  });
  const handle: WorkerHandle = {
    context: "process",
    pid: child.pid ?? -1,
    id: child.pid ?? -1,
    send(msg) {
      if (!exited && child.connected) child.send(msg);
    },
    terminate() {
      if (!exited) child.kill("SIGTERM");
    },
    kill() {
      if (!exited) child.kill("SIGKILL");
    },
    ref() {
      child.ref();
      child.channel?.ref();
    },
    unref() {
      child.unref();
      child.channel?.unref();
    },
  };
  return handle;
};
