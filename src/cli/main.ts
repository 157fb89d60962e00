#!/usr/bin/env node
// `npx multiproc <command>`: one entry point, one file per command. A command module is loaded
// only when it is asked for, so `multiproc map` never loads the Redis client and `--help` loads
// nothing at all.

import { readFileSync } from "node:fs";

/** What every command file exports. `run` resolves with the process exit code. */
export interface Command {
  /** One line for `multiproc --help`. */
  summary: string;
  /** The command's own help text, printed by `multiproc <command> --help`. */
  usage: string;
  run(args: string[]): Promise<number>;
}

/** The commands, by name. Add a command by adding a file and a line here. */
const commands: Record<string, () => Promise<{ command: Command }>> = {
  map: () => import("./map.js"),
  worker: () => import("./worker.js"),
  dashboard: () => import("./dashboard.js"),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function help(): Promise<string> {
  const lines = ["Usage: multiproc <command> [options]", "", "Commands:"];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(12)}${(await load()).command.summary}`);
  lines.push("", "Options:", "  -h, --help     show this help (or a command's: multiproc <command> --help)", "  -v, --version  print multiproc's version");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    console.log(await help());
    return name === undefined ? 2 : 0;
  }
  if (name === "-v" || name === "--version") {
    console.log(version());
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`multiproc: unknown command "${name}"; the commands are: ${Object.keys(commands).join(", ") || "(none)"}. See multiproc --help.`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes("-h") || rest.includes("--help")) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`multiproc: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
