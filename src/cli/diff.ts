/**
 * `wirenix diff`: what a change to the ACL does, for a review. `diff OLD NEW` compares two
 * files; `diff ACL --base REF` compares the file as committed at REF with the working file.
 * Exit 0 when nothing changes, 1 when something does, 2 on an error (as `git diff
 * --exit-code`), so CI can gate on it.
 */
import { Command, Option } from "commander";
import { checkNetwork } from "../analysis/check.js";
import { type DiffSide, diffIsEmpty, diffNetworks } from "../analysis/diff.js";
import { diffMarkdown, diffText } from "../analysis/diff-text.js";
import { hostFiles } from "../app/host-files.js";
import { readNetwork } from "../app/pipeline.js";
import type { Registry } from "../app/registry.js";
import type { Diagnostic } from "../core/diagnostics.js";
import { SecretScrubber, secretsIn } from "../core/secrets.js";
import {
  aclLimits,
  aclLocator,
  Exit,
  type NetworkFlags,
  registryWith,
  rethrowExit,
  withAclLimits,
  withPlugins,
} from "./common.js";
import { aclAtRef, type BaseAcl } from "./git-base.js";
import { type CliIO, EXIT_USAGE, printDiagnostics, UsageError } from "./io.js";

/** How many changed tuples `diff` and `report` follow again to say why. */
export const EXPLAIN_LIMIT = 2000;

export interface SideFlags extends NetworkFlags {
  configurer: string;
}

/** One version of the ACL, read and checked; its messages name it by `label`. */
export interface LoadedSide extends DiffSide {
  label: string;
  /** Every secret of the ACL, to keep out of what is shown. */
  scrubber: SecretScrubber;
}

/**
 * Reads and checks one ACL; invalid, its errors are printed and the command ends with
 * `invalidCode`. `files`: generate every host's files too (secrets redacted).
 */
export function loadSide(
  io: CliIO,
  file: string,
  label: string,
  registry: Registry,
  flags: SideFlags,
  files: boolean,
  invalidCode: number,
): LoadedSide {
  const relabel = (ds: readonly Diagnostic[]) =>
    ds.map((d) => (d.file === file ? { ...d, file: label } : d));
  const read = readNetwork(file, registry, aclLimits(flags));
  if (!read.ok) {
    printDiagnostics(io, relabel(read.diagnostics));
    throw new Exit(invalidCode);
  }
  const network = read.value;
  const report = checkNetwork(network, { devNameMethod: "short" });
  const locate = aclLocator(file, read.loaded);
  const scrubber = new SecretScrubber(secretsIn(read.loaded.data));
  const side: LoadedSide = {
    label,
    network,
    scrubber,
    check: {
      diagnostics: relabel([...read.warnings, ...locate(report.diagnostics)]),
      policy: report.policy,
    },
  };
  if (files) side.files = hostFiles(network, registry, flags.configurer, scrubber);
  return side;
}

/** The two versions a command compares: `OLD NEW`, or `ACL --base REF`. */
export function withSides<T>(
  acl: string,
  other: string | undefined,
  base: string | undefined,
  use: (old: { file: string; label: string }, now: { file: string; label: string }) => T,
): T {
  if (base === undefined) {
    if (other === undefined)
      throw new UsageError("diff needs two ACL files (OLD NEW), or one with --base REF");
    return use({ file: acl, label: acl }, { file: other, label: other });
  }
  if (other !== undefined)
    throw new UsageError("give one ACL file with --base REF, or two files without it");
  let copy: BaseAcl | undefined;
  try {
    copy = aclAtRef(acl, base);
    return use({ file: copy.file, label: copy.label }, { file: acl, label: acl });
  } finally {
    copy?.remove();
  }
}

interface Flags extends SideFlags {
  base?: string;
  files?: boolean;
  format: "text" | "json" | "markdown";
}

async function run(io: CliIO, acl: string, other: string | undefined, flags: Flags) {
  const registry = await registryWith(io, flags.plugin);
  const diff = withSides(acl, other, flags.base, (old, now) => {
    const a = loadSide(io, old.file, old.label, registry, flags, flags.files === true, EXIT_USAGE);
    const b = loadSide(io, now.file, now.label, registry, flags, flags.files === true, EXIT_USAGE);
    return diffNetworks(a, b, { explainLimit: EXPLAIN_LIMIT });
  });
  if (flags.format === "json") io.out(`${JSON.stringify(diff, null, 2)}\n`);
  else if (flags.format === "markdown") io.out(diffMarkdown(diff));
  else io.out(diffText(diff));
  return diffIsEmpty(diff) ? 0 : 1;
}

/** `--configurer`, for the files `--files` and `report` show. */
export function configurerOption(): Option {
  return new Option(
    "--configurer <name>",
    "the configurer whose files are shown (a NixOS one shows each host's options as <host>.nix)",
  ).default("wg-quick");
}

export function diffCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("diff")
    .description(
      "what a change to the ACL does: reachability opened and closed (with the rule or connection on each side), hosts added, removed and changed, check findings and policy tests; exit 0 no change, 1 changes, 2 error",
    )
    .argument("<acl>", "the old ACL file (or, with --base, the working one)")
    .argument("[new]", "the new ACL file")
    .option("--base <ref>", "compare with the same file as committed at this git revision")
    .option("--files", "show a unified diff of each changed generated file (secrets redacted)")
    .addOption(configurerOption())
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["text", "json", "markdown"])
        .default("text"),
    );
  withPlugins(command).action(async (acl: string, other: string | undefined, flags: Flags) => {
    done(await run(io, acl, other, flags).catch(rethrowExit));
  });
  return withAclLimits(command);
}
