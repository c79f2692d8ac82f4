/**
 * The original Wirenix's output as `npm run oracle` committed it. A golden.json maps
 * "<configurer>/<devNameMethod>" to each peer's configuration (`{ ok }`, or `{ error: true }`
 * where the original fails for that peer) or, where its whole evaluation failed, to its error
 * message.
 */
import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type OriginalCase, originalCases } from "./oracle-cases.js";
import { fixtures } from "./paths.js";

export type OriginalOutput = Record<string, { ok?: unknown; error?: true }>;
export type Golden = Record<string, OriginalOutput | string>;

/** How a maintainer brings the committed output of the original up to date. */
export const REGENERATE = "WIRENIX_SHARED=DIR npm run oracle -- --write";

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new Error(`${file} is missing; make it with ${REGENERATE}`);
  return JSON.parse(readFileSync(file, "utf8"));
}

/**
 * The original's output on `originalCases[name]` for one configurer and method. Where its
 * whole evaluation failed, throws with its message, as running it would.
 */
export function originalOn(
  name: OriginalCase,
  configurer: string,
  devNameMethod: string,
): OriginalOutput {
  const dir = join(fixtures, "original", name);
  assert.deepEqual(
    readJson(join(dir, "acl.json")),
    JSON.parse(JSON.stringify(originalCases[name]())),
    `${dir}/acl.json is not the ACL oracle-cases.ts makes; run ${REGENERATE}`,
  );
  const golden = readJson(join(dir, "golden.json")) as Golden;
  const output = golden[`${configurer}/${devNameMethod}`];
  assert.ok(output !== undefined, `${dir}/golden.json has no ${configurer}/${devNameMethod}`);
  if (typeof output === "string") throw new Error(`the original failed: ${output}`);
  return output;
}
