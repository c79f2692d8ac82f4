/**
 * The README's usage lines and `--help` list the same flags for every command, so neither can
 * drift from the other: a flag added to a command must be added to the README too.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../support/paths.js";
import { wirenixInProcess } from "../support/run.js";

/** The README's usage block: command (with `keys` subcommands) → flags on its lines. */
function readmeUsage(): Map<string, Set<string>> {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Usage\n"));
  const block = /```\n(wirenix [\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, "README has a usage block under ## Usage");
  const usage = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of block.split("\n")) {
    const start = /^wirenix ((?:keys |lab )?[a-z-]+)/.exec(line);
    if (start?.[1] !== undefined && !line.startsWith("wirenix --help")) {
      current = new Set();
      usage.set(start[1], current);
    } else if (!/^\s/.test(line)) current = undefined;
    // Flags in the usage, not in the comment after it.
    const flags = (line.split("#")[0] ?? "").match(/--[a-z][a-z-]*/g) ?? [];
    for (const flag of flags) current?.add(flag);
  }
  return usage;
}

/** The long flags in the Options section of a command's --help, --help itself left out. */
function helpFlags(help: string): Set<string> {
  const options = help.slice(help.indexOf("Options:"), help.indexOf("Commands:") >>> 0);
  const flags = new Set<string>();
  for (const line of options.split("\n")) {
    const flag = /^\s+(?:-[A-Za-z], )?(--[a-z][a-z-]*)/.exec(line)?.[1];
    if (flag !== undefined && flag !== "--help") flags.add(flag);
  }
  return flags;
}

const COMMANDS = [
  "generate",
  "inspect",
  "check",
  "explain",
  "graph",
  "diff",
  "report",
  "keys generate",
  "keys encrypt",
  "qr",
  "init",
  "add-peer",
  "remove-peer",
  "lab",
  "lab down",
  "lab exec",
  "completion",
];

test("the README's usage lines name every command", () => {
  assert.deepEqual([...readmeUsage().keys()].sort(), [...COMMANDS].sort());
});

for (const command of COMMANDS)
  test(`README usage of ${command} lists exactly the flags of its --help`, async () => {
    const help = await wirenixInProcess([...command.split(" "), "--help"]);
    assert.equal(help.code, 0, help.stderr);
    const documented = readmeUsage().get(command) ?? new Set<string>();
    assert.deepEqual([...documented].sort(), [...helpFlags(help.stdout)].sort());
  });
