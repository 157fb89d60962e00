// The helpers that compilers put at the top of a module and call from inside functions. An
// inline task function travels without its module, so a worker supplies them: otherwise a task
// compiled by tsx (esbuild) or tsc would fail with "__name is not defined", or, for one with
// `using` / `await using` declarations, "__using is not defined". They follow the calling
// conventions of those compilers and the semantics of explicit resource management (TC39).
//
//   esbuild (tsx):  __name(fn, name)   __using(stack, value, isAwait)   __callDispose(stack, error, hasError)
//   tsc:            __addDisposableResource(env, value, isAwait)   __disposeResources(env)

/** One resource of a `using` block: how to dispose of it, and whether to await that. */
type Resource = [isAwait: boolean, dispose?: () => unknown, value?: unknown];

function __name<F>(fn: F, name: string): F {
  return Object.defineProperty(fn, "name", { value: name, configurable: true });
}

function __using<T>(stack: Resource[], value: T, isAwait = false): T {
  if (value === null || value === undefined) {
    // `await using x = null` still awaits once at the end of the block.
    if (isAwait) stack.push([true]);
    return value;
  }
  if (typeof value !== "object" && typeof value !== "function") {
    throw new TypeError(`${isAwait ? "await using" : "using"}: the value is a ${typeof value}, not an object`);
  }
  const v = value as { [Symbol.dispose]?: unknown; [Symbol.asyncDispose]?: unknown };
  let dispose = isAwait ? v[Symbol.asyncDispose] : undefined;
  if (dispose === undefined) {
    const sync = v[Symbol.dispose];
    // A synchronous disposer under `await using`: its result is not awaited, only the turn is.
    dispose = isAwait && typeof sync === "function" ? function (this: unknown) { sync.call(this); } : sync;
  }
  if (typeof dispose !== "function") {
    throw new TypeError(
      `${isAwait ? "await using" : "using"}: the value has no ${isAwait ? "[Symbol.asyncDispose]() or " : ""}[Symbol.dispose]() method`,
    );
  }
  stack.push([isAwait, dispose as () => unknown, value]);
  return value;
}

/** Disposes of a block's resources, last first; rethrows the block's error, or the disposal errors, chained. */
function __callDispose(stack: Resource[], error: unknown, hasError: boolean): Promise<void> | void {
  const fail = (e: unknown) => {
    error = hasError ? suppressedError(e, error) : e;
    hasError = true;
  };
  const next = (): Promise<void> | void => {
    for (let resource = stack.pop(); resource; resource = stack.pop()) {
      const [isAwait, dispose, value] = resource;
      let result: unknown;
      try {
        result = dispose?.call(value);
      } catch (e) {
        if (!isAwait) {
          fail(e);
          continue;
        }
        result = Promise.reject(e);
      }
      if (isAwait) {
        return Promise.resolve(result).then(next, (e: unknown) => {
          fail(e);
          return next();
        });
      }
    }
    if (hasError) throw error;
  };
  return next();
}

interface TscEnv {
  stack: { value?: unknown; dispose?: () => unknown; async: boolean }[];
  error: unknown;
  hasError: boolean;
}

function __addDisposableResource<T>(env: TscEnv, value: T, isAwait: boolean): T {
  const resources: Resource[] = [];
  __using(resources, value, isAwait);
  const [resource] = resources;
  if (resource) env.stack.push({ async: resource[0], dispose: resource[1], value: resource[2] });
  return value;
}

function __disposeResources(env: TscEnv): Promise<void> | void {
  const stack = env.stack.map((r): Resource => [r.async, r.dispose, r.value]);
  env.stack.length = 0;
  return __callDispose(stack, env.error, env.hasError);
}

/** SuppressedError where it exists (Node 24), an Error shaped like one elsewhere (Node 20). */
function suppressedError(error: unknown, suppressed: unknown): Error {
  const message = "An error was suppressed during disposal";
  const Suppressed = (globalThis as { SuppressedError?: new (e: unknown, s: unknown, m: string) => Error }).SuppressedError;
  if (Suppressed) return new Suppressed(error, suppressed, message);
  return Object.assign(new Error(message), { name: "SuppressedError", error, suppressed });
}

/** By name, as the compiled source calls them. */
export const compilerHelpers: Readonly<Record<string, unknown>> = Object.freeze({
  __name,
  __using,
  __callDispose,
  __addDisposableResource,
  __disposeResources,
});
