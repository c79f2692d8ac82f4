/**
 * Broken ACLs and what the CLI must say of each: the cases are files in test/fixtures/bad-input/,
 * their expectations in cases.json there, written by hand. The unit tier runs them through the
 * CLI in process (test/unit/bad-input.test.ts); the .nix ones need nix-instantiate and run with
 * the real binary in the integration tier (test/integration/bad-input-nix.test.ts).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { DEFAULT_OPTIONS, Generator, readNetwork } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import { type Diagnostic, renderPath } from "../../src/core/diagnostics.js";
import type { DevNameMethod } from "../../src/network/devname.js";
import { fixtures, repoRoot } from "./paths.js";

/** One problem the CLI must report. */
export interface Problem {
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

export interface Case extends Problem {
  /** The commands that must reject the file (default: generate and inspect). */
  commands?: ("generate" | "inspect")[];
  args?: string[];
  /** More lines anywhere on stderr (warnings that help, say). */
  stderr?: string[];
  /** Further problems of the same file, all reported in the same run. */
  also?: Problem[];
}

export const dir = join(fixtures, "bad-input");
export const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as Record<
  string,
  Case
>;
export const validBase = join(fixtures, "valid-base.json");
/** Cases name files that must not exist, to test that error. */
export const ABSENT = new Set(["does-not-exist.json"]);

/** What no message for bad input may contain: traces, crashes, Node's own error prefixes. */
export function assertNoCrash(stderr: string): void {
  for (const line of stderr.split("\n")) {
    assert.doesNotMatch(line, /^\s+at /, `stack-trace line on stderr:\n${stderr}`);
    assert.doesNotMatch(line, /^\w*Error:/, `Node error prefix on stderr:\n${stderr}`);
  }
  assert.ok(!stderr.includes("internal error"), `internal error on stderr:\n${stderr}`);
  assert.ok(!stderr.includes("node:internal"), `Node internals on stderr:\n${stderr}`);
}

export function prefix(file: string, path: string): string {
  return path === "" ? `${file}: ` : `${file}: ${path}: `;
}

/** A message line without the label every message starts with (`wirenix: error: `). */
export function unlabelled(line: string): string {
  return line.replace(/^wirenix: (error|warning): /, "");
}

export function assertReported(stderr: string, file: string, problem: Problem): void {
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

export function problemsOf(c: Case): Problem[] {
  return [c, ...(c.also ?? [])];
}

/** The diagnostics of the same run in-process, to check codes (the text does not show them). */
export function diagnosticsOf(file: string, c: Case): Diagnostic[] {
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

/** How a case is run: the CLI in process or spawned, from the repository root. */
export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the case `name` with `wirenix` and checks everything it must say, and only that. */
export async function checkCase(
  name: string,
  c: Case,
  wirenix: (args: readonly string[]) => Promise<Run>,
): Promise<void> {
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
}

/** Cases of ACLs written in Nix: evaluating them needs nix-instantiate. */
export function isNixCase(name: string): boolean {
  return name.endsWith(".nix");
}
