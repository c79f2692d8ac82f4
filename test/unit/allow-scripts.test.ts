/**
 * npm 11 warns on `npm ci` about every dependency whose install script package.json's
 * `allowScripts` does not cover (and npm 12 will not run them): each one in the lockfile that
 * has one is named there, so a fresh clone installs without the warning.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../support/paths.js";

test("allowScripts names every locked package with an install script", () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8"));
  const withScripts = Object.entries(
    lock.packages as Record<string, { hasInstallScript?: boolean }>,
  )
    .filter(([path, entry]) => path !== "" && entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
  assert.deepEqual(withScripts, ["esbuild"], "written by hand: the one we know of");
  for (const name of withScripts) assert.equal(pkg.allowScripts?.[name], true, name);
});
