/**
 * No module of src/ keeps mutable state: caches and shared pieces live in a RunContext that the
 * caller creates and drops (see src/core/run-context.ts), so a process that generates again and
 * again carries nothing from one run to the next.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { typeScriptFiles } from "../support/imports.js";
import { moduleState } from "../support/module-state.js";
import { repoRoot } from "../support/paths.js";

test("the detector finds every kind of module-level state, and passes constant tables", () => {
  const sample = [
    "let count = 0;",
    "var legacy;",
    "const cache = new Map<string, string>();",
    "const seen = new WeakSet();",
    "const pending: string[] = [];",
    "const answer = memoize((x) => x);",
    "const grown = new Array(4);",
    "export const table = new Set(['a']);",
    "const KEYWORDS: ReadonlySet<string> = new Set(['if']);",
    "const NAMES: readonly string[] = ['a'];",
    "const LIMITS: ReadonlyMap<string, number> = new Map();",
    "const FROZEN = Object.freeze(['a']);",
    "const UNITS = ['k', 'M'] as const;",
    "const PATTERN = /x/;",
    "const LINT = { name: 'x' };",
    "function f() { let local = new Map(); return local; }",
    "class C { readonly #table = new Map(); }",
  ].join("\n");
  assert.deepEqual(
    moduleState("sample.ts", sample).map((s) => s.name),
    ["count", "legacy", "cache", "seen", "pending", "answer", "grown", "table"],
  );
});

test("no module of src/ keeps mutable state", () => {
  const found: string[] = [];
  let scanned = 0;
  for (const file of typeScriptFiles(join(repoRoot, "src"))) {
    scanned++;
    for (const s of moduleState(file, readFileSync(file, "utf8")))
      found.push(`${relative(repoRoot, file)}:${s.line} ${s.name}: ${s.why}`);
  }
  assert.ok(scanned > 50, `only ${scanned} files under src/`);
  assert.deepEqual(found, []);
});
