/** Running our CLI in a real pseudo-terminal, with `script` (util-linux), as at a shell. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { wirenixBin } from "./paths.js";

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

export interface OnTerminal {
  code: number;
  /** What the terminal received (standard output and error, as shown), with `\n` line ends. */
  shown: string;
}

/** Runs `wirenix ARGS` in a pseudo-terminal; NO_COLOR is unset unless `env` sets it. */
export function wirenixOnTerminal(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): OnTerminal {
  const command = [process.execPath, wirenixBin, ...args].map(shellQuote).join(" ");
  const { NO_COLOR: _, ...inherited } = process.env;
  const run = spawnSync("script", ["--quiet", "--return", "--command", command, "/dev/null"], {
    encoding: "utf8",
    env: { ...inherited, TERM: "xterm-256color", ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    maxBuffer: 1 << 26,
  });
  assert.equal(run.error, undefined, "script(1) from util-linux must be installed");
  return { code: run.status ?? -1, shown: run.stdout.replaceAll("\r\n", "\n") };
}
