// A Process subclass that overrides run(), the way Python programs write processes, sent to its
// worker. The class cannot travel, so at start() its methods go as source, each checked like an
// inline task function, and the instance's own data goes as the argument: queues, locks and
// shared values among it travel as they do in `args`. In the worker, runProcessInstance() puts
// the methods back on a prototype chain, the data on a fresh object, and calls its run().

import { tokenizer, tokTypes } from "acorn";
import type { ContextName } from "../backends/backend.js";
import { CloneError, ClosureError } from "../errors.js";
import type { FnSpec } from "../wire/messages.js";
import { parseFunction, parseMethod } from "./free-variables.js";
import { capturedNames, isNativeSource } from "./task-function.js";

/** What the worker's `this` has of its Process besides the data (it adds pid and ident there). */
export interface ProcessIdentity {
  name: string;
  daemon: boolean;
  context: ContextName;
}

type Kind = "method" | "get" | "set";

const bySubclass = new WeakMap<object, FnSpec>();
let runnerSource: string | null = null;

/**
 * The target that, in a worker, rebuilds an instance of the class whose prototype is `proto`
 * and calls its run(), given the instance's data and identity as arguments. The methods come
 * from every prototype from `proto` up to `base` (Process.prototype), not included; `skip`
 * names members that have no use in the worker (start, join, ...). Throws ClosureError for a
 * method that uses variables from outside its body, CloneError for one that uses a #private
 * member. `where` begins error messages, e.g. "Process Worker-1".
 */
export function prepareProcessClass(proto: object, base: object, skip: ReadonlySet<PropertyKey>, where: string): FnSpec {
  const cached = bySubclass.get(proto);
  if (cached) return cached;
  const levels: string[] = [];
  for (let p: object | null = proto; p !== base; p = Object.getPrototypeOf(p) as object | null) {
    if (p === null) throw new TypeError(`${where}: not an instance of a Process subclass`);
    const className = classNameOf(p);
    const members: string[] = [];
    for (const key of Reflect.ownKeys(p)) {
      if (key === "constructor" || skip.has(key)) continue;
      const { value, get, set } = Object.getOwnPropertyDescriptor(p, key)!;
      // Data on a prototype (rare outside classes) is not sent: only the instance's own data is.
      if (typeof value === "function") members.push(memberSource(value, "method", key, className, where));
      if (get) members.push(memberSource(get, "get", key, className, where));
      if (set) members.push(memberSource(set, "set", key, className, where));
    }
    levels.push(`[${JSON.stringify(className)}, { ${members.join(", ")} }]`);
  }
  runnerSource ??= Function.prototype.toString.call(runProcessInstance);
  const spec: FnSpec = {
    kind: "source",
    source: `(${runnerSource}).bind(null, [${levels.join(", ")}])`,
    name: classNameOf(proto),
  };
  bySubclass.set(proto, spec);
  return spec;
}

