// Which names a function's source uses without declaring them: the variables it would
// capture from its surroundings. An inline task function is shipped to workers by source,
// so anything it captured would be missing there; we find those names before any worker
// sees the function, and name them in the error.
//
// Scopes are tracked per function; block-scoped declarations (let, const, class) are treated
// as if declared for the whole enclosing function. That can miss a capture only in code that
// shadows a name inside a block and uses the outer one elsewhere, which is rare.

import { parseExpressionAt, type Node } from "acorn";

type AnyNode = Node & Record<string, unknown>;

const FUNCTION_TYPES = new Set(["FunctionExpression", "FunctionDeclaration", "ArrowFunctionExpression"]);

export interface ParsedFunction {
  /** An expression that evaluates to the function, e.g. `(n) => n * 2` or `({ f(n) {...} }).f`. */
  expression: string;
  /** Names used but not declared inside the function. */
  free: Set<string>;
}

/** Parse a function's source (as Function.prototype.toString gives it); null if it is not parseable JS. */
export function parseFunction(source: string): ParsedFunction | null {
  const asExpression = tryParse(source);
  if (asExpression && FUNCTION_TYPES.has(asExpression.type)) {
    return { expression: `(${source})`, free: freeVariables(asExpression) };
  }
  // Method shorthand (`square(n) { ... }`, `async *gen() {}`) is not an expression on its own.
  const asObject = tryParse(`{ ${source} }`);
  const prop = (asObject?.properties as AnyNode[] | undefined)?.[0];
  const key = prop?.key as AnyNode | undefined;
  if (asObject && prop && key?.type === "Identifier" && !prop.computed) {
    return { expression: `({ ${source} }).${key.name as string}`, free: freeVariables(prop.value as AnyNode) };
  }
  return null;
}

export interface ParsedMethod {
  /** The key as written, when it is a plain name or string (`helper`, `"my-key"`); null when computed (`[Symbol.iterator]`). */
  key: string | null;
  kind: "method" | "get" | "set";
  /** Names used but not declared, the computed key's included. */
  free: Set<string>;
}

/**
 * Parse one member of a class or object literal, as Function.prototype.toString gives a method's
 * or accessor's source: `helper(i) {...}`, `async *gen() {...}`, `get area() {...}`,
 * `[Symbol.iterator]() {...}`. Null if the source is not such a member: a function expression
 * (`function (n) {...}` reads as one, though it could also be a method named "function").
 */
export function parseMethod(source: string): ParsedMethod | null {
  if (FUNCTION_TYPES.has(tryParse(source)?.type as string)) return null;
  const asObject = tryParse(`{ ${source} }`);
  const props = asObject?.properties as AnyNode[] | undefined;
  const prop = props?.length === 1 ? props[0]! : undefined;
  if (!asObject || !prop || prop.type !== "Property" || !(prop.method || prop.kind !== "init")) return null;
  const key = prop.key as AnyNode;
  const name = prop.computed ? null : key.type === "Identifier" ? (key.name as string) : String(key.value);
  const free = new Set<string>();
  visit(asObject, new Scope(null), free);
  return { key: name, kind: prop.kind === "init" ? "method" : (prop.kind as "get" | "set"), free };
}

function tryParse(code: string): AnyNode | null {
  try {
    const node = parseExpressionAt(code, 0, { ecmaVersion: "latest" }) as AnyNode;
    // The whole text must be that one expression.
    return node.end === code.length ? node : null;
  } catch {
    return null;
  }
}

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | null) {}
  has(name: string): boolean {
    for (let s: Scope | null = this; s; s = s.parent) if (s.names.has(name)) return true;
    return false;
  }
}

function freeVariables(fn: AnyNode): Set<string> {
  const free = new Set<string>();
  visitFunction(fn, new Scope(null), free);
  return free;
}

function visitFunction(fn: AnyNode, outer: Scope, free: Set<string>): void {
  const scope = new Scope(outer);
  // A named function expression sees its own name.
  if (fn.type === "FunctionExpression" && fn.id) scope.names.add((fn.id as AnyNode).name as string);
  if (fn.type !== "ArrowFunctionExpression") scope.names.add("arguments");
  for (const param of fn.params as AnyNode[]) declarePattern(param, scope);
  hoist(fn.body as AnyNode, scope);
  for (const param of fn.params as AnyNode[]) visitPattern(param, scope, free, false);
  visit(fn.body as AnyNode, scope, free);
}

/** Declare every var/let/const/function/class/catch name in the body, not crossing nested functions. */
function hoist(node: AnyNode, scope: Scope): void {
  switch (node.type) {
    case "VariableDeclaration":
      for (const d of node.declarations as AnyNode[]) declarePattern(d.id as AnyNode, scope);
      break;
    case "FunctionDeclaration":
      if (node.id) scope.names.add((node.id as AnyNode).name as string);
      return; // its body is its own scope
    case "ClassDeclaration":
      if (node.id) scope.names.add((node.id as AnyNode).name as string);
      break;
    case "CatchClause":
      if (node.param) declarePattern(node.param as AnyNode, scope);
      break;
    case "FunctionExpression":
    case "ArrowFunctionExpression":
      return;
  }
  forEachChild(node, (child) => hoist(child, scope));
}

