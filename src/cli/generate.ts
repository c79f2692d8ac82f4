/** `wirenix generate`: the configuration of every (or the named) peer, as Nix or JSON. */

import { Command, Option } from "commander";
import {
  hostFileNameProblem,
  hostsWriter,
  outDirProblem,
  planOutput,
  printProblem,
} from "../app/output-plan.js";
import {
  DEFAULT_OPTIONS,
  defaultKeyProviders,
  type GenerateOptions,
  Generator,
} from "../app/pipeline.js";
import type { ConfigTree } from "../core/config-tree.js";
import type { Diagnostic } from "../core/diagnostics.js";
import { compareNames } from "../core/order.js";
import { yieldToSignals } from "../io/interrupt.js";
import { oneMessagePerMissingKey } from "../keys/missing-keys.js";
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
  const { registry, network, locate } = await sourcedNetworkWith(io, acl, flags);
  const options: GenerateOptions = {
    ...generateOptionsOf(flags),
    ...(flags.inlinePrivateKeys ? { inlinePrivateKeys: true } : {}),
  };
  const created = Generator.create(network, registry, options);
  if (!created.ok) {
    printDiagnostics(io, created.diagnostics);
    return EXIT_USAGE;
  }
  const generator = created.value;
  const { configurer } = generator;
  const peers = choosePeers(network, acl, flags.peer);
  if (flags.merge && flags.peer.length === 0)
    throw new UsageError("--merge needs the peers of the host, each with --peer");
  const planned = planOutput(network, configurer, {
    peers: flags.peer,
    devNameMethod: flags.devNameMethod,
    ...(flags.out === undefined ? {} : { out: flags.out }),
    ...(flags.format === undefined ? {} : { format: flags.format }),
    ...(flags.subnet === undefined ? {} : { subnet: flags.subnet }),
    ...(flags.merge ? { merge: true } : {}),
    ...(flags.inlinePrivateKeys ? { inlinePrivateKeys: true } : {}),
  });
  if (!planned.ok) throw new UsageError(planned.diagnostics.map((d) => d.message).join("; "));
  const plan = planned.value;
  if (plan.kind === "modules" || plan.kind === "file-tree") {
    const problem = outDirProblem(plan.dir);
    if (problem) throw new UsageError(problem);
  }
  const hostNames = flags.merge ? [flags.host ?? peers.join("+")] : [...peers].sort(compareNames);
  if (flags.out !== undefined) {
    const bad = hostNames.flatMap((name) => hostFileNameProblem(network, name) ?? []);
    if (bad.length > 0) {
      printDiagnostics(io, locate(bad));
      return EXIT_INVALID;
    }
  }
  const writer = await hostsWriter(
    plan,
    { write: (chunk) => io.out(chunk), ...(io.outFile === undefined ? {} : { file: io.outFile }) },
    { configurer: configurer.name, aclPeers: network.peers.map((p) => p.name) },
    configurer,
    generator.run,
  );
  const failures: Diagnostic[] = [];
  const written: string[] = [];
  const add = (name: string, config: ConfigTree, of: readonly string[]) => {
    const problem = printProblem(config, configurer, plan, flags.inlinePrivateKeys === true);
    if (problem) failures.push(problem);
    else {
      writer.add({ name, config }, of);
      written.push(name);
    }
  };
  try {
    if (flags.merge) {
      const merged = generator.configureMerged(peers);
      if (merged.ok) add(hostNames[0] as string, merged.value, peers);
      else failures.push(...merged.diagnostics);
    } else {
      for (const name of hostNames) {
        const result = generator.configure(name);
        if (!result.ok) failures.push(...result.diagnostics);
        // After the first failure we keep going only to report every problem at once.
        else if (failures.length === 0) add(name, result.value, [name]);
        // A Ctrl-C between hosts removes what was staged (see OutTransaction).
        if (flags.out !== undefined) await yieldToSignals();
      }
    }
  } catch (error) {
    writer.abort();
    throw error;
  }
  const keyContext = {
    acl,
    network,
    ...(flags.keysDir === undefined ? {} : { keysDir: flags.keysDir }),
  };
  printDiagnostics(
    io,
    locate(withKeyHints([...network.warnings, ...generator.warnings], keyContext)),
  );
  if (failures.length > 0) {
    writer.abort();
    const seen = new Set<string>();
    const once = failures.filter((d) => {
      const key = `${d.code}|${d.path.join(".")}|${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const hinted = withKeyHints(oneMessagePerMissingKey(once), keyContext);
    printDiagnostics(io, locate(hinted));
    return EXIT_INVALID;
  }
  try {
    // A file system that says no (no space, read-only, a link in the way) ends in a WriteError
    // that says what became of the output; the CLI prints it.
    for (const notice of writer.finish()) io.err(`wirenix: ${notice}\n`);
  } catch (error) {
    writer.abort();
    throw error;
  }
  // Printed output shows itself; files written into a directory are said in one line (on
  // standard error, which scripts reading standard output never see).
  if (plan.kind === "modules" || plan.kind === "file-tree")
    io.err(`wirenix: ${outSummary(plan, configurer.name, written)}\n`);
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

export function generateOptionsOf(flags: GenerateFlags): GenerateOptions {
  return {
    configurer: flags.configurer,
    keyProviders: flags.keyProvider ?? defaultKeyProviders(flags.keysDir),
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
