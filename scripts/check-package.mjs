#!/usr/bin/env node
// The package as a user gets it: `npm pack` this checkout (which runs `prepare`, the build a git
// dependency gets too), install the tarball into a fresh project outside the repository, and use
// it from there: an ES module, a CommonJS `require()`, a strict TypeScript file, `npx multiproc
// --version`, and a stack trace with source maps. Run it on each Node.js version the CI covers.
//
// Usage: node scripts/check-package.mjs [--types] [--keep]
//   --types: also type-check against the TypeScript / @types/node matrix (scripts/check-types.mjs)
//   --keep:  leave the temporary project and print its path
// Exit code 0 when every check passed; each failure prints what was expected and what came.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTypes } from "./check-types.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const keep = process.argv.includes("--keep");
const typesMatrix = process.argv.includes("--types");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const work = mkdtempSync(join(tmpdir(), "multiproc-package-"));
const app = join(work, "app");
let failures = 0;

function run(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout ?? "", out: `${r.stdout ?? ""}${r.stderr ?? ""}`, error: r.error };
}

function check(what, ok, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) {
    failures++;
    if (detail) console.log(detail.trimEnd().replace(/^/gm, "     | "));
  }
}

/** Run `node <args>` in the app; pass when it exits 0 and its output matches `expect`. */
function checkNode(what, args, expect, env) {
  const r = run(process.execPath, args, app, env);
  check(what, r.status === 0 && expect.test(r.out), r.out);
}

console.log(`== the packed package, installed into ${app} (Node.js ${process.version})`);

// 1. Pack. `prepare` builds dist/ from scratch.
const packed = run("npm", ["pack", "--json", "--pack-destination", work], root);
let tarball;
let files = [];
try {
  const info = JSON.parse(packed.stdout);
  tarball = join(work, info[0].filename);
  files = info[0].files.map((f) => f.path);
} catch {
  check("npm pack", false, packed.out.slice(-4000));
  process.exit(1);
}
const missing = ["dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "native/shm.cc", "scripts/build-native.mjs", "LICENSE", "README.md", "CHANGELOG.md"].filter((f) => !files.includes(f));
check(`npm pack: ${files.length} files, dist/ built`, missing.length === 0, `missing: ${missing.join(", ")}`);
const extra = files.filter((f) => /^(src|test|bench|examples|\.ci)\//.test(f) || f.endsWith(".d.ts.map"));
check("npm pack: no src/, test/, bench/ or declaration maps", extra.length === 0, extra.join("\n"));

// 2. Install into a project outside the repository. --foreground-scripts shows what a user who
// asks for it sees from the native build: one line.
mkdirSync(app);
writeFileSync(join(app, "package.json"), JSON.stringify({ name: "multiproc-consumer", private: true, version: "1.0.0", type: "module" }));
const install = run("npm", ["install", "--no-audit", "--no-fund", "--foreground-scripts", tarball], app);
const nativeLines = install.out.split("\n").filter((l) => l.startsWith("multiproc:"));
check("npm install <tarball>", install.status === 0 && existsSync(join(app, "node_modules/multiproc/dist/index.js")), install.out);
check(
  "the native build says one line (built)",
  nativeLines.length === 1 && /built native addon/.test(nativeLines[0]),
  nativeLines.join("\n") || install.out,
);

// 3. An ES module, in a form Node.js 20 runs (no `await using`).
writeFileSync(
  join(app, "esm.mjs"),
  `import * as mp from "multiproc";
for (const context of ["process", "thread"]) {
  const pool = new mp.Pool({ processes: 2, context });
  try {
    const squares = await pool.map((n) => n * n, [1, 2, 3]);
    const shared = new mp.Value("i", 0, { context });
    await pool.apply((v) => { v.value = 42; }, [shared]);
    console.log(context, squares.join(","), shared.value);
  } finally {
    pool.close();
    await pool.join();
  }
}
`,
);
checkNode("ESM: import * as mp from \"multiproc\" (Pool and Value on both contexts)", ["esm.mjs"], /process 1,4,9 42\nthread 1,4,9 42/);

// 4. CommonJS: require(esm), which engines promises (^20.19.0 || >=22.12.0).
writeFileSync(
  join(app, "cjs.cjs"),
  `const mp = require("multiproc");
const pool = new mp.Pool({ processes: 2, context: "thread" });
pool.map((n) => n + 1, [1, 2]).then(async (r) => { console.log("cjs", r.join(",")); pool.close(); await pool.join(); });
`,
);
checkNode("CommonJS: require(\"multiproc\")", ["cjs.cjs"], /cjs 2,3/);

// 5. A strict TypeScript file, with the minimal tsconfig the README shows.
mkdirSync(join(app, "node_modules/@types"), { recursive: true });
symlinkSync(join(root, "node_modules/@types/node"), join(app, "node_modules/@types/node"));
writeFileSync(join(app, "tsconfig.json"), readFileSync(join(root, "scripts/consumer-tsconfig.json")));
writeFileSync(join(app, "strict.ts"), readFileSync(join(root, "scripts/consumer-strict.ts")));
const tsc = run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], app);
check("TypeScript --strict against the published .d.ts (no skipLibCheck)", tsc.status === 0, tsc.out);

