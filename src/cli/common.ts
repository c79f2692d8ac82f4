/** Steps every command shares: plugins, reading the ACL, choosing peers. */

import { type Command, InvalidArgumentError, Option } from "commander";
import type { LoadedAcl } from "../acl/load.js";
import { type AclLimits, DEFAULT_LIMITS } from "../acl/load.js";
import { type NixPathEntry, parseNixPathFlag } from "../acl/nix-path.js";
import { locateDiagnostics } from "../acl/parse.js";
import { readNetwork } from "../app/pipeline.js";
import { loadPlugin } from "../app/plugins.js";
import { createRegistry, type Registry } from "../app/registry.js";
import type { Diagnostic } from "../core/diagnostics.js";
import { didYouMean } from "../core/did-you-mean.js";
import { describeSize } from "../io/bounded-read.js";
import type { Network } from "../network/model.js";
import { type CliIO, EXIT_INVALID, printDiagnostics, UsageError } from "./io.js";

/** A command's early end with an exit code, after its messages were printed. */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export async function registryWith(io: CliIO, plugins: readonly string[]): Promise<Registry> {
  const registry = createRegistry();
  for (const file of plugins) {
    const loaded = await loadPlugin(registry, file);
    if (!loaded.ok) {
      printDiagnostics(io, loaded.diagnostics);
      throw new Exit(EXIT_INVALID);
    }
  }
  return registry;
}

/** The flags that bound how an ACL is read, on every command that reads one. */
export interface LimitFlags {
  maxAclSize: number;
  nixTimeout: number;
  /** `--nix-path`: what a .nix ACL may read besides its own directory. */
  nixPath: NixPathEntry[];
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "65536", "512K", "64M", "64MiB", "1G": bytes, or units of 1024. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text);
  const bytes = match ? Number(match[1]) * (SIZE_UNITS[(match[2] ?? "").toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new InvalidArgumentError("expected a size in bytes, or with K, M or G (like 64M)");
  return bytes;
}

export function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 0 || seconds > 2 ** 31 / 1000)
    throw new InvalidArgumentError("expected a number of seconds (0: no limit)");
  return seconds;
}

/** Adds --max-acl-size and --nix-timeout to a command that reads an ACL. */
export function withAclLimits(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--max-acl-size <size>",
        "refuse ACL files larger than this, before reading them (bytes, or with K, M, G)",
      )
        .argParser(parseSize)
        .default(DEFAULT_LIMITS.maxBytes, describeSize(DEFAULT_LIMITS.maxBytes)),
    )
    .addOption(
      new Option(
        "--nix-timeout <seconds>",
        "stop evaluating a .nix ACL after this many seconds (0: no limit)",
      )
        .argParser(parseSeconds)
        .default(DEFAULT_LIMITS.nixTimeoutSeconds),
    )
    .addOption(
      new Option(
        "--nix-path <name[=dir]>",
        "let a .nix ACL import <name> from dir, or from NIX_PATH's entry name (repeatable; it reads nothing else outside its own directory)",
      )
        .argParser(nixPathEntry)
        .default([], "none"),
    );
}

