// What BaseManager.register() records, and how it reaches a server in another process or
// thread: a module function (mp.tasksFrom) as its module reference, an inline function or class
// as its source (self-contained, checked like any inline task), SyncManager's own types by name.
// A closure over local state cannot travel: serve it with getServer() in the process that owns it.

import { ClosureError } from "../errors.js";
import { capturedNames, isTaskRef, prepareFunction, type TaskRef } from "../fn/task-function.js";
import { parseFunction } from "../fn/free-variables.js";
import type { FnSpec } from "../wire/messages.js";
import type { ProxyClass } from "./proxy.js";

/** What register() accepts as the callable: a function or class, or a module export from mp.tasksFrom(). */
export type Callable = ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown) | TaskRef<(...args: never[]) => unknown>;

/** Options of BaseManager.register(), as Python's register() takes them. */
export interface RegisterOptions {
  /** The methods proxies may call; by default the object's public methods (not starting with "_"). */
  exposed?: readonly string[];
  /** Methods whose results stay in the manager and come back as proxies of the given typeid. */
  methodToTypeid?: Readonly<Record<string, string>>;
  /** The proxy class, a subclass of BaseProxy; by default an AutoProxy with one method per exposed name. */
  proxyType?: ProxyClass;
  /** Whether to add a method named typeid to the manager's class (Python's create_method). Default true. */
  createMethod?: boolean;
}

export interface Registration extends RegisterOptions {
  typeid: string;
  callable: Callable | null;
  /** One of SyncManager's own types, which every server knows by name. */
  builtin?: boolean;
}

/** A registration as it travels to a server started elsewhere. */
export interface WireType {
  typeid: string;
  builtin?: boolean;
  spec: FnSpec | null;
  exposed: readonly string[] | null;
  methodToTypeid: Readonly<Record<string, string>> | null;
}

export function checkTypeid(typeid: unknown): string {
  if (typeof typeid !== "string" || !/^[A-Za-z_$][\w$]*$/.test(typeid)) {
    throw new TypeError(`BaseManager.register: typeid must be a name (letters, digits, _ or $), got ${JSON.stringify(typeid)}`);
  }
  return typeid;
}

/** The registration, ready to send: the callable checked and turned into a spec. */
export function toWire(reg: Registration, hint: string): WireType {
  const base = { typeid: reg.typeid, exposed: reg.exposed ?? null, methodToTypeid: reg.methodToTypeid ?? null };
  if (reg.builtin) return { ...base, builtin: true, spec: null };
  if (reg.callable === null) return { ...base, spec: null };
  try {
    return { ...base, spec: callableSpec(reg.callable, `BaseManager.register("${reg.typeid}")`) };
  } catch (error) {
    if (error instanceof ClosureError) error.message += ` ${hint}`;
    throw error;
  }
}

function callableSpec(callable: Callable, where: string): FnSpec {
  if (isTaskRef(callable)) return prepareFunction(callable, where).spec;
  if (typeof callable !== "function") throw new TypeError(`${where}: the callable must be a function, a class or an mp.tasksFrom() reference, got ${typeof callable}`);
  const source = Function.prototype.toString.call(callable);
  if (!/^class\b/.test(source)) return prepareFunction(callable, where).spec;
  // A class travels as a factory around its source, checked like an inline function.
  const factory = `(...args) => new (${source})(...args)`;
  const parsed = parseFunction(factory);
  if (!parsed) throw new TypeError(`${where}: could not read the source of class ${callable.name}`);
  const captured = capturedNames(parsed.free);
  if (captured.length > 0) {
    throw new ClosureError(
      `${where}: the class "${callable.name}" uses ${captured.map((n) => `"${n}"`).join(", ")} from outside its own body, so it ` +
        `cannot be sent to the manager's process by source. Export it from a module and register mp.tasksFrom(...).${callable.name}.`,
      captured,
    );
  }
  return { kind: "source", source: parsed.expression, name: callable.name };
}
