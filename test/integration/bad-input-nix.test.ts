/**
 * The broken ACLs written in Nix (test/support/bad-input.ts) through the real binary: reading
 * them runs nix-instantiate. Every one must end in exit 1 with one clear message per problem.
 */
import { test } from "node:test";
import { cases, checkCase, isNixCase, type Run } from "../support/bad-input.js";
import { repoRoot, wirenixBin } from "../support/paths.js";
import { spawnAsync } from "../support/run.js";

async function wirenix(args: readonly string[]): Promise<Run> {
  const ran = await spawnAsync(process.execPath, [wirenixBin, ...args], { cwd: repoRoot });
  return { status: ran.code, stdout: ran.stdout, stderr: ran.stderr };
}

test("every broken ACL written in Nix is rejected with one clear line per problem", {
  concurrency: 2,
}, async (t) => {
  const nix = Object.entries(cases).filter(([name]) => isNixCase(name));
  await Promise.all(nix.map(([name, c]) => t.test(name, () => checkCase(name, c, wirenix))));
});
