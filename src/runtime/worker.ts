// The entry point of every worker, thread or process. It speaks the protocol written down in
// wire/messages.ts: run the initializer, then run tasks one at a time in arrival order, and
// send results back in batches. This file only assembles the parts and routes each message:
//
//   channel.ts        post / listen, per context (the only file that knows thread vs process)
//   inbox.ts          run messages, in order, once their functions and shareable types are loaded
//   functions.ts      the task functions defined so far     shareable-types.ts  loading all-shareables.ts
//   runner.ts         runs the tasks one at a time            outbox.ts  buffers results, flush policy
//   lifecycle.ts      init / Process target / exit / reporting on the way down
//   parent-watch.ts   a process worker dies with its parent (parent-watchdog.ts, its thread)

import { taskModuleExportOf } from "../fn/load-function.js";
import { findErrorClassesWith } from "../wire/errors.js";
import type { ToWorker } from "../wire/messages.js";
import { openChannel } from "./channel.js";
import { FunctionTable } from "./functions.js";
import { Inbox } from "./inbox.js";
import { Lifecycle } from "./lifecycle.js";
import { Outbox } from "./outbox.js";
import { TaskRunner } from "./runner.js";
import { ShareableTypes } from "./shareable-types.js";

// An error whose class a task module exports arrives in the parent as an instance of that class.
findErrorClassesWith(taskModuleExportOf);

const channel = openChannel();
const functions = new FunctionTable();
const shareables = new ShareableTypes();
const outbox = new Outbox(channel);
const runner: TaskRunner = new TaskRunner(functions, outbox, () => lifecycle.runnerIdle());
const inbox = new Inbox(functions, shareables, (batch) => runner.enqueue(batch));
const lifecycle = new Lifecycle({ channel, shareables, inbox, runner, outbox });

lifecycle.watchProcess();
channel.listen((msg: ToWorker) => {
  if (Array.isArray(msg)) return inbox.acceptOne(msg);
  switch (msg.t) {
    case "run":
      return inbox.accept(msg);
    case "init":
      void lifecycle.init(msg);
      return;
    case "process":
      void lifecycle.process(msg);
      return;
    case "exit":
      return lifecycle.exitRequested();
  }
});
