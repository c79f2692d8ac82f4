/**
 * Tools for fault-injection tests: small tmpfs mounts filled to the edge, snapshots of output
 * trees, and checks of every output file with the real consumers (`nix-instantiate --parse`,
 * `wg-quick strip`, `wg pubkey`, JSON).
 */

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wirenixBin } from "./paths.js";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program and returns what happened (failures are data). */
export function exec(
  file: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Ran {
  const ran = spawnSync(file, args, {
    encoding: "utf8",
    input: options.input ?? "",
    env: options.env ?? process.env,
    cwd: options.cwd,
    maxBuffer: 1 << 28,
  });
  return { code: ran.status ?? -1, stdout: ran.stdout ?? "", stderr: ran.stderr ?? "" };
}

/** Runs the CLI as a user would. */
export function wirenix(args: readonly string[], env?: NodeJS.ProcessEnv): Ran {
  return exec(process.execPath, [wirenixBin, ...args], env ? { env } : {});
}

/** A failed run must explain itself in words: no stack trace, no "internal error". */
export function assertCleanFailure(ran: Ran, context: string): void {
  if (ran.code === 0) return;
  if (ran.code !== 1 || /internal error|\n\s+at \S+ \(|RangeError|TypeError/.test(ran.stderr))
    throw new Error(`${context}: exit ${ran.code}, not a clean failure:\n${ran.stderr}`);
  if (!/(^|\s)\/\S+|standard output/.test(ran.stderr))
    throw new Error(`${context}: the message names no file:\n${ran.stderr}`);
}

/**
 * Mounts a tmpfs of `sizeKiB` on a fresh directory for the body, and always unmounts it.
 */
export async function withTmpfs<T>(sizeKiB: number, body: (dir: string) => T | Promise<T>) {
  const dir = mkdtempSync(join(tmpdir(), "wirenix-fault-"));
  const mounted = exec("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0755`, "tmpfs", dir]);
  if (mounted.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs (the fault tests run as root): ${mounted.stderr}`);
  }
  try {
    return await body(dir);
  } finally {
    if (exec("umount", [dir]).code !== 0) exec("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Remounts a tmpfs read-only (or back to read-write). */
export function remount(dir: string, mode: "ro" | "rw"): void {
  const ran = exec("mount", ["-o", `remount,${mode}`, dir]);
  if (ran.code !== 0) throw new Error(`remount ${mode} failed: ${ran.stderr}`);
}

/** Fills the file system of `dir` until only `leaveKiB` are free (0: completely full). */
export function fillToEdge(dir: string, leaveKiB: number): void {
  const file = join(dir, `filler-${randomBytes(3).toString("hex")}`);
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) {
      const stat = statfsSync(dir);
      const free = stat.bavail * stat.bsize;
      const want = free - leaveKiB * 1024;
      if (want <= 0) break;
      try {
        writeSync(fd, chunk, 0, Math.min(chunk.length, want));
      } catch {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Every entry under `dir` (dotfiles included): file contents, modes, links as `-> target`. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(join(dir, path));
      if (stat.isSymbolicLink()) out.set(path, `-> ${readlinkSync(join(dir, path))}`);
      else if (stat.isDirectory()) walk(path);
      else
        out.set(
          path,
          `${(stat.mode & 0o777).toString(8)} ${readFileSync(join(dir, path), "utf8")}`,
        );
    }
  };
  if (existsSync(dir)) walk("");
  return out;
}

/** Files a finished run must not leave: temporary files, a journal, a lock. */
export function leftovers(dir: string): string[] {
  return [...snapshot(dir).keys()].filter((path) => {
    const name = path.split("/").pop() ?? "";
    return (
      /\.(tmp|old)$/.test(name) ||
      name === ".wirenix-journal" ||
      name.startsWith(".wirenix.lock") ||
      name.startsWith("wirenix-output.")
    );
  });
}

/** Whether two snapshots hold the same files with the same content and modes. */
export function sameTree(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, value] of a) if (b.get(path) !== value) return false;
  return true;
}

/** The output files of a tree (not the filler, not the manifest). */
function outputFiles(dir: string): string[] {
  return [...snapshot(dir).keys()].filter((p) => !p.startsWith("filler-")).map((p) => join(dir, p));
}

/**
 * Parses every output file under `dir` with the program that consumes it; throws naming the
 * first one that does not parse.
 */
export function parseEvery(dir: string): number {
  const files = outputFiles(dir);
  const nix = files.filter((f) => f.endsWith(".nix"));
  const confs = files.filter((f) => f.endsWith(".conf"));
  if (nix.length > 0) {
    const ran = exec("nix-instantiate", ["--parse", ...nix]);
    if (ran.code !== 0) throw new Error(`nix-instantiate --parse failed: ${ran.stderr}`);
  }
  if (confs.length > 0) {
    // One shell for all files: wg-quick strip reads each as wg-quick up would.
    const ran = exec("bash", [
      "-c",
      'for f in "$@"; do wg-quick strip "$f" >/dev/null 2>&1 || { echo "$f"; wg-quick strip "$f" 2>&1; exit 1; }; done',
      "strip",
      ...confs,
    ]);
    if (ran.code !== 0) throw new Error(`wg-quick strip failed on ${ran.stdout}`);
  }
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (file.endsWith(".json")) JSON.parse(text);
    if (/\.(netdev|network)$/.test(file) || file.endsWith("/hosts") || file.endsWith(".conf"))
      if (text !== "" && !text.endsWith("\n")) throw new Error(`${file} is cut off`);
    if (/\.(netdev|network)$/.test(file))
      for (const line of text.split("\n"))
        if (line !== "" && !line.startsWith("#") && !/^\[\w+\]$|^\w+=.*$/.test(line))
          throw new Error(`${file}: not a systemd unit line: ${JSON.stringify(line)}`);
  }
  return files.length;
}

/**
 * Checks a keys directory: every `.pub` is `wg pubkey` of the `.key` beside it (a `.key`
 * without `.pub` is allowed: the next run completes it). Returns the number of pairs.
 */
export function checkKeyPairs(dir: string): number {
  let pairs = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".pub")) continue;
    const keyFile = join(dir, name.replace(/\.pub$/, ".key"));
    if (!existsSync(keyFile)) continue;
    const derived = exec("wg", ["pubkey"], { input: readFileSync(keyFile, "utf8") });
    if (derived.code !== 0) throw new Error(`wg pubkey rejects ${keyFile}: ${derived.stderr}`);
    const pub = readFileSync(join(dir, name), "utf8").trim();
    if (derived.stdout.trim() !== pub)
      throw new Error(`${join(dir, name)} is not the public key of ${keyFile}`);
    pairs++;
  }
  return pairs;
}

/**
 * A full-mesh ACL of `count` peers on one subnet; `port` makes two versions differ in every
 * file. Public keys are random (key files are not read by generate with the acl provider).
 */
export function meshOf(count: number, port = 51820, withKeys = true): unknown {
  return {
    version: "v1",
    subnets: [{ name: "lan", endpoints: [{ port }] }],
    groups: [],
    peers: Array.from({ length: count }, (_, i) => ({
      name: `p${i}`,
      groups: [],
      subnets: {
        // The port shows in the addresses too, so that every file differs between versions.
        lan: { listenPort: port, ipAddresses: [`10.${port % 250}.${i & 255}.${1 + (i >> 8)}`] },
      },
      ...(withKeys ? { publicKey: randomBytes(32).toString("base64") } : {}),
      privateKeyFile: `/etc/wireguard/p${i}.key`,
      endpoints: [{ ip: `p${i}.example` }],
    })),
    connections: [{ a: [], b: [] }],
  };
}
