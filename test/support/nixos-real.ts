/**
 * Evaluating NixOS systems with the real NixOS module system: nixpkgs' `lib/` and `nixos/`
 * found on NIX_PATH (`<nixpkgs>`), a stub package set (`nixos-stub-pkgs.nix`; no `pkgs/` tree
 * is needed since nothing is built), many hosts per `nix-instantiate` run, several runs at
 * once. See `nixos-real.nix` for what is read out of each host.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { type Ran, spawnAsync } from "./run.js";

/** One host for nixos-real.nix: a per-peer module, or the flake module with its settings. */
export interface HostSpec {
  id: string;
  useNetworkd: boolean;
  module?: string;
  flake?: Record<string, unknown>;
  agenix?: boolean;
  sops?: boolean;
}

/** What NixOS made of a host (nixos-real.nix). */
export interface HostConfig {
  warnings: string[];
  failedAssertions: string[];
  networkdEnabled: boolean;
  units: Record<string, string>;
  etcUnits: string[];
  services: Record<string, { script: string; unit: string }>;
  /** `net.*` entries of boot.kernel.sysctl, values as sysctl reads them ("1"). */
  sysctl: Record<string, string>;
  nat: { enable: boolean; internalInterfaces: string[]; externalInterface: string };
  /** networking.nftables: whether it is on, and its tables as NixOS holds them. */
  nftables: {
    enable: boolean;
    tables: Record<string, { enable: boolean; name: string; family: string; content: string }>;
  };
  trustedInterfaces: string[];
  hosts: string;
  ageSecrets: Record<string, string>;
  sopsSecrets: Record<string, string>;
}

/** A host's evaluation: its config, or the evaluator's error; and what it traced on stderr. */
export interface HostResult {
  config?: HostConfig;
  error?: string;
  traces: string[];
}

export interface Evaluation {
  libVersion: string;
  nixosRelease: string;
  results: Map<string, HostResult>;
}

const evaluator = join(repoRoot, "test", "support", "nixos-real.nix");
// Stand-ins for the two secret managers' modules (their source is not in this repository).
const agenixModule = join(repoRoot, "test", "support", "nixos-secrets", "agenix.nix");
const sopsNixModule = join(repoRoot, "test", "support", "nixos-secrets", "sops-nix.nix");

/** The nixpkgs tree NIX_PATH names, with a message saying what to set when there is none. */
export function nixpkgsFromNixPath(): string {
  const found = spawnSync("nix-instantiate", ["--find-file", "nixpkgs"], { encoding: "utf8" });
  const dir = found.status === 0 ? found.stdout.trim() : "";
  if (dir === "" || !existsSync(join(dir, "nixos", "lib", "eval-config.nix")))
    throw new Error(
      `NixOS is not on NIX_PATH (NIX_PATH=${process.env.NIX_PATH ?? ""}): ` +
        "<nixpkgs/nixos/lib/eval-config.nix> " +
        (dir === "" ? "is not found" : `does not exist in ${dir}`) +
        ". Set NIX_PATH=nixpkgs=/path/to/nixpkgs, a nixpkgs tree with lib/ and nixos/ " +
        "(.ci/run sets it; see the README).",
    );
  return dir;
}

function nixFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...nixFiles(path));
    else if (entry.endsWith(".nix")) out.push(path);
  }
  return out;
}

/**
 * Every identifier in NixOS's modules (and agenix's, sops-nix's): the names the stub package
 * set must have, since Nix has no hook for a missing attribute and modules reach packages
 * through `with pkgs;`, `pkgs.${name}`, mkPackageOption and the like.
 */
export function stubPackageNames(nixpkgs: string): string[] {
  const names = new Set<string>();
  const dirs = [join(nixpkgs, "nixos", "modules"), join(nixpkgs, "nixos", "lib")];
  for (const file of [...dirs.flatMap(nixFiles), agenixModule, sopsNixModule])
    for (const name of readFileSync(file, "utf8").match(/[A-Za-z_][A-Za-z0-9_-]*/g) ?? [])
      names.add(name);
  names.delete("lib");
  return [...names].sort();
}

