// The task functions a worker has been sent, by the id the parent gave each (the `defs` of a run
// message). A function is defined once per worker and then named by its id in every task. One
// that failed to compile or import is kept as its failure, which every task calling it throws.

import { loadFunction } from "../fn/load-function.js";
import type { FnSpec } from "../wire/messages.js";

export type AnyFunction = (...args: unknown[]) => unknown;

export class FunctionTable {
  private readonly functions = new Map<number, AnyFunction | { failed: unknown }>();

  /**
   * Defines each function. Source compiles at once; a module must be imported, which is
   * asynchronous: then the promise says when every one of them is defined (or failed).
   */
  define(defs: [number, FnSpec][]): Promise<unknown> | null {
    const imports: Promise<unknown>[] = [];
    for (const [id, spec] of defs) {
      try {
        const fn = loadFunction(spec);
        if (typeof fn === "function") this.functions.set(id, fn);
        else imports.push(fn.then((f) => this.functions.set(id, f), (failed: unknown) => this.functions.set(id, { failed })));
      } catch (failed) {
        this.functions.set(id, { failed });
      }
    }
    return imports.length ? Promise.all(imports) : null;
  }

  /** The function `id`; throws why it could not be defined. */
  get(id: number): AnyFunction {
    const fn = this.functions.get(id);
    if (fn === undefined) throw new Error(`multiproc internal error: function ${id} was never defined in this worker`);
    if (typeof fn !== "function") throw fn.failed;
    return fn;
  }
}
