// The in-order gate between the parent's run messages and the task runner. A message may first
// need a function imported (a module's export) or the shareable types loaded, both
// asynchronous; the messages that arrive meanwhile wait behind it, so tasks run in the order
// they were sent, each after its function's definition.

import { OneFlags, TaskKind, type RunOne, type ToWorker, type WireBatch } from "../wire/messages.js";
import type { FunctionTable } from "./functions.js";
import type { ShareableTypes } from "./shareable-types.js";

export type RunMessage = Extract<ToWorker, { t: "run" }>;

export class Inbox {
  private readonly waiting: RunMessage[] = [];
  private loading = false;

  /** `deliver`: where a message goes once everything it needs is loaded. */
  constructor(
    private readonly functions: Pick<FunctionTable, "define">,
    private readonly shareables: Pick<ShareableTypes, "ready" | "load">,
    private readonly deliver: (batch: WireBatch) => void,
  ) {}

  /** No message is waiting for an import. */
  get empty(): boolean {
    return this.waiting.length === 0;
  }

  accept(msg: RunMessage): void {
    this.waiting.push(msg);
    if (!this.loading) this.pass();
  }

  /** A lone task, as a batch of one: it waits behind earlier messages like any other. */
  acceptOne([, id, fnId, flags, ...args]: RunOne): void {
    this.accept({
      t: "run",
      ids: [id],
      fns: [fnId],
      kinds: [TaskKind.Apply],
      data: [args],
      revive: flags & OneFlags.Revive ? [0] : undefined,
      transferBack: flags & OneFlags.TransferBack ? [0] : undefined,
    });
  }

  /** Delivers the waiting messages in order, stopping at one that must wait for an import. */
  private pass(): void {
    const { waiting } = this;
    while (waiting.length > 0) {
      const msg = waiting[0]!;
      if (msg.revive && msg.loadError === undefined && !this.shareables.ready(msg)) {
        this.waitFor(this.shareables.load(msg), msg);
        return;
      }
      if (msg.defs) {
        const imports = this.functions.define(msg.defs);
        msg.defs = undefined;
        if (imports) {
          this.waitFor(imports);
          return;
        }
      }
      waiting.shift();
      this.deliver(msg);
    }
  }

  /**
   * Holds the line until `loaded` settles. If the types that `reviving` needs fail to load, it
   * goes on with the failure attached: its tasks fail with it (runner.ts), and those behind it run.
   */
  private waitFor(loaded: Promise<unknown>, reviving?: RunMessage): void {
    this.loading = true;
    loaded.then(
      () => {
        this.loading = false;
        this.pass();
      },
      (error: unknown) => {
        this.loading = false;
        if (reviving) reviving.loadError = error ?? new Error("loading the shared-object types failed");
        this.pass();
      },
    );
  }
}