const BEGIN = "trace: wirenix-host-begin ";
const END = "trace: wirenix-host-end ";

/** Splits stderr into what each host traced between its begin and end markers. */
function tracesByHost(stderr: string): Map<string, string[]> {
  const byHost = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stderr.split("\n")) {
    if (line.startsWith(BEGIN)) {
      current = [];
      byHost.set(line.slice(BEGIN.length), current);
    } else if (line.startsWith(END)) current = undefined;
    else if (line !== "" && current) current.push(line);
  }
  return byHost;
}

function nixInstantiate(args: string[], nixpkgs: string): Promise<Ran> {
  return spawnAsync("nix-instantiate", args, {
    env: {
      ...process.env,
      NIX_PATH: `nixpkgs=${nixpkgs}`,
      // Evaluation only: no build users are needed (Debian's nix-bin asks for nixbld).
      NIX_CONFIG: `${process.env.NIX_CONFIG ?? ""}\nbuild-users-group =`,
    },
  });
}

interface Batch {
  libVersion: string;
  nixosVersion: string;
  results: (HostConfig | { failed: true })[];
}

/**
 * Evaluates the hosts in batches of `batchSize` per nix-instantiate run (nixpkgs is parsed
 * once per run), `parallel` runs at a time. A host whose evaluation throws is evaluated again
 * alone, so that its result carries the evaluator's message.
 */
export async function evaluateHosts(
  hosts: readonly HostSpec[],
  options: { nixpkgs: string; workDir: string; batchSize?: number; parallel?: number },
): Promise<Evaluation> {
  const namesFile = join(options.workDir, "stub-package-names.json");
  writeFileSync(namesFile, JSON.stringify(stubPackageNames(options.nixpkgs)));
  const batchSize = options.batchSize ?? 40;
  const batches: HostSpec[][] = [];
  for (let i = 0; i < hosts.length; i += batchSize) batches.push(hosts.slice(i, i + batchSize));

  const evaluate = async (batch: readonly HostSpec[], n: string, catchErrors = true) => {
    const file = join(options.workDir, `hosts-${n}.json`);
    writeFileSync(file, JSON.stringify(batch));
    const args = ["--eval", "--strict", "--json", evaluator];
    args.push("--arg", "hostsFile", file, "--arg", "namesFile", namesFile);
    args.push("--arg", "repo", repoRoot.replace(/\/$/, ""));
    args.push("--arg", "agenix", agenixModule, "--arg", "sopsNix", sopsNixModule);
    args.push("--arg", "catchErrors", String(catchErrors));
    return nixInstantiate(args, options.nixpkgs);
  };

  const results = new Map<string, HostResult>();
  let versions = { libVersion: "", nixosRelease: "" };
  const failed: HostSpec[] = [];
  const take = (batch: readonly HostSpec[], run: Ran): void => {
    if (run.code !== 0) {
      for (const host of batch) failed.push(host);
      return;
    }
    const out = JSON.parse(run.stdout) as Batch;
    versions = { libVersion: out.libVersion, nixosRelease: out.nixosVersion };
    const traces = tracesByHost(run.stderr);
    batch.forEach((host, i) => {
      const config = out.results[i];
      if (config === undefined || "failed" in config) failed.push(host);
      else results.set(host.id, { config, traces: traces.get(host.id) ?? [] });
    });
  };

  const parallel = Math.max(1, Math.min(options.parallel ?? 2, availableParallelism()));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const n = next++;
      const batch = batches[n] as HostSpec[];
      take(batch, await evaluate(batch, String(n)));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));

  // A throwing host is rare; alone, its run fails with the evaluator's own message.
  for (const [i, host] of failed.entries()) {
    const run = await evaluate([host], `failed-${i}`, false);
    if (run.code === 0) take([host], run);
    else
      results.set(host.id, {
        error: run.stderr
          .split("\n")
          .filter((l) => !l.startsWith("trace: wirenix-host-"))
          .join("\n"),
        traces: [],
      });
  }
  return { ...versions, results };
}
