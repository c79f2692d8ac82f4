/** Running the CLI in-process and as the real `bin/wirenix.js`, capturing what it prints. */
import { spawnSync } from "node:child_process";
import { cli } from "../../src/cli/main.js";
import { wirenixBin } from "./paths.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `wirenix ARGV` in this process. */
export async function runCli(argv: readonly string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await cli(argv, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  });
  return { code, out, err };
}

/** `wirenix ARGV` as a child process, the way users run it. */
export function runBin(argv: readonly string[], cwd?: string): CliRun {
  const r = spawnSync(process.execPath, [wirenixBin, ...argv], {
    encoding: "utf8",
    ...(cwd === undefined ? {} : { cwd }),
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
