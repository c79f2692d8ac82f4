/**
 * The folders of src/ are the layers, and imports go down only: cli → app → edit → render →
 * keys → analysis → acl → network → io → core (render, keys and analysis are beside each other
 * where the table below says so). A module may import its own folder and the folders its layer
 * lists; anything else is a layer violation. The network model is version-independent: a parser
 * of another ACL version produces it without going through ACL v1's types, so nothing outside
 * acl/ and the assembly on top (app/, cli/) imports acl/v1/.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { test } from "node:test";
import { importedPaths, isUnder, typeScriptFiles } from "../support/imports.js";
import { repoRoot } from "../support/paths.js";

/** Each layer of src/ and the layers it may import (its own folder always). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  cli: ["app", "edit", "render", "keys", "analysis", "acl", "network", "io", "core"],
  app: ["edit", "render", "keys", "analysis", "acl", "network", "io", "core"],
  edit: ["analysis", "acl", "network", "io", "core"],
  render: ["keys", "network", "io", "core"],
  keys: ["network", "io", "core"],
  analysis: ["network", "core"],
  acl: ["network", "io", "core"],
  network: ["core"],
  io: ["core"],
  core: [],
};
/** Modules at the top of src/: the library's entry point, which may re-export every layer. */
const ENTRY_POINTS = new Set(["index.ts"]);

const V1 = join("src", "acl", "v1");
/** The folders that may read ACL v1's own types: acl/ itself and what assembles a run. */
const V1_READERS = new Set(["acl", "app", "cli"]);

/** The layer (top folder under src/) of `path`, relative to the repository. */
function layerOf(path: string): string {
  return relative("src", path).split(sep)[0] ?? "";
}

/** The imports of `file` that cross into a layer it may not import, as readable lines. */
function violations(file: string, source: string): string[] {
  const from = layerOf(file);
  const allowed = MAY_IMPORT[from] ?? [];
  const found: string[] = [];
  for (const path of importedPaths(file, source)) {
    const to = layerOf(path);
    if (to !== from && !allowed.includes(to))
      found.push(`${file} (${from}) imports ${path} (${to})`);
    else if (isUnder(path, V1) && !V1_READERS.has(from))
      found.push(`${file} imports ${path} (acl/v1)`);
  }
  return found;
}

test("the layer table has no cycle and names only layers it defines", () => {
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (layer: string, trail: string[]): void => {
    assert.ok(layer in MAY_IMPORT, `${trail.join(" → ")} → ${layer}: no such layer`);
    assert.ok(!visiting.has(layer), `cycle: ${[...trail, layer].join(" → ")}`);
    if (done.has(layer)) return;
    visiting.add(layer);
    for (const below of MAY_IMPORT[layer] ?? []) visit(below, [...trail, layer]);
    visiting.delete(layer);
    done.add(layer);
  };
  for (const layer of Object.keys(MAY_IMPORT)) visit(layer, []);
});

test("the detector finds every form of import that goes up or into acl/v1, and passes the others", () => {
  const sample = [
    'import type { AclV1 } from "../acl/v1/schema.js";',
    'import { publicKeyOf } from "../keys/generate.js";',
    'import {\n  SAFE_NAME,\n  type AclPeer,\n} from "../acl/parser.js";',
    'export { SERVICE } from "../app/registry.js";',
    'export type * from "../cli/main.js";',
    'import "../render/printers/nix.js";',
    'const late = await import("../edit/ops.js");',
    'import { looksLikeIPv6 } from "./values.js";',
    'import type { Diagnostic } from "../core/diagnostics.js";',
    'import { readFileSync } from "node:fs";',
    'import * as v from "valibot";',
  ].join("\n");
  assert.deepEqual(violations(join("src", "network", "sample.ts"), sample).length, 7);
  // acl/ may read its own v1, and what it imports from network/ goes down.
  assert.deepEqual(
    violations(
      join("src", "acl", "v1", "x.ts"),
      'import "./schema.js";\nimport "../../network/model.js";',
    ),
    [],
  );
  // render/ may import network/ but not acl/v1/.
  assert.deepEqual(
    violations(
      join("src", "render", "x.ts"),
      'import "../network/model.js";\nimport "../acl/v1/schema.js";',
    ),
    [
      `${join("src", "render", "x.ts")} (render) imports ${join("src", "acl", "v1", "schema.js")} (acl)`,
    ],
  );
});

test("every module of src/ imports only its own layer and the layers below it", () => {
  const found: string[] = [];
  let scanned = 0;
  for (const absolute of typeScriptFiles(join(repoRoot, "src"))) {
    const file = relative(repoRoot, absolute);
    scanned++;
    const layer = layerOf(file);
    if (ENTRY_POINTS.has(layer)) continue;
    if (!(layer in MAY_IMPORT)) {
      found.push(`${file}: not in a layer folder`);
      continue;
    }
    found.push(...violations(file, readFileSync(absolute, "utf8")));
  }
  assert.ok(scanned > 100, `only ${scanned} files scanned`);
  assert.deepEqual(found, []);
});
