/** Runs the real CLI (bin/wirenix.js) in a child process, as a user would. */
import { spawn, spawnSync } from "node:child_process";
import { wirenixBin } from "./paths.js";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function wirenix(args: readonly string[]): Run {
  const run = spawnSync(process.execPath, [wirenixBin, ...args], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same, without blocking, so many runs can overlap. */
export function wirenixAsync(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wirenixBin, ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