function declarePattern(p: AnyNode, scope: Scope): void {
  switch (p.type) {
    case "Identifier":
      scope.names.add(p.name as string);
      break;
    case "ObjectPattern":
      for (const prop of p.properties as AnyNode[]) declarePattern((prop.type === "RestElement" ? prop.argument : prop.value) as AnyNode, scope);
      break;
    case "ArrayPattern":
      for (const el of p.elements as (AnyNode | null)[]) if (el) declarePattern(el, scope);
      break;
    case "RestElement":
      declarePattern(p.argument as AnyNode, scope);
      break;
    case "AssignmentPattern":
      declarePattern(p.left as AnyNode, scope);
      break;
  }
}

/**
 * Walk a binding or assignment pattern. Default values and computed keys are expressions that
 * can capture. The names a pattern targets are declarations in a declaration or parameter list
 * (`assigns` false: hoisting has declared them), and references in an assignment
 * (`[a, b] = pair`, `for ({ x } of xs)`: `assigns` true).
 */
function visitPattern(p: AnyNode, scope: Scope, free: Set<string>, assigns: boolean): void {
  switch (p.type) {
    case "AssignmentPattern":
      visitPattern(p.left as AnyNode, scope, free, assigns);
      visit(p.right as AnyNode, scope, free);
      return;
    case "ObjectPattern":
      for (const prop of p.properties as AnyNode[]) {
        if (prop.type === "RestElement") visitPattern(prop.argument as AnyNode, scope, free, assigns);
        else {
          if (prop.computed) visit(prop.key as AnyNode, scope, free);
          visitPattern(prop.value as AnyNode, scope, free, assigns);
        }
      }
      return;
    case "ArrayPattern":
      for (const el of p.elements as (AnyNode | null)[]) if (el) visitPattern(el, scope, free, assigns);
      return;
    case "RestElement":
      visitPattern(p.argument as AnyNode, scope, free, assigns);
      return;
    default:
      if (assigns) visit(p, scope, free);
  }
}

function visit(node: AnyNode, scope: Scope, free: Set<string>): void {
  switch (node.type) {
    case "Identifier":
      if (!scope.has(node.name as string)) free.add(node.name as string);
      return;
    case "FunctionExpression":
    case "FunctionDeclaration":
    case "ArrowFunctionExpression":
      visitFunction(node, scope, free);
      return;
    case "VariableDeclarator":
      visitPattern(node.id as AnyNode, scope, free, false);
      if (node.init) visit(node.init as AnyNode, scope, free);
      return;
    case "MemberExpression":
      visit(node.object as AnyNode, scope, free);
      if (node.computed) visit(node.property as AnyNode, scope, free);
      return;
    case "Property":
    case "MethodDefinition":
    case "PropertyDefinition":
      if (node.computed) visit(node.key as AnyNode, scope, free);
      if (node.value) visit(node.value as AnyNode, scope, free);
      return;
    case "ClassExpression":
    case "ClassDeclaration": {
      const inner = new Scope(scope);
      if (node.id) inner.names.add((node.id as AnyNode).name as string);
      if (node.superClass) visit(node.superClass as AnyNode, scope, free);
      visit(node.body as AnyNode, inner, free);
      return;
    }
    case "CatchClause":
      if (node.param) visitPattern(node.param as AnyNode, scope, free, false);
      visit(node.body as AnyNode, scope, free);
      return;
    case "LabeledStatement":
      visit(node.body as AnyNode, scope, free);
      return;
    case "BreakStatement":
    case "ContinueStatement":
    case "MetaProperty":
      return;
    case "AssignmentExpression":
    case "ForInStatement":
    case "ForOfStatement": {
      // A destructuring target is a pattern: its names are references, its defaults expressions.
      const target = (node.left ?? null) as AnyNode | null;
      if (target && target.type !== "VariableDeclaration" && target.type !== "Identifier" && target.type !== "MemberExpression") {
        visitPattern(target, scope, free, true);
        forEachChild(node, (child) => child !== target && visit(child, scope, free));
        return;
      }
      break;
    }
  }
  forEachChild(node, (child) => visit(child, scope, free));
}

function forEachChild(node: AnyNode, fn: (child: AnyNode) => void): void {
  for (const key in node) {
    if (key === "type" || key === "start" || key === "end" || key === "loc" || key === "range") continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const item of v) if (item && typeof item === "object" && typeof (item as AnyNode).type === "string") fn(item as AnyNode);
    } else if (v && typeof v === "object" && typeof (v as AnyNode).type === "string") {
      fn(v as AnyNode);
    }
  }
}