/** One member as it will stand in an object literal in the worker, after the closure check. */
function memberSource(fn: Function, kind: Kind, key: PropertyKey, className: string, where: string): string {
  const source = Function.prototype.toString.call(fn);
  const label = `${kind === "method" ? "method" : kind === "get" ? "getter" : "setter"} "${keyLabel(key)}" of class ${className}`;
  if (isNativeSource(source)) {
    throw new TypeError(`${where}: the ${label} is a built-in or bound function, which cannot be sent to the worker by source.`);
  }
  let text: string | null = null;
  let free: ReadonlySet<string> = new Set();
  const method = parseMethod(source);
  if (method && method.kind === kind && (method.key === null || method.key === key)) {
    // As written in the class: getters, setters, async and generator methods, and super calls keep working.
    text = source;
    free = method.free;
  } else if (kind === "method" && typeof key === "string") {
    // A function assigned to the prototype, or a method under a second name.
    const parsed = parseFunction(source);
    if (parsed) {
      text = `${JSON.stringify(key)}: ${parsed.expression}`;
      free = parsed.free;
    }
  }
  if (text === null) {
    const privateName = firstPrivateName(source);
    if (privateName !== null) {
      throw new CloneError(
        `${where}: the ${label} uses this.#${privateName}, which cannot travel to the worker: #private ` +
          `fields and methods exist only inside their class, and the class itself does not travel. Use an ` +
          `ordinary property or method instead (TypeScript's \`private\` is fine).`,
        `this.#${privateName}`,
      );
    }
    throw new TypeError(`${where}: could not read the source of the ${label} to send it to the worker.`);
  }
  const captured = capturedNames(free);
  if (captured.length > 0) {
    const names = captured.map((n) => `"${n}"`).join(", ");
    throw new ClosureError(
      `${where}: the ${label} uses ${names} from outside its own body. A Process subclass that overrides ` +
        `run() is sent to its worker as the source of its methods, so they may use only \`this\`, their ` +
        `parameters and globals. Keep ${captured.length === 1 ? "that value" : "those values"} on the instance ` +
        `(this.x = x in the constructor, then this.x), or give the Process a target from mp.tasksFrom().`,
      captured,
    );
  }
  return text;
}

/** The first #name a source uses, or null. Only asked once the source failed to parse outside its class. */
function firstPrivateName(source: string): string | null {
  try {
    for (const token of tokenizer(source, { ecmaVersion: "latest" })) {
      if (token.type === tokTypes.privateId) return source.slice(token.start, token.end).replace(/^#/, "");
    }
  } catch {}
  return null;
}

function classNameOf(proto: object): string {
  const ctor = Object.hasOwn(proto, "constructor") ? (proto as { constructor: unknown }).constructor : undefined;
  return (typeof ctor === "function" && ctor.name) || "anonymous class";
}

function keyLabel(key: PropertyKey): string {
  return typeof key === "symbol" ? `[${key.description ?? "symbol"}]` : String(key);
}

/**
 * The instance's own enumerable data, without the keys in `exclude` (Process's own fields):
 * what the worker's `this` starts with. A symbol key cannot travel (structured clone drops
 * it): CloneError. Functions and other values structured clone rejects are found by the caller.
 */
export function instanceData(instance: object, exclude: ReadonlySet<PropertyKey>, where: string): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(instance)) {
    if (exclude.has(key) || !Object.getOwnPropertyDescriptor(instance, key)!.enumerable) continue;
    if (typeof key === "symbol") {
      const path = `this[${keyLabel(key).slice(1, -1)}]`;
      throw new CloneError(`${where}: ${path} cannot be sent to the worker: its key is a symbol, and only string keys travel.`, path);
    }
    const value = (instance as Record<string, unknown>)[key];
    Object.defineProperty(data, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return data;
}

/**
 * Runs in the worker, sent by source: it may use only its parameters and globals. `levels`
 * holds each class's members, the instance's own class first, each as an object literal, so
 * that `super.method()` in them finds the next level up.
 */
function runProcessInstance(levels: [className: string, members: object][], data: Record<string, unknown>, identity: ProcessIdentity): unknown {
  // Process's run() in the worker, for a subclass's super.run(): it has no target to call.
  let proto: object = { run() {} };
  for (let i = levels.length - 1; i >= 0; i--) {
    const [className, members] = levels[i]!;
    // As in a class: methods are not enumerable, and this.constructor.name is the class's name.
    for (const key of Reflect.ownKeys(members)) Object.defineProperty(members, key, { enumerable: false });
    const constructor = Object.defineProperty(function () {}, "name", { value: className });
    Object.defineProperty(members, "constructor", { value: constructor, writable: true, configurable: true });
    proto = Object.setPrototypeOf(members, proto) as object;
  }
  const self = Object.create(proto) as { run(): unknown };
  const own: Record<string, unknown> = { ...data, ...identity, pid: process.pid, ident: process.pid };
  for (const key of Object.keys(own)) {
    Object.defineProperty(self, key, { value: own[key], writable: true, enumerable: true, configurable: true });
  }
  return self.run();
}
