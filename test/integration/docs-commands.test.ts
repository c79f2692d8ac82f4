/**
 * Every `wirenix …` command the README, docs/*.md and the bundled examples' headers show runs,
 * with the real binary, and prints what the docs show it printing. Each block runs in a fresh
 * directory holding copies of the bundled examples (`examples/…`, and beside it), its commands in
 * order, through `sh` (so `> file` and `\` work as the docs write them), with the setup steps
 * the block shows before them (`age-keygen`, `cp`, `sed`, `git`). Usage lines
 * (`[--flag]`, `a|b`, placeholders in capitals) are not commands: readme-usage.test.ts holds
 * them to `--help`. Other programs a block shows (`sudo wg-quick up`) are not run.
 */
import { strict as assert } from "node:assert";
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  type DocBlock,
  exampleBlocks,
  markdownBlocks,
  shownPattern,
} from "../support/doc-commands.js";
import { repoRoot, wirenixBin } from "../support/paths.js";
import { spawnAsync, withTempDir } from "../support/run.js";

const docs = readdirSync(join(repoRoot, "docs"))
  .filter((f) => f.endsWith(".md"))
  .sort()
  .map((f) => `docs/${f}`);
const blocks: DocBlock[] = [
  ...["README.md", ...docs].flatMap((name) => markdownBlocks(join(repoRoot, name), name)),
  ...exampleBlocks(join(repoRoot, "examples"), "examples/"),
];

test("the docs show commands to test: the README's getting started, docs, example headers", () => {
  const where = blocks.map((b) => b.where.split(":")[0]);
  for (const file of ["README.md", "docs/checks.md", "docs/keys-and-secrets.md"])
    assert.ok(where.includes(file), `no command found in ${file}`);
  assert.ok(
    where.some((w) => w?.startsWith("examples/")),
    "no command found in the examples",
  );
  assert.ok(blocks.flatMap((b) => b.commands).length >= 20);
});

/** Runs `line` with `wirenix` being our binary, in `dir`: its exit code and all it printed. */
async function run(line: string, dir: string, bin: string) {
  return spawnAsync("sh", ["-c", line], {
    cwd: dir,
    // HOME is the block's directory too: `~/…` in a command never reaches the real one.
    // A git identity, as a user who commits has one (`git commit` refuses to run without).
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      HOME: dir,
      NO_COLOR: "1",
      GIT_AUTHOR_NAME: "Admin",
      GIT_AUTHOR_EMAIL: "admin@example.org",
      GIT_COMMITTER_NAME: "Admin",
      GIT_COMMITTER_EMAIL: "admin@example.org",
    },
  });
}

/**
 * Lines of `shown` that `printed` lacks, and printed lines nothing shown accounts for, empty
 * lines aside; any order, since standard output and error interleave as they please.
 */
function compare(shown: readonly string[], printed: readonly string[], elided: boolean): string[] {
  const left = [...printed];
  const problems: string[] = [];
  for (const line of shown.filter((l) => l !== "")) {
    const pattern = shownPattern(line);
    const at = left.findIndex((p) => pattern.test(p));
    if (at < 0) problems.push(`shown but not printed: ${line}`);
    else left.splice(at, 1);
  }
  if (!elided) for (const line of left) problems.push(`printed but not shown: ${line}`);
  return problems;
}

for (const block of blocks) {
  test(`${block.where}: ${block.commands.map((c) => c.line.split(" ")[1]).join(", ")}`, async () => {
    await withTempDir(async (dir) => {
      const bin = join(dir, ".bin");
      mkdirSync(bin);
      writeFileSync(
        join(bin, "wirenix"),
        `#!/bin/sh\nexec "${process.execPath}" "${wirenixBin}" "$@"\n`,
        {
          mode: 0o755,
        },
      );
      const work = join(dir, "work");
      // Copies: a command may change what it is given. A plugin there imports "wirenix": it
      // finds this package through node_modules, as beside an installed wirenix.
      cpSync(join(repoRoot, "examples"), join(work, "examples"), { recursive: true });
      cpSync(join(repoRoot, "examples"), work, { recursive: true });
      mkdirSync(join(work, "node_modules"));
      symlinkSync(repoRoot, join(work, "node_modules", "wirenix"));
      const failures: string[] = [];
      for (const command of block.commands) {
        const ran = await run(command.line, work, bin);
        const printed = `${ran.stdout}${ran.stderr}`.split("\n").filter((l) => l !== "");
        const shown = command.shown ?? [];
        const failed = shown.some((l) => l.startsWith("wirenix: error"));
        // `diff` exits 1 when the two versions differ, as `git diff --exit-code`: not a failure.
        const differs = /^wirenix diff /.test(command.line) && ran.code === 1;
        const problems = [
          ...(failed === (ran.code !== 0 && !differs) ? [] : [`exit ${ran.code}`]),
          ...(command.shown ? compare(shown, printed, command.elided === true) : []),
        ];
        if (problems.length > 0)
          failures.push(
            `$ ${command.line}\n  ${problems.join("\n  ")}\n  (printed:)\n${printed.map((l) => `    ${l}`).join("\n")}`,
          );
      }
      assert.deepEqual(failures, [], failures.join("\n"));
    });
  });
}
