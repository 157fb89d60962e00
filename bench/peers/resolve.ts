// Finds an optional peer library: the project's own node_modules first, then the folders in
// MULTIPROC_BENCH_PEERS (colon-separated install prefixes, for development without touching
// package.json). A peer that is found nowhere is reported as "n/a (not installed)".
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

function searchRoots(): string[] {
  const extra = (process.env.MULTIPROC_BENCH_PEERS ?? "").split(":").filter((p) => p !== "");
  return [projectRoot, ...extra];
}

/** The file URL of a package's entry point, or null when it is not installed anywhere we look. */
export function resolvePeer(name: string): string | null {
  for (const root of searchRoots()) {
    const anchor = join(root, "package.json");
    const require = createRequire(existsSync(anchor) ? anchor : join(root, "noop.js"));
    try {
      return pathToFileURL(require.resolve(name)).href;
    } catch {
      // not under this root
    }
  }
  return null;
}

export class PeerUnavailable extends Error {
  override name = "PeerUnavailable";
}

/**
 * Imports a peer by name and publishes its URL in the environment (BENCH_<NAME>_URL) so that
 * the worker scripts under bench/workers/, which run in threads or child processes, import the
 * very same copy.
 */
export async function importPeer(name: string): Promise<unknown> {
  const url = resolvePeer(name);
  if (url === null) throw new PeerUnavailable("not installed");
  process.env[`BENCH_${name.toUpperCase()}_URL`] = url;
  return import(url);
}

/** The default export of a CommonJS or ESM module namespace. */
export function defaultExport(ns: unknown): unknown {
  const record = ns as { default?: unknown };
  return record.default ?? ns;
}

/** The installed version of a peer, read from the package.json above its entry point. */
export function peerVersion(name: string): string | null {
  const url = resolvePeer(name);
  if (url === null) return null;
  let dir = fileURLToPath(new URL(".", url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version !== undefined) return pkg.version;
    }
    dir = join(dir, "..");
  }
  return null;
}
