/** Running the real programs a test needs: our CLI and nix-instantiate. */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve as resolvePath } from "node:path";
import { repoRoot, wirenixBin } from "./paths.js";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns `bin/wirenix.js` exactly as a user would. */
export function wirenix(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Ran {
  const run = spawnSync(process.execPath, [wirenixBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    ...(options.env === undefined ? {} : { env: options.env }),
    encoding: "utf8",
    input: options.input ?? "",
    maxBuffer: 1 << 30,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = "wirenix-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Evaluates a Nix file with the real evaluator and returns its value as JSON. */
export function nixEval(file: string, args: readonly string[] = []): unknown {
  const run = spawnSync("nix-instantiate", ["--eval", "--strict", "--json", ...args, file], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`nix-instantiate failed on ${file}:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Runs of the CLI in this process, one after the other (see `wirenixInProcess`). */
let inProcessQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs the CLI in this process: the same `cli(argv, io)` the binary calls, minus the ~350 ms
 * of a process start, with standard output and error captured and the exit code the binary
 * would end with (70 and "internal error" for a throw, as bin/wirenix.js does). `cwd` is the
 * directory relative paths are read from (default: the repository root). Runs are queued, never
 * overlapped: the CLI reads relative paths from the process's working directory, which a run
 * in another directory changes for its duration. `io` sets what the CLI is told of its output
 * (`outTerminal`).
 */
export function wirenixInProcess(
  args: readonly string[],
  options: { cwd?: string; outTerminal?: boolean } = {},
): Promise<Ran> {
  const run = inProcessQueue.then(() => runInProcess(args, options));
  inProcessQueue = run.catch(() => undefined);
  return run;
}

async function runInProcess(
  args: readonly string[],
  options: { cwd?: string; outTerminal?: boolean },
): Promise<Ran> {
  const { cli } = await import("../../src/cli/main.js");
  let stdout = "";
  let stderr = "";
  const home = process.cwd();
  process.chdir(options.cwd ?? repoRoot);
  try {
    const code = await cli(args, {
      out: (text) => {
        stdout += text;
      },
      err: (text) => {
        stderr += text;
      },
      ...(options.outTerminal === undefined ? {} : { outTerminal: options.outTerminal }),
    });
    return { code, stdout, stderr };
  } catch (error) {
    const trace = error instanceof Error ? (error.stack ?? error.message) : String(error);
    stderr += `wirenix: internal error (a bug in wirenix, please report it): ${trace}\n`;
    return { code: 70, stdout, stderr };
  } finally {
    process.chdir(home);
  }
}

/** `generate ARGS --format json --peer PEER` in this process, which must succeed: PEER's tree. */
export async function generatedPeer(
  peer: string,
  args: readonly string[],
): Promise<Record<string, any>> {
  const run = await wirenixInProcess(["generate", ...args, "--format", "json", "--peer", peer]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout)[peer];
}

/** Runs `body` with a fresh temporary directory that is removed afterwards, whatever happens. */
export async function withTempDir<T>(body: (dir: string) => T | Promise<T>): Promise<T> {
  const { dir, remove } = tempDir();
  try {
    return await body(dir);
  } finally {
    remove();
  }
}

/** Writes an ACL object as `acl.json` in `dir` and returns the file's path. */
export function writeAcl(dir: string, acl: unknown, name = "acl.json"): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(acl));
  return file;
}

/** Spawns `bin/wirenix.js` without blocking, so many runs can overlap (the corpus). */
export function wirenixAsync(args: readonly string[]): Promise<Ran> {
  return spawnAsync(process.execPath, [wirenixBin, ...args], { cwd: repoRoot });
}

/** Runs a program without blocking and collects its output. */
export function spawnAsync(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * `wirenix ARGS > FILE` as a shell runs it (in `cwd`, which `file` is relative to): standard
 * output is the file, created with the usual 0644 before wirenix starts. Resolves with what
 * wirenix printed on standard error; rejects when it exits non-zero.
 */
export function wirenixInto(
  file: string,
  args: readonly string[],
  cwd = process.cwd(),
): Promise<string> {
  const fd = openSync(resolvePath(cwd, file), "w", 0o644);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wirenixBin, ...args], {
      cwd,
      stdio: ["ignore", fd, "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      closeSync(fd);
      if (code === 0) resolve(stderr);
      else reject(new Error(`wirenix ${args.join(" ")} > ${file} exited ${code}:\n${stderr}`));
    });
  });
}