/** One `--nix-path` value, added to those before it. */
function nixPathEntry(text: string, previous: NixPathEntry[] = []): NixPathEntry[] {
  try {
    return [...previous, parseNixPathFlag(text, process.env.NIX_PATH)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function aclLimits(flags: LimitFlags): AclLimits {
  return {
    ...DEFAULT_LIMITS,
    maxBytes: flags.maxAclSize,
    nixTimeoutSeconds: flags.nixTimeout,
    nixPath: flags.nixPath ?? [],
  };
}

/**
 * How every command points diagnostics found after reading (keys, device names, lints) at
 * their place in the ACL: its file, the line and column of their path, and none of its secrets.
 */
export function aclLocator(
  file: string,
  loaded: LoadedAcl | undefined,
): (diagnostics: readonly Diagnostic[]) => Diagnostic[] {
  return (diagnostics) =>
    loaded
      ? locateDiagnostics(loaded, diagnostics)
      : diagnostics.map((d) => (d.file === undefined ? { ...d, file } : d));
}

/**
 * Reads the ACL, printing its warnings, or its errors and exiting 1; with the ACL's locator
 * (see `aclLocator`) and what was read (for a command that needs the ACL's data itself).
 */
export function sourcedNetworkOf(
  io: CliIO,
  file: string,
  registry: Registry,
  limits: AclLimits,
): {
  network: Network;
  locate: (diagnostics: readonly Diagnostic[]) => Diagnostic[];
  loaded: LoadedAcl;
} {
  const read = readNetwork(file, registry, limits);
  if (!read.ok) {
    printDiagnostics(io, read.diagnostics);
    throw new Exit(EXIT_INVALID);
  }
  printDiagnostics(io, read.warnings);
  return { network: read.value, locate: aclLocator(file, read.loaded), loaded: read.loaded };
}

/**
 * The message for a peer name the ACL does not have (given with `flag`, or as an argument),
 * listing (the first of) those it has.
 */
export function unknownPeerMessage(
  network: Network,
  file: string,
  name: string,
  flag?: string,
): string {
  const known = network.peers.slice(0, 10).map((p) => p.name);
  const more = network.peers.length > 10 ? ", ..." : "";
  const list = known.length === 0 ? "it has no peers" : `peers: ${known.join(", ")}${more}`;
  const what =
    flag === undefined
      ? `no peer ${JSON.stringify(name)} in`
      : `${flag} ${JSON.stringify(name)}: no such peer in`;
  const peers = network.peers.map((p) => p.name);
  return `${what} ${file}${didYouMean(name, peers)} (${list})`;
}

/** Refuses, as a usage error, peer names the ACL does not have. */
export function checkPeerNames(
  network: Network,
  file: string,
  names: readonly string[],
  flag?: string,
): void {
  for (const name of names)
    if (!network.peer(name)) throw new UsageError(unknownPeerMessage(network, file, name, flag));
}

/** The peers named on the command line (checked), or all of them in name order. */
export function choosePeers(network: Network, file: string, names: readonly string[]): string[] {
  checkPeerNames(network, file, names, "--peer");
  return names.length > 0 ? [...new Set(names)] : network.peers.map((p) => p.name);
}

/** Turns an `Exit` thrown by a shared step into its exit code. */
export function rethrowExit(error: unknown): number {
  if (error instanceof Exit) return error.code;
  throw error;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The flags of a command that reads one ACL, with plugins. */
export interface NetworkFlags extends LimitFlags {
  plugin: string[];
}

/** The network the ACL describes, read with the command's plugins and limits. */
export async function networkWith(io: CliIO, acl: string, flags: NetworkFlags): Promise<Network> {
  return (await sourcedNetworkWith(io, acl, flags)).network;
}

/** Like `networkWith`, with the registry of the command's plugins and the ACL's locator. */
export async function sourcedNetworkWith(
  io: CliIO,
  acl: string,
  flags: NetworkFlags,
): Promise<{
  registry: Registry;
  network: Network;
  locate: (diagnostics: readonly Diagnostic[]) => Diagnostic[];
  loaded: LoadedAcl;
}> {
  const registry = await registryWith(io, flags.plugin);
  return { registry, ...sourcedNetworkOf(io, acl, registry, aclLimits(flags)) };
}

/** The flags of a command that reads one ACL, with plugins, and prints text or JSON. */
export interface TextOrJsonFlags extends NetworkFlags {
  format: "text" | "json";
}

/** `--format text|json`, text by default. */
export function textOrJsonOption(): Option {
  return new Option("--format <format>", "output format").choices(["text", "json"]).default("text");
}

/** Adds --plugin (repeatable). */
export function withPlugins(command: Command): Command {
  return command.option(
    "--plugin <file>",
    "load a plugin module (repeat for several)",
    collect,
    [],
  );
}

/**
 * Ends a command whose first argument is the ACL: --plugin, the ACL limits, and the exit code of
 * `run` (or of an `Exit` it throws) handed to `done`. `run` gets the arguments after the ACL
 * (those the command declares) in `more`.
 */
export function aclCommand<F>(
  command: Command,
  done: (code: number) => void,
  run: (acl: string, flags: F, more: (string | undefined)[]) => Promise<number>,
): Command {
  withPlugins(command).action(async (acl: string, ...rest: unknown[]) => {
    // Commander passes the declared arguments, then the options, then the command itself.
    const more = rest.slice(0, -2) as (string | undefined)[];
    const flags = rest[rest.length - 2] as F;
    done(await run(acl, flags, more).catch(rethrowExit));
  });
  return withAclLimits(command);
}
