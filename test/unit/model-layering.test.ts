/**
 * The network model is version-independent: a parser of another ACL version produces it without
 * going through ACL v1's types. So nothing that builds on the model (network/, configurers/,
 * check/, emit/) imports from acl/v1/; what turns an ACL v1 into a network lives in parsers/v1/.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { importedPaths, isUnder, typeScriptFiles } from "../support/imports.js";
import { repoRoot } from "../support/paths.js";

const V1 = join("src", "acl", "v1");
const MODEL_SIDE = ["network", "configurers", "check", "emit"].map((d) => join("src", d));

/** The imports of `file` (relative to the repository) that reach into acl/v1/. */
function v1Imports(file: string, source: string): string[] {
  return importedPaths(file, source).filter((path) => isUnder(path, V1));
}

test("the detector finds every form of import from acl/v1, and passes the others", () => {
  const sample = [
    'import type { AclV1 } from "../acl/v1/schema.js";',
    'import { expectedAt } from "../acl/v1/validate.js";',
    'import {\n  SAFE_NAME,\n  type AclPeer,\n} from "../acl/v1/schema.js";',
    'export { SERVICE } from "../acl/v1/rules.js";',
    'export type * from "../acl/v1/schema.js";',
    'import "../acl/v1/schema.js";',
    'const late = await import("../acl/v1/validate.js");',
    'import { looksLikeIPv6 } from "../acl/values.js";',
    'import type { Network } from "./model.js";',
    'import { readFileSync } from "node:fs";',
    'import * as v from "valibot";',
    'import { v1Like } from "../acl/v1x/other.js";',
  ].join("\n");
  assert.deepEqual(
    v1Imports(join("src", "network", "sample.ts"), sample).map((p) => relative(V1, p)),
    ["schema.js", "validate.js", "schema.js", "rules.js", "schema.js", "schema.js", "validate.js"],
  );
  // From parsers/v1/ the same import is allowed (the test below only scans the model's side).
  assert.deepEqual(
    v1Imports(join("src", "parsers", "v1", "x.ts"), 'import "../../acl/v1/schema.js";'),
    [join(V1, "schema.js")],
  );
});

test("network/, configurers/, check/ and emit/ import nothing from acl/v1/", () => {
  const found: string[] = [];
  let scanned = 0;
  for (const dir of MODEL_SIDE)
    for (const absolute of typeScriptFiles(join(repoRoot, dir))) {
      const file = relative(repoRoot, absolute);
      scanned++;
      for (const path of v1Imports(file, readFileSync(absolute, "utf8")))
        found.push(`${file} imports ${path}`);
    }
  assert.ok(scanned > 40, `only ${scanned} files scanned`);
  assert.deepEqual(found, []);
});
