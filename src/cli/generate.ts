/** `wirenix generate`: the configuration of every (or the named) peer, as Nix or JSON. */

import { Command, Option } from "commander";
import { type ConfigureChoices, writeOutOf } from "../app/generate.js";
import { DEFAULT_OPTIONS } from "../app/pipeline.js";
import { DEV_NAME_METHODS, type DevNameMethod } from "../network/devname.js";
import type { NixosPeerShape } from "../render/configurers/configurer.js";
import {
  choosePeers,
  collect,
  type NetworkFlags,
  rethrowExit,
  sourcedNetworkWith,
  withAclLimits,
  withPlugins,
} from "./common.js";
import { type CliIO, EXIT_INVALID, EXIT_USAGE, printDiagnostics, UsageError } from "./io.js";
import { withKeyHints } from "./key-hints.js";

interface Flags extends NetworkFlags {
  peer: string[];
  merge?: boolean;
  host?: string;
  configurer: string;
  devNameMethod: DevNameMethod;
  keyProvider?: string[];
  secretsDir?: string;
  keysDir?: string;
  nixosPeerShape: NixosPeerShape;
  /** Unset: nix for NixOS configurers, json for file configurers. */
  format?: "nix" | "json";
  out?: string;
  inlinePrivateKeys?: boolean;
  subnet?: string;
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  if (flags.host !== undefined && !flags.merge)
    throw new UsageError("--host names the host --merge makes; give --merge too");
  const read = await sourcedNetworkWith(io, acl, flags);
  const peers = choosePeers(read.network, acl, flags.peer);
  if (flags.merge && flags.peer.length === 0)
    throw new UsageError("--merge needs the peers of the host, each with --peer");
  const written = await writeOutOf(read, {
    ...generateOptionsOf(flags),
    peers,
    ...(flags.merge ? { merge: true } : {}),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.inlinePrivateKeys ? { inlinePrivateKeys: true } : {}),
    ...(flags.out === undefined ? {} : { out: flags.out }),
    ...(flags.format === undefined ? {} : { format: flags.format }),
    ...(flags.subnet === undefined ? {} : { subnet: flags.subnet }),
    stream: {
      write: (chunk) => io.out(chunk),
      ...(io.outFile === undefined ? {} : { file: io.outFile }),
    },
  });
  const keyContext = {
    acl,
    network: read.network,
    ...(flags.keysDir === undefined ? {} : { keysDir: flags.keysDir }),
  };
  if (!written.ok) {
    printDiagnostics(io, withKeyHints(written.diagnostics, keyContext));
    return written.diagnostics.some((d) => d.code === "usage") ? EXIT_USAGE : EXIT_INVALID;
  }
  printDiagnostics(io, withKeyHints(written.warnings, keyContext));
  for (const notice of written.value.notices) io.err(`wirenix: ${notice}\n`);
  // Printed output shows itself; files written into a directory are said in one line (on
  // standard error, which scripts reading standard output never see).
  const { plan, configurer, hosts } = written.value;
  if (plan.kind === "modules" || plan.kind === "file-tree")
    io.err(`wirenix: ${outSummary(plan, configurer, hosts)}\n`);
  return 0;
}

/** `wrote 4 hosts into out (static: <host>.nix): gateway, laptop, media, nas`. */
function outSummary(
  plan:
    | { kind: "modules"; dir: string; format: "nix" | "json" }
    | { kind: "file-tree"; dir: string },
  configurer: string,
  hosts: readonly string[],
): string {
  const layout = plan.kind === "modules" ? `<host>.${plan.format}` : "<host>/";
  const names = hosts.slice(0, 8).join(", ") + (hosts.length > 8 ? ", ..." : "");
  return `wrote ${hosts.length} host${hosts.length === 1 ? "" : "s"} into ${plan.dir} (${configurer}: ${layout}): ${names}`;
}

/** The flags that decide how peers are configured, shared by `generate` and `check`. */
export type GenerateFlags = Pick<
  Flags,
  "configurer" | "devNameMethod" | "keyProvider" | "secretsDir" | "keysDir" | "nixosPeerShape"
>;

/** The library's configure choices of the flags. */
export function generateOptionsOf(flags: GenerateFlags): ConfigureChoices {
  return {
    configurer: flags.configurer,
    ...(flags.keyProvider === undefined ? {} : { keyProviders: flags.keyProvider }),
    devNameMethod: flags.devNameMethod,
    nixosPeerShape: flags.nixosPeerShape,
    ...(flags.secretsDir === undefined ? {} : { secretsDir: flags.secretsDir }),
    ...(flags.keysDir === undefined ? {} : { keysDir: flags.keysDir }),
  };
}

/**
 * Adds the flags of `GenerateFlags`: `check` takes them too, so that it configures every peer
 * the way `generate` will (keys found, device names valid) and refuses what `generate` refuses.
 */
export function withGenerateOptions(command: Command): Command {
  return command
    .option(
      "--configurer <name>",
      "static, networkd, networkd-dev-only (NixOS); wg-quick, networkd-files, hosts (files); or one a plugin adds",
      DEFAULT_OPTIONS.configurer,
    )
    .addOption(
      new Option("--dev-name-method <method>", "how interfaces are named")
        .choices(DEV_NAME_METHODS)
        .default(DEFAULT_OPTIONS.devNameMethod),
    )
    .option(
      "--key-provider <name>",
      "key provider, asked in the order given (default: dir then acl with --keys-dir, else acl)",
      collect,
    )
    .option(
      "--secrets-dir <dir>",
      "where agenix, agenix-rekey or sops-nix secrets and their .pub files live",
    )
    .option(
      "--keys-dir <dir>",
      "where `wirenix keys generate` wrote keys (alone: the dir key provider, then acl)",
    )
    .addOption(
      new Option(
        "--nixos-peer-shape <shape>",
        "networkd wireguardPeers entries: flat (NixOS >= 24.11) or wrapped (older)",
      )
        .choices(["flat", "wrapped"])
        .default("flat"),
    );
}

export function generateCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("generate")
    .description("generate the configuration of every peer (or of the peers given with --peer)")
    .argument("<acl>", "the ACL file (.nix, .json, .yaml, .yml or .toml)")
    .option("--peer <name>", "only this peer (repeat for several)", collect, [])
    .option(
      "--merge",
      "join the --peer peers into one host configuration (several identities on one machine)",
    )
    .option(
      "--host <name>",
      "the name of the merged host in the output (default: the peer names joined by +)",
    );
  // --plugin among generate's own options, before the printing ones, as --help lists them.
  withPlugins(withGenerateOptions(command))
    .addOption(
      new Option(
        "--format <format>",
        "output format when printing (default: nix; for file configurers with one --peer, its one file itself (hosts, or wg-quick's .conf of one interface), else json)",
      ).choices(["nix", "json"]),
    )
    .option(
      "--out <dir>",
      "write one file per host (DIR/<peer>.nix), or for file configurers DIR/<peer>/<files>, instead of printing",
    )
    .option(
      "--subnet <name>",
      "with one --peer and a file configurer: print the file of the peer's interface on this subnet",
    )
    .option(
      "--inline-private-keys",
      "file configurers: write PrivateKey and PresharedKey (found by the key providers) into the files instead of key file paths; printed only as the one file of one --peer",
    )
    .action(async (acl: string, flags: Flags) => {
      done(await run(io, acl, flags).catch(rethrowExit));
    });
  return withAclLimits(command);
}

export { EXIT_INVALID };
