// Runs as a thread inside each child process. process.ppid is read live here, so when the
// parent dies (even by SIGKILL) and the child is re-parented, we notice within POLL_MS and
// kill our own process, whatever its main thread is doing.

import { workerData } from "node:worker_threads";

const POLL_MS = 200;
const { parentPid } = workerData as { parentPid: number };

setInterval(() => {
  if (process.ppid !== parentPid) process.kill(process.pid, "SIGKILL");
}, POLL_MS);
