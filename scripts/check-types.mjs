// Type-checks a project that has multiproc installed (scripts/check-package.mjs makes one) against
// each TypeScript compiler and each @types/node in .ci/types (installed there on first use, from its
// lockfile; gitignored), under --strict and without skipLibCheck: with the minimal tsconfig the
// README shows, and with none at all beyond command-line flags (`tsc --strict --module nodenext`).

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const matrixDir = join(root, ".ci", "types");
const modules = join(matrixDir, "node_modules");

const compilers = ["typescript-5.9", "typescript-latest"];
const typings = ["types-node-20", "types-node-latest"];

function version(dir) {
  return JSON.parse(spawnSync(process.execPath, ["-p", `JSON.stringify(require(${JSON.stringify(join(dir, "package.json"))}).version)`], { encoding: "utf8" }).stdout);
}

/** Returns the number of failed combinations; prints one line per combination. */
export function checkTypes(app, check) {
  if (!existsSync(join(modules, ".package-lock.json"))) {
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: matrixDir, encoding: "utf8" });
    if (r.status !== 0) return check("install the types matrix (.ci/types)", false, `${r.stdout}${r.stderr}`);
  }
  const link = join(app, "node_modules", "@types", "node");
  // A directory with no tsconfig.json in it or above it (TypeScript 7 looks upwards), that sees
  // the app's node_modules.
  const bareDir = join(dirname(app), "no-tsconfig");
  mkdirSync(bareDir, { recursive: true });
  copyFileSync(join(app, "strict.ts"), join(bareDir, "strict.ts"));
  copyFileSync(join(app, "package.json"), join(bareDir, "package.json"));
  if (!existsSync(join(bareDir, "node_modules"))) symlinkSync(join(app, "node_modules"), join(bareDir, "node_modules"));
  for (const typing of typings) {
    rmSync(link, { force: true, recursive: true });
    symlinkSync(join(modules, typing), link);
    for (const compiler of compilers) {
      const tsc = join(modules, compiler, "bin", "tsc");
      const label = `TypeScript ${version(join(modules, compiler))}, @types/node ${version(join(modules, typing))}`;
      const withConfig = spawnSync(process.execPath, [tsc, "-p", "."], { cwd: app, encoding: "utf8" });
      check(`${label}: --strict with the README's tsconfig`, withConfig.status === 0, `${withConfig.stdout}${withConfig.stderr}`);
      // No tsconfig: the flags a user passes by hand. The file itself uses import.meta and
      // `await using`, hence module/target/lib; what matters is that the .d.ts need nothing more.
      const bare = spawnSync(
        process.execPath,
        [tsc, "--strict", "--noEmit", "--module", "nodenext", "--target", "es2022", "--lib", "es2023,esnext.disposable", "--types", "node", "strict.ts"],
        { cwd: bareDir, encoding: "utf8" },
      );
      check(`${label}: --strict, no tsconfig`, bare.status === 0, `${bare.stdout}${bare.stderr}`);
    }
  }
}
