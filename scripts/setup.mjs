// Makes a fresh clone runnable with nothing but Node.js and npm: `npm test` and `npm run demo`
// call this first. It installs the locked dependencies when node_modules is missing or older
// than package-lock.json, and does nothing otherwise.
import { execSync } from "node:child_process";
import { existsSync, lstatSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const lock = `${root}package-lock.json`;
const modules = `${root}node_modules`;
const installed = `${modules}/.package-lock.json`;

if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
  // Borrowed from another checkout (a git worktree, say): npm ci would empty that one's through
  // the link. Whoever owns it installs.
} else if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error("multiproc: installing dependencies (npm ci) ...");
  execSync("npm ci --no-audit --no-fund", { cwd: root, stdio: "inherit" });
}
