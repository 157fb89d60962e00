#!/usr/bin/env node
// `npm run docs`: the API reference in docs/api/ (TypeDoc, from the doc comments of what
// src/index.ts exports), then a check that every export has a doc comment: for a function, its
// signature's; members (methods, properties) are TypeDoc's usual job and are not required here.
// Exit code 1, with the list, when an export is undocumented. It also warns about README sections
// missing from the README's table of contents.
//
// Usage: node scripts/docs.mjs            (typedoc.json configures TypeDoc)

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const typedoc = join(dirname(createRequire(join(root, "package.json")).resolve("typedoc/package.json")), "bin", "typedoc");
const tmp = mkdtempSync(join(tmpdir(), "multiproc-docs-"));
const json = join(tmp, "api.json");
const r = spawnSync(process.execPath, [typedoc, "--json", json], { cwd: root, stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

const project = JSON.parse(readFileSync(json, "utf8"));
rmSync(tmp, { recursive: true, force: true });
const documented = (c) => c?.summary?.some((part) => part.text.trim() !== "") ?? false;
const missing = (project.children ?? []).filter((child) => {
  if (documented(child.comment)) return false;
  const signatures = child.signatures ?? [];
  return signatures.length === 0 || !signatures.some((s) => documented(s.comment));
});
if (missing.length > 0) {
  console.error(`multiproc docs: ${missing.length} export(s) of src/index.ts without a doc comment:`);
  for (const m of missing) console.error(`  ${m.name}  (${m.sources?.[0]?.fileName ?? "?"}:${m.sources?.[0]?.line ?? "?"})`);
  process.exit(1);
}
console.log(`multiproc docs: docs/api/index.html, ${project.children?.length ?? 0} exports, each documented`);

// The README's table of contents should list every top-level section (several people add them).
const readme = readFileSync(join(root, "README.md"), "utf8");
const contents = readme.slice(readme.indexOf("## Contents"), readme.indexOf("\n## ", readme.indexOf("## Contents") + 1));
const anchor = (heading) => heading.toLowerCase().replace(/[^\w\s-]/g, "").trim().replace(/\s/g, "-");
const unlisted = [...readme.matchAll(/^## (.+)$/gm)]
  .map((m) => m[1].trim())
  .filter((h) => h !== "Contents" && !contents.includes(`(#${anchor(h)})`));
if (unlisted.length > 0) console.warn(`multiproc docs: README sections missing from its Contents: ${unlisted.join("; ")}`);
