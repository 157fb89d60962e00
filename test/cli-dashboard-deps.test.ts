// The dashboard's packages (@bull-board/api, @bull-board/hono, @hono/node-server, hono) are
// optional peer dependencies: an install without them is multiproc as `npm install --omit=dev`
// leaves it, whose dashboard must say which are missing and how to install them (one message, exit
// 1, no stack), while everything else, `--help` included, works. The install is built here: the
// package's dist/ and package.json copied into <tmp>/node_modules/multiproc, and beside it
// symlinks to its regular dependencies only, so that nothing resolves the others. No Redis needed:
// the check comes before any connection.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const DASHBOARD = ["@bull-board/api", "@bull-board/hono", "@hono/node-server", "hono"];
const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A project whose node_modules holds multiproc, its dependencies, and of the dashboard's packages only `present`. */
function install(present: string[]): { project: string; cli: string; dist: string } {
  const project = mkdtempSync(join(tmpdir(), "mp-dashboard-deps-"));
  temps.push(project);
  const modules = join(project, "node_modules");
  const self = join(modules, "multiproc");
  mkdirSync(self, { recursive: true });
  cpSync(join(root, "package.json"), join(self, "package.json"));
  cpSync(join(root, "dist"), join(self, "dist"), { recursive: true, filter: (src) => !src.endsWith(".map") });
  for (const name of [...Object.keys(pkg.dependencies), ...present]) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(root, "node_modules", name), join(modules, name), "dir");
  }
  return { project, cli: join(self, "dist", "cli", "main.js"), dist: join(self, "dist") };
}

function node(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the error says for `missing`, with the versions package.json supports (a range with `^` in double quotes). */
function expectedMessage(missing: string[]): string {
  const specs = missing.map((name) => {
    const spec = `${name}@${pkg.peerDependencies[name]}`;
    return /^[\w@./:-]+$/.test(spec) ? spec : `"${spec}"`;
  });
  return (
    `the dashboard needs ${missing.length === 1 ? "a package that is" : "packages that are"} not installed: ${missing.join(", ")} ` +
    `(optional peer dependencies of multiproc, which only the dashboard uses). Install ${missing.length === 1 ? "it" : "them"} with:\n` +
    `  npm install ${specs.join(" ")}`
  );
}

test("the dashboard's packages are optional peer dependencies, at the versions installed for the tests", () => {
  for (const name of DASHBOARD) {
    assert.equal(pkg.dependencies[name], undefined, `${name} is not a dependency`);
    assert.ok(pkg.peerDependencies[name], `${name} is a peer dependency`);
    const installed = (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
    const range = pkg.peerDependencies[name]!;
    // Exact pins or caret ranges: the installed version is the pin, or has the caret's major and is not older.
    const [major, ...rest] = range.replace(/^\^/, "").split(".").map(Number);
    const have = installed.split(".").map(Number);
    if (range.startsWith("^")) {
      assert.equal(have[0], major, `${name}@${installed} within ${range}`);
      assert.ok(have[1]! > rest[0]! || (have[1] === rest[0] && have[2]! >= rest[1]!), `${name}@${installed} within ${range}`);
    } else assert.equal(installed, range, `${name}@${installed} is the pinned ${range}`);
  }
  assert.ok(pkg.dependencies.bullmq && pkg.dependencies.ioredis, "bullmq and ioredis stay dependencies");
});

test("multiproc dashboard without its packages: one message naming them and the npm command, exit 1, no stack", { timeout: 120_000 }, () => {
  const { project, cli } = install([]);
  const r = node([cli, "dashboard", "--redis", "redis://127.0.0.1:1", "--port", "0"], project);
  assert.equal(r.stderr, `multiproc: ${expectedMessage(DASHBOARD)}\n`);
  assert.equal(r.stdout, "");
  assert.equal(r.status, 1);
});

test("multiproc dashboard names only the packages that are missing", { timeout: 120_000 }, () => {
  const { project, cli } = install(["hono", "@hono/node-server"]);
  const r = node([cli, "dashboard", "--redis", "redis://127.0.0.1:1", "--port", "0"], project);
  assert.equal(r.stderr, `multiproc: ${expectedMessage(["@bull-board/api", "@bull-board/hono"])}\n`);
  assert.equal(r.status, 1);
  const one = install(["@bull-board/api", "@bull-board/hono", "@hono/node-server"]);
  const r1 = node([one.cli, "dashboard", "--redis", "redis://127.0.0.1:1", "--port", "0"], one.project);
  assert.equal(r1.stderr, `multiproc: ${expectedMessage(["hono"])}\n`);
  assert.equal(r1.status, 1);
});

test("startDashboard() without its packages rejects with DashboardUnavailableError, a MultiprocError", { timeout: 120_000 }, () => {
  const { project, dist } = install([]);
  const script = `
    import { isMultiprocError } from "multiproc";
    const { startDashboard } = await import(${JSON.stringify(new URL(`file://${dist}/cluster/dashboard.js`).href)});
    try {
      await startDashboard({ target: { url: "redis://127.0.0.1:1" }, port: 0, host: "127.0.0.1" });
      console.log("started");
    } catch (err) {
      console.log(JSON.stringify({ name: err.name, code: err.code, missing: err.missing, install: err.install, message: err.message, multiproc: isMultiprocError(err) }));
    }`;
  const r = node(["--input-type=module", "-e", script], project);
  assert.equal(r.status, 0, r.stderr);
  const message = expectedMessage(DASHBOARD);
  assert.deepEqual(JSON.parse(r.stdout), {
    name: "DashboardUnavailableError",
    code: "MULTIPROC_DASHBOARD_UNAVAILABLE",
    missing: DASHBOARD,
    install: message.slice(message.indexOf("npm install")),
    message,
    multiproc: true,
  });
});

test("without the dashboard's packages, multiproc --help and dashboard --help work and say what to install", { timeout: 120_000 }, () => {
  const { project, cli } = install([]);
  const help = node([cli, "--help"], project);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /dashboard/);
  const usage = node([cli, "dashboard", "--help"], project);
  assert.equal(usage.status, 0, usage.stderr);
  const message = expectedMessage(DASHBOARD);
  assert.ok(usage.stdout.includes(message.slice(message.indexOf("npm install"))), usage.stdout);
});
