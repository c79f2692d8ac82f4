/**
 * The corpus of invalid and suspicious ACLs (scripts/make-corpus.mjs) through the CLI (in process):
 * `check` and `generate` never print a stack trace, and exit as documented. `check` must find
 * the fault each mutation was built to have.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fixtures } from "../support/paths.js";
import { type Ran, wirenixInProcess } from "../support/run.js";

interface Entry {
  file: string;
  mutation: string;
  base: string;
  expect: "invalid" | "error" | "warning";
  code: string;
}

const dir = join(fixtures, "corpus");
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Entry[];

function noCrash(run: Ran, what: string): void {
  const output = run.stdout + run.stderr;
  assert.doesNotMatch(output, /^\s+at /m, `${what} printed a stack trace:\n${output}`);
  assert.doesNotMatch(output, /internal error/i, `${what} hit an internal error:\n${output}`);
}

test("the corpus holds at least 200 ACLs in JSON, YAML and TOML", () => {
  assert.ok(manifest.length >= 200, `${manifest.length}`);
  for (const format of ["json", "yaml", "toml"])
    assert.ok(manifest.filter((e) => e.file.endsWith(`.${format}`)).length >= 50, format);
  assert.ok(new Set(manifest.map((e) => e.mutation)).size >= 50);
});

describe("corpus", { concurrency: 4 }, () => {
  for (const entry of manifest) {
    const file = join(dir, entry.file);
    test(`${entry.file}: ${entry.expect} ${entry.code}`, async () => {
      const check = await wirenixInProcess(["check", file, "--format", "json"]);
      noCrash(check, "check");
      assert.equal(check.stderr, "", "check --format json prints everything as JSON");
      const items = (
        JSON.parse(check.stdout) as {
          diagnostics: { severity: string; code: string; path: string }[];
        }
      ).diagnostics;
      const errors = items.filter((i) => i.severity === "error");
      assert.equal(
        check.code,
        errors.length > 0 ? 1 : 0,
        "check exits 1 exactly when it reports an error",
      );
      const wanted = entry.expect === "warning" ? "warning" : "error";
      assert.ok(
        items.some((i) => i.code === entry.code && i.severity === wanted),
        `expected ${wanted} ${entry.code}, got ${JSON.stringify(items)}`,
      );
      assert.equal(check.code, entry.expect === "warning" ? 0 : 1);

      const generate = await wirenixInProcess(["generate", file, "--format", "json"]);
      noCrash(generate, "generate");
      assert.ok(generate.code === 0 || generate.code === 1, `generate exited ${generate.code}`);
      if (entry.expect === "invalid") assert.equal(generate.code, 1);
      if (generate.code === 1) assert.notEqual(generate.stderr.trim(), "", "a failure says why");
      else JSON.parse(generate.stdout);
    });
  }
});
