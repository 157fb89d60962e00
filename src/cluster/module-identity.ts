// How a task module is named between machines. A caller's module URL (file:///home/a/app/dist/
// tasks.js) means nothing on a worker whose checkout lives in /srv/app, so a module travels as
// its package's name and its path inside the package: "app:dist/tasks.js". A worker knows its
// --tasks modules by the same id, so the two match wherever each checkout lives.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const rootCache = new Map<string, { root: string; name: string }>();
/** URL -> portable id: a caller names its module in every job it queues. */
const idCache = new Map<string, string>();

/** The portable id of a module given by file URL; throws a TypeError naming the URL when it has none. */
export function portableModuleId(url: string, where: string): string {
  const cached = idCache.get(url);
  if (cached !== undefined) return cached;
  if (!url.startsWith("file:")) {
    throw new TypeError(`${where}: the task module ${url} is not a file; cluster workers run modules from files they were started with (--tasks)`);
  }
  const file = fileURLToPath(url);
  const pkg = packageOf(dirname(file));
  if (!pkg) {
    throw new TypeError(
      `${where}: the task module ${file} is in no package (no package.json above it), so it has no name that a ` +
        `worker on another machine could match; put it in a package`,
    );
  }
  const id = `${pkg.name}:${relative(pkg.root, file).split(sep).join("/")}`;
  idCache.set(url, id);
  return id;
}

/** The nearest directory at or above `dir` with a package.json, and that package's name (or its folder's). */
function packageOf(dir: string): { root: string; name: string } | null {
  const cached = rootCache.get(dir);
  if (cached) return cached;
  const manifest = join(dir, "package.json");
  let found: { root: string; name: string } | null = null;
  if (existsSync(manifest)) {
    let name = "";
    try {
      name = String((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name ?? "");
    } catch {
      // An unreadable package.json still marks the root.
    }
    found = { root: dir, name };
  } else {
    const up = dirname(dir);
    found = up === dir ? null : packageOf(up);
  }
  if (found) rootCache.set(dir, found);
  return found;
}
