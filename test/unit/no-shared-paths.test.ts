/**
 * The tests run from a plain clone with nothing beside it: no file under src/ or test/ may
 * reach for the directory that holds the original Wirenix and its oracle (`../shared` in the
 * workplace). The tests compare with the original's committed output instead; `npm run
 * oracle` and the bench take that directory from WIRENIX_SHARED, outside src/ and test/.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../support/paths.js";

/** Ways of naming the shared directory as a path. */
const PATTERNS = [
  /\.\.[\\/]+shared\b/, // ../shared
  /["'`]\.\.["'`]\s*,\s*["'`]shared["'`]/, // join(root, "..", "shared")
  /["'`]shared["'`]\s*,\s*["'`](?:oracle|reference|recipes|docs)["'`]/, // join(x, "shared", "oracle")
  /\bshared[\\/]+(?:oracle|reference|recipes|docs)\b/, // shared/oracle/golden.sh
  /\benv(?:\.|\[\s*["'`])WIRENIX_SHARED\b/, // reading the variable that names it
];

const offending = (text: string) => PATTERNS.some((p) => p.test(text));

/** This file, in the source tree: the one place that spells the patterns out. */
const self = join(
  repoRoot,
  relative(join(repoRoot, "dist"), fileURLToPath(import.meta.url)).replace(/\.js$/, ".ts"),
);

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

test("the patterns catch the shared directory named as a path, and nothing else", () => {
  for (const bad of [
    'join(repoRoot, "..", "shared")',
    "bash ../shared/oracle/golden.sh acl.json",
    "const dir = '..\\\\shared'",
    'join(root, "shared", "reference", "nixpkgs-lib")',
    "/work/shared/reference/wirenix/examples/acl/ring.nix",
    "process.env.WIRENIX_SHARED",
    'env["WIRENIX_SHARED"]',
  ])
    assert.ok(offending(bad), bad);
  for (const fine of [
    "presharedKeyFile",
    "shared subtrees are frozen",
    "peer entries shared between hosts",
    "explained.shared[0]",
    "the shared /var/run/wireguard",
    "to update: WIRENIX_SHARED=DIR npm run oracle -- --write",
  ])
    assert.ok(!offending(fine), fine);
});

test("nothing under src/ or test/ refers to the shared directory", () => {
  const found: string[] = [];
  let checked = 0;
  for (const top of ["src", "test"])
    for (const file of files(join(repoRoot, top))) {
      if (file === self) continue;
      checked++;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (offending(line)) found.push(`${relative(repoRoot, file)}:${i + 1}: ${line.trim()}`);
        });
    }
  assert.ok(checked > 100, `only ${checked} files checked`);
  assert.deepEqual(found, []);
});
