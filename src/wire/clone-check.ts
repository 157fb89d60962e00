// Where inside a value structured clone fails. Only used after a send has already thrown
// DataCloneError, so the hot path pays nothing for it.

const MAX_DEPTH = 64;

/**
 * Find the first part of `value` that structured clone rejects.
 * Returns the path (e.g. `args[1].socket._handle`) and why, or null if the whole value clones.
 */
export function findUncloneable(value: unknown, path: string): { path: string; reason: string } | null {
  return search(value, path, new Set(), 0);
}

function search(v: unknown, path: string, seen: Set<object>, depth: number): { path: string; reason: string } | null {
  if (typeof v === "function") return { path, reason: `is a function${v.name ? ` (${v.name})` : ""}` };
  if (typeof v === "symbol") return { path, reason: "is a symbol" };
  if (typeof v !== "object" || v === null) return null;
  if (seen.has(v) || depth > MAX_DEPTH) return null;
  seen.add(v);
  if (tryClone(v) === null) return null;
  // The value as a whole fails: look for a part that fails on its own.
  if (v instanceof Map) {
    let i = 0;
    for (const [k, val] of v) {
      const hit = search(k, `${path}<key ${i}>`, seen, depth + 1) ?? search(val, `${path}.get(${label(k)})`, seen, depth + 1);
      if (hit) return hit;
      i++;
    }
  } else if (v instanceof Set) {
    let i = 0;
    for (const item of v) {
      const hit = search(item, `${path}<item ${i++}>`, seen, depth + 1);
      if (hit) return hit;
    }
  } else {
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      const hit = search(child, Array.isArray(v) ? `${path}[${key}]` : `${path}${propertyPath(key)}`, seen, depth + 1);
      if (hit) return hit;
    }
  }
  const name = Object.getPrototypeOf(v)?.constructor?.name;
  return { path, reason: `is ${name ? `a ${name}` : "an object"} that structured clone cannot copy (${tryClone(v)})` };
}

function tryClone(v: object): string | null {
  try {
    structuredClone(v);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function label(k: unknown): string {
  return typeof k === "string" ? JSON.stringify(k) : typeof k === "object" ? "{...}" : String(k);
}
