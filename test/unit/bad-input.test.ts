/**
 * Broken ACLs through the CLI, in process: every one must end in exit 1 with one clear message
 * per problem (file, path inside it, what was expected) and nothing else: no stack trace, no
 * output. The cases are in test/support/bad-input.ts; those written in Nix run in the
 * integration tier (test/integration/bad-input-nix.test.ts).
 */
import { strict as assert } from "node:assert";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import {
  ABSENT,
  assertNoCrash,
  cases,
  checkCase,
  dir,
  isNixCase,
  problemsOf,
  type Run,
  validBase,
} from "../support/bad-input.js";
import { repoRoot } from "../support/paths.js";
import { wirenixInProcess } from "../support/run.js";

/** The CLI in this process, from the repository root (the files are named relative to it). */
async function wirenix(args: readonly string[]): Promise<Run> {
  const ran = await wirenixInProcess(args, { cwd: repoRoot });
  return { status: ran.code, stdout: ran.stdout, stderr: ran.stderr };
}

test("the cases cover at least 70 files, each with an expectation", () => {
  const files = readdirSync(dir).filter((f) => f !== "cases.json");
  const named = Object.keys(cases);
  assert.ok(named.length >= 70, `only ${named.length} cases`);
  assert.deepEqual(
    [...files].sort(),
    named.filter((f) => !ABSENT.has(f)).sort(),
    "fixture files and cases.json disagree",
  );
  for (const f of ABSENT) assert.equal(existsSync(join(dir, f)), false, `${f} must not exist`);
  for (const ext of [".json", ".yaml", ".yml", ".toml", ".nix"])
    assert.ok(
      named.filter((f) => f.endsWith(ext)).length >= 4,
      `too few ${ext} cases to cover the format`,
    );
});

test("the ACL the cases are made from is valid", async () => {
  for (const command of ["generate", "inspect"]) {
    const run = await wirenix([command, relative(repoRoot, validBase)]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, "");
    assert.notEqual(run.stdout, "");
  }
});

test("every broken ACL is rejected with one clear line per problem", {
  concurrency: 8,
}, async (t) => {
  await Promise.all(
    Object.entries(cases)
      .filter(([name]) => !isNixCase(name))
      .map(([name, c]) => t.test(name, () => checkCase(name, c, wirenix))),
  );
});

test("a file with many problems reports them all in one run", async () => {
  const many = cases["many-problems.json"];
  assert.ok(many);
  const paths = new Set(problemsOf(many).map((p) => p.path));
  assert.ok(paths.size >= 5, "the case should hold at least 5 different problems");
  const file = relative(repoRoot, join(dir, "many-problems.json"));
  const run = await wirenix(["generate", file]);
  for (const path of paths) assert.ok(run.stderr.includes(`${file}: ${path}: `), run.stderr);
  // Type errors and unknown references together: the rules still run when the schema failed.
  assert.ok(run.stderr.includes("expected an integer") && run.stderr.includes("unknown group"));
  // Reported top-down, in the order of the file, whichever check found them.
  const lines = [...run.stderr.matchAll(/\(line (\d+), column \d+\)$/gm)].map((m) => Number(m[1]));
  assert.equal(lines.length, run.stderr.trim().split("\n").length);
  assert.deepEqual(
    lines,
    [...lines].sort((a, b) => a - b),
  );
});

/** Mistakes on the command line, with a valid ACL: exit 2. */
const USAGE: { args: string[]; contains: string }[] = [
  { args: ["generate", "--configurer", "frobnicate"], contains: 'unknown configurer "frobnicate"' },
  { args: ["generate", "--key-provider", "vault"], contains: 'unknown key provider "vault"' },
  {
    args: ["generate", "--key-provider", "agenix-rekey"],
    contains: "agenix-rekey key provider needs a secrets directory (--secrets-dir)",
  },
  { args: ["generate", "--peer", "omega"], contains: '--peer "omega": no such peer' },
  { args: ["inspect", "--peer", "omega"], contains: '--peer "omega": no such peer' },
  {
    args: ["generate", "--dev-name-method", "longest"],
    contains: "Allowed choices are short, long, hash",
  },
  { args: ["generate", "--format", "yaml"], contains: "Allowed choices are nix, json" },
  { args: ["generate", "--merge"], contains: "--merge needs the peers of the host" },
  { args: ["generate", "--frobnicate"], contains: "unknown option '--frobnicate'" },
  { args: ["frobnicate"], contains: "unknown command 'frobnicate'" },
  // A file where --out wants a directory; nothing is written, since the directory cannot exist.
  {
    args: ["generate", "--out", "test/fixtures/valid-base.json"],
    contains:
      "test/fixtures/valid-base.json: cannot write there: a file of that name is in the way (--out DIR)",
  },
  {
    args: ["generate", "--out", "test/fixtures/valid-base.json/hosts"],
    contains: "cannot write there: a file is in the way of the directory",
  },
];

test("usage errors exit 2 with a message and no output", { concurrency: 4 }, async (t) => {
  const acl = relative(repoRoot, validBase);
  await Promise.all([
    ...USAGE.map(({ args, contains }) =>
      t.test(args.join(" "), async () => {
        const run = await wirenix([...args, acl]);
        assertNoCrash(run.stderr);
        assert.equal(run.status, 2, `exit ${run.status}\n${run.stderr}`);
        assert.equal(run.stdout, "");
        assert.ok(run.stderr.includes(contains), run.stderr);
      }),
    ),
    t.test("generate without an ACL", async () => {
      const run = await wirenix(["generate"]);
      assertNoCrash(run.stderr);
      assert.equal(run.status, 2);
      assert.ok(run.stderr.includes("missing required argument 'acl'"), run.stderr);
    }),
  ]);
});
