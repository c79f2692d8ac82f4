/**
 * Broken ACLs through the real CLI: every one must end in exit 1 with one clear message per
 * problem (file, path inside it, what was expected) and nothing else: no stack trace, no
 * output. The cases are files in test/fixtures/bad-input/, their expectations in cases.json
 * there, written by hand.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { DEFAULT_OPTIONS, Generator, readNetwork } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import { type Diagnostic, renderPath } from "../../src/core/diagnostics.js";
import type { DevNameMethod } from "../../src/network/devname.js";
import { fixtures, repoRoot, wirenixBin } from "../support/paths.js";

/** One problem the CLI must report. */
interface Problem {
  /** The rendered path inside the file; "" for problems of the whole file. */
  path: string;
  code: string;
  /** What the diagnostic says belongs there (its `expected` field), word for word. */
  expected?: string;
  /** What it says was found (its `received` field), word for word. */
  received?: string;
  /** Words the problem's line must contain. */
  contains?: string[];
}

interface Case extends Problem {
  /** The commands that must reject the file (default: generate and inspect). */
  commands?: ("generate" | "inspect")[];
  args?: string[];
  /** More lines anywhere on stderr (warnings that help, say). */
  stderr?: string[];
  /** Further problems of the same file, all reported in the same run. */
  also?: Problem[];
}

const dir = join(fixtures, "bad-input");
const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as Record<string, Case>;
const validBase = join(fixtures, "valid-base.json");
/** Cases name files that must not exist, to test that error. */
const ABSENT = new Set(["does-not-exist.json"]);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function wirenix(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wirenixBin, ...args], { cwd: repoRoot });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** What no message for bad input may contain: traces, crashes, Node's own error prefixes. */
function assertNoCrash(stderr: string): void {
  for (const line of stderr.split("\n")) {
    assert.doesNotMatch(line, /^\s+at /, `stack-trace line on stderr:\n${stderr}`);
    assert.doesNotMatch(line, /^\w*Error:/, `Node error prefix on stderr:\n${stderr}`);
  }
  assert.ok(!stderr.includes("internal error"), `internal error on stderr:\n${stderr}`);
  assert.ok(!stderr.includes("node:internal"), `Node internals on stderr:\n${stderr}`);
}

function prefix(file: string, path: string): string {
  return path === "" ? `${file}: ` : `${file}: ${path}: `;
}

/** A message line without the label every message starts with (`wirenix: error: `). */
function unlabelled(line: string): string {
  return line.replace(/^wirenix: (error|warning): /, "");
}

function assertReported(stderr: string, file: string, problem: Problem): void {
  assert.ok(
    stderr.split("\n").every((l) => l === "" || l.startsWith("wirenix: ")),
    `every message starts with "wirenix: ":\n${stderr}`,
  );
  const lines = stderr
    .split("\n")
    .map(unlabelled)
    .filter((l) => l.startsWith(prefix(file, problem.path)));
  // The fields are printed as part of the line: "expected X, got Y".
  const words = [
    ...(problem.contains ?? []),
    ...(problem.expected === undefined ? [] : [`expected ${problem.expected}`]),
    ...(problem.received === undefined ? [] : [`got ${problem.received}`]),
  ];
  const match = lines.find((l) => words.every((w) => l.includes(w)));
  assert.ok(
    match,
    `expected a line "${prefix(file, problem.path)}..." containing ${JSON.stringify(words)}, got:\n${stderr}`,
  );
  // JSON and YAML keep positions: a problem inside the file says where it is.
  if (/\.(json|ya?ml)$/.test(file) && problem.path !== "")
    assert.match(match, /\(line \d+, column \d+\)$/, `no line and column: ${match}`);
}

function problemsOf(c: Case): Problem[] {
  return [c, ...(c.also ?? [])];
}

/** The diagnostics of the same run in-process, to check codes (the text does not show them). */
function diagnosticsOf(file: string, c: Case): Diagnostic[] {
  const registry = createRegistry();
  const read = readNetwork(file, registry);
  if (!c.commands?.includes("generate") || c.commands.includes("inspect")) {
    assert.equal(read.ok, false, "readNetwork accepted the file");
    return read.ok ? [] : read.diagnostics;
  }
  assert.ok(read.ok, `readNetwork rejected a file only generate should reject`);
  const method = c.args?.[c.args.indexOf("--dev-name-method") + 1];
  const generator = Generator.create(read.value, registry, {
    ...DEFAULT_OPTIONS,
    ...(c.args?.includes("--dev-name-method") ? { devNameMethod: method as DevNameMethod } : {}),
  });
  assert.ok(generator.ok);
  return read.value.peers.flatMap((peer) => {
    const one = generator.value.configure(peer.name);
    return one.ok ? [] : one.diagnostics;
  });
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
    Object.entries(cases).map(([name, c]) =>
      t.test(name, async () => {
        const file = relative(repoRoot, join(dir, name));
        const rejecting = c.commands ?? ["generate", "inspect"];
        for (const command of rejecting) {
          const run = await wirenix([command, ...(c.args ?? []), file]);
          assertNoCrash(run.stderr);
          assert.equal(run.status, 1, `${command}: exit ${run.status}\n${run.stderr}`);
          assert.equal(run.stdout, "", `${command} printed output for a broken ACL`);
          for (const problem of problemsOf(c)) assertReported(run.stderr, file, problem);
          for (const words of c.stderr ?? []) assert.ok(run.stderr.includes(words), run.stderr);
          // Every error names the file, and no problem is reported that the case does not expect.
          const errors = run.stderr
            .split("\n")
            .filter((l) => l && !l.startsWith("wirenix: warning: "))
            .map(unlabelled);
          for (const line of errors)
            assert.ok(
              problemsOf(c).some((p) => line.startsWith(prefix(file, p.path))),
              `unexpected line: ${line}`,
            );
        }
        if (!rejecting.includes("inspect")) {
          const run = await wirenix(["inspect", file]);
          assert.equal(run.status, 0, `inspect needs no keys, yet failed:\n${run.stderr}`);
        }
        const diagnostics = diagnosticsOf(join(dir, name), c).filter((d) => d.severity === "error");
        for (const problem of problemsOf(c)) {
          const found = diagnostics.filter(
            (d) => d.code === problem.code && renderPath(d.path) === problem.path,
          );
          assert.ok(
            found.length > 0,
            `no ${problem.code} at "${problem.path}" in ${JSON.stringify(diagnostics)}`,
          );
          if (problem.expected !== undefined || problem.received !== undefined)
            assert.ok(
              found.some(
                (d) =>
                  (problem.expected === undefined || d.expected === problem.expected) &&
                  (problem.received === undefined || d.received === problem.received),
              ),
              `expected/received at "${problem.path}": ${JSON.stringify(found)}`,
            );
        }
      }),
    ),
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
    contains: "agenix-rekey key provider needs --secrets-dir",
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
    contains: "--out test/fixtures/valid-base.json: cannot write there: a file of that name",
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
