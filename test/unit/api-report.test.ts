/**
 * The public surface of `import … from "wirenix"` is the committed API report: a change to a
 * name or a signature fails here until the report is rewritten on purpose (see
 * scripts/api-report.ts).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { API_REPORT, apiReport } from "../../scripts/api-report.js";
import { repoRoot } from "../support/paths.js";

test("the library's public surface is the committed API report", () => {
  const committed = readFileSync(join(repoRoot, API_REPORT), "utf8");
  assert.equal(apiReport(repoRoot), committed);
});

test("the report names the commands, the plugin helpers, and nothing of the CLI", () => {
  const names = [
    ...readFileSync(join(repoRoot, API_REPORT), "utf8").matchAll(/^\/\/ (\S+)$/gm),
  ].map((m) => m[1]);
  for (const name of [
    "generate",
    "writeOut",
    "check",
    "explain",
    "graph",
    "defineConfigurer",
    "InputError",
  ])
    assert.ok(names.includes(name), name);
  for (const name of ["cli", "Generator", "outputWriter", "hostsWriter", "OutRun", "printProblem"])
    assert.ok(!names.includes(name), name);
});
