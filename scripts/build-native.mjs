#!/usr/bin/env node
// Builds native/ (the Node-API shared-memory addon) at install time.
//
// It never fails the install: the thread context needs no addon, so a machine without a
// compiler still gets a working multiproc. On failure it prints ONE line that says what failed
// and that process-context shared memory is unavailable, and exits 0.
//
// Headers without internet: node-gyp downloads them from nodejs.org unless told where they are.
// We tell it, in this order: npm's own `nodedir` config (npm exports it to install scripts as
// npm_config_nodedir; node-gyp reads that itself), else the headers that ship beside this node
// binary (<prefix>/include/node, present in distro packages and in the official tarballs),
// else node-gyp's cache. The addon uses only Node-API (node_api.h), so if node-gyp itself is
// missing or cannot run (it needs python3), a direct `c++` call against the same headers builds
// the very same file.
//
// Usage: node scripts/build-native.mjs [--verbose]      env: MULTIPROC_SKIP_NATIVE=1 skips.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nativeDir = join(root, "native");
const output = join(nativeDir, "build", "Release", "multiproc_shm.node");
const verbose = process.argv.includes("--verbose");
// Why the last build failed, for the error a user meets at run time (npm shows an install
// script's output only with --foreground-scripts): src/memory/native.ts reads it.
const reasonFile = join(nativeDir, "build", "unavailable.txt");
const UNAVAILABLE = "process-context shared memory (Value, Array, Lock, Queue... across processes) is unavailable; the thread context still works. retry with: npm rebuild multiproc --foreground-scripts";

function fail(what) {
  console.warn(`multiproc: could not build the native addon: ${what}; ${UNAVAILABLE}`);
  try {
    mkdirSync(dirname(reasonFile), { recursive: true });
    writeFileSync(reasonFile, `${what}\n`);
  } catch {}
  process.exit(0);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: nativeDir, encoding: "utf8", stdio: verbose ? "inherit" : "pipe", ...opts });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  // The last error-looking line is what a user needs to see; the full log is one --verbose away.
  const lines = out.split("\n").map((l) => l.trim()).filter(Boolean);
  const err = lines.filter((l) => /error|not found|No such file|ENOENT/i.test(l)).pop() ?? lines.pop() ?? "";
  return { ok: r.status === 0 && !r.error, why: r.error ? r.error.message : err || `exit status ${r.status}` };
}

/** A directory holding include/node/node_api.h, or undefined. */
function findNodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    resolve(dirname(process.execPath), ".."),
    join(process.env.HOME ?? "", ".cache", "node-gyp", process.versions.node),
  ];
  return candidates.find((d) => d && existsSync(join(d, "include", "node", "node_api.h")));
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp, // set by npm for install scripts
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    return createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    return undefined;
  }
}

function loads() {
  const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(output)})`], { encoding: "utf8" });
  return r.status === 0 ? "" : (r.stderr.split("\n").find((l) => /Error/.test(l)) ?? "load failed");
}

if (process.env.MULTIPROC_SKIP_NATIVE === "1") fail("skipped because MULTIPROC_SKIP_NATIVE=1");
if (process.platform !== "linux") fail(`platform ${process.platform} is not supported yet (needs Linux futex and /proc)`);

const nodeDir = findNodeDir();
const gyp = findNodeGyp();
let gypWhy = "node-gyp not found";
if (gyp) {
  const args = [gyp, "rebuild"];
  if (nodeDir && !process.env.npm_config_nodedir) args.push(`--nodedir=${nodeDir}`);
  const r = run(process.execPath, args);
  if (r.ok && existsSync(output)) gypWhy = "";
  else gypWhy = `node-gyp failed (${r.why})`;
}

if (gypWhy) {
  // Fallback: one compiler call. Node-API needs only node_api.h, no libnode to link against.
  if (!nodeDir) fail(`${gypWhy}, and no Node.js headers (include/node/node_api.h) were found offline; set npm config nodedir to a Node.js install prefix`);
  mkdirSync(dirname(output), { recursive: true });
  const cxx = process.env.CXX || "c++";
  const r = run(cxx, [
    "-std=c++17", "-O2", "-fPIC", "-shared", "-fvisibility=hidden",
    "-DNAPI_VERSION=8", "-DNODE_GYP_MODULE_NAME=multiproc_shm",
    `-I${join(nodeDir, "include", "node")}`,
    "shm.cc", "-o", output, "-lpthread",
  ]);
  if (!r.ok) fail(`${gypWhy}; ${cxx} also failed (${r.why})`);
}

const loadErr = loads();
if (loadErr) fail(`built ${output} but it does not load (${loadErr})`);
rmSync(reasonFile, { force: true });
console.log(`multiproc: built native addon ${output}`);
