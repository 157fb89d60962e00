#!/usr/bin/env node
// npm's `prepare` script: builds dist/ from src/ so that a git dependency
// (`npm install github:owner/multiproc`, for which npm runs only `prepare`) and `npm pack` of a
// fresh clone give a package that works. npm runs it after `npm install` / `npm ci` in this
// checkout too, so it stays quick (tsc takes about 2 s) and never fails an install it was not
// needed for: without its devDependencies (`npm ci --omit=dev`) it keeps the dist/ that is there, and
// only says so when there is none.
//
// `npm pack` and `npm publish` build from scratch (dist/ removed first), so a file deleted from
// src/ never lingers in the tarball, and fail without TypeScript rather than pack no dist/.

import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const packing = process.env.npm_command === "pack" || process.env.npm_command === "publish";

// The build needs TypeScript and Node.js's typings, both devDependencies. (TypeScript alone may be
// there without them, pulled in by a dependency of a dependency.)
let tsc;
try {
  const require = createRequire(join(root, "package.json"));
  tsc = require.resolve("typescript/bin/tsc");
  require.resolve("@types/node/package.json");
} catch {
  if (packing) {
    // A tarball without a fresh dist/ would install and then fail at its first import.
    console.error("multiproc: `npm pack` / `npm publish` builds dist/ first, which needs the devDependencies: run `npm ci` first.");
    process.exit(1);
  }
  if (existsSync(join(dist, "index.js"))) process.exit(0);
  console.warn("multiproc: dist/ is missing and TypeScript or @types/node is not installed to build it; run `npm install` (with devDependencies), then `npm run build`.");
  process.exit(0);
}

if (packing) rmSync(dist, { recursive: true, force: true });

const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  console.error("multiproc: building dist/ failed (tsc -p tsconfig.build.json); the errors are above.");
  process.exit(r.status ?? 1);
}
