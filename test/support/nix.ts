/** Asking the real Nix evaluator, for tests whose expected value must not come from our code. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Evaluates a Nix expression strictly and returns its value as JSON data. */
export function nixEval(expression: string): unknown {
  const run = spawnSync("nix-instantiate", ["--eval", "--strict", "--json", "-E", expression], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`nix-instantiate failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Evaluates `body`, a Nix function of the JSON `data` (passed through a file, unquoted). */
export function nixWithJson(data: string, body: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), "wirenix-nix-"));
  try {
    const file = join(dir, "data.json");
    writeFileSync(file, data);
    return nixEval(`(${body}) (builtins.fromJSON (builtins.readFile ${file}))`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