// 6. The command line.
const npx = run("npx", ["--no-install", "multiproc", "--version"], app);
check(`npx multiproc --version prints ${pkg.version}`, npx.status === 0 && npx.out.trim() === pkg.version, npx.out);

// 7. Stack traces: frames point at files that are in the package, and with --enable-source-maps
// at the TypeScript source, whose lines the maps carry (src/ is not shipped).
writeFileSync(join(app, "trace.mjs"), `import * as mp from "multiproc";\nnew mp.Pool(0);\n`);
const plain = run(process.execPath, ["trace.mjs"], app);
const frame = /\((file:\/\/\S*node_modules\/multiproc\/[^:)]+):\d+:\d+\)/.exec(plain.out)?.[1];
check("a stack trace points at a file in the package", !!frame && existsSync(fileURLToPath(frame)), plain.out);
const mapped = run(process.execPath, ["--enable-source-maps", "trace.mjs"], app);
check(
  "with --enable-source-maps: the .ts file and its source line",
  /node_modules\/multiproc\/src\/pool\/pool\.ts:\d+/.test(mapped.out) && /throw new RangeError/.test(mapped.out),
  mapped.out,
);

// 8. A TypeScript task module with an enum, and no tsx installed: Node.js 20 cannot load .ts at
// all, Node.js 22.6+ strips types but cannot run an enum; either way the error says to install tsx.
writeFileSync(join(app, "tasks.ts"), `enum Color { Red, Green }\nexport function pick(i: number): string { return Color[i] ?? "none"; }\n`);
writeFileSync(
  join(app, "enum.mjs"),
  `import * as mp from "multiproc";
const pool = new mp.Pool({ processes: 1, context: "thread" });
try {
  console.log("ran:", await pool.apply(mp.tasksFrom(new URL("./tasks.ts", import.meta.url)).pick, [0]));
} catch (e) {
  console.log(e.message);
} finally {
  pool.close();
  await pool.join();
}
`,
);
checkNode("a task module with an enum, without tsx: the error says to install tsx", ["enum.mjs"], /npm install --save-dev tsx/);

// 9. A failed native build: one line, exit 0, and the reason in the error met at run time.
const addonScript = join(app, "node_modules/multiproc/scripts/build-native.mjs");
const failed = run(process.execPath, [addonScript], app, { MULTIPROC_SKIP_NATIVE: "1" });
check("a failed native build says one line and does not fail", failed.status === 0 && failed.out.trim().split("\n").length === 1 && /could not build the native addon/.test(failed.out), failed.out);
rmSync(join(app, "node_modules/multiproc/native/build/Release"), { recursive: true, force: true });
writeFileSync(join(app, "value.mjs"), `import * as mp from "multiproc";\ntry { new mp.Value("i", 0); } catch (e) { console.log(e.message); }\n`);
checkNode("without the addon, Value's error says why the install could not build it", ["value.mjs"], /at install: skipped because MULTIPROC_SKIP_NATIVE=1/);

// 10. The published types against other compilers and Node.js typings (type-check only).
if (typesMatrix) checkTypes(app, check);

if (keep) console.log(`kept: ${app}`);
else rmSync(work, { recursive: true, force: true });
if (failures) {
  console.log(`${failures} package check(s) failed`);
  process.exit(1);
}
