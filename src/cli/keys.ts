/**
 * `wirenix keys generate|encrypt`: the key lifecycle. Private keys only ever go to 0600 files
 * (and, encrypted, to age files); nothing printed here contains one.
 */

import { Command } from "commander";
import { type AclLock, aclEditProblem, lockAcl } from "../edit/acl-file.js";
import type { Recipient } from "../keys/encrypt.js";
import { generateKeys, type KeyOutcome } from "../keys/generate-dir.js";
import { stalePublicKeys, unsetPublicKeys } from "../keys/stale.js";
import type { Network } from "../network/model.js";
import {
  aclCommand,
  choosePeers,
  collect,
  type NetworkFlags,
  sourcedNetworkWith,
  textOrJsonOption,
} from "./common.js";
import {
  type CliIO,
  EXIT_INVALID,
  exitCodeFor,
  printDiagnostics,
  UsageError,
  withCliOutput,
} from "./io.js";

interface GenerateFlags extends NetworkFlags {
  dir: string;
  peer: string[];
  rotate: string[];
  updateAcl?: boolean;
  format: "text" | "json";
}

interface EncryptFlags extends NetworkFlags {
  dir: string;
  secretsDir: string;
  recipients?: string;
  peer: string[];
  reencrypt?: boolean;
  format: "text" | "json";
}

function chosen(network: Network, acl: string, names: readonly string[]): string[] {
  const peers = choosePeers(network, acl, names);
  // choosePeers sorts nothing for named peers; keep ACL order for stable output either way.
  const order = new Map(network.peers.map((p, i) => [p.name, i]));
  return peers.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

/*
 * The modules behind `keys` load on first use: age-encryption and the YAML and TOML writers
 * together take longer to load than `wirenix generate` needs for one host, and every command
 * of the CLI would pay for them at start-up.
 */
const updateAcl = () => import("../edit/update-acl.js");
const encryption = () => import("../keys/encrypt.js");

async function generate(io: CliIO, acl: string, flags: GenerateFlags): Promise<number> {
  if (!flags.updateAcl) return generateFor(io, acl, flags, undefined);
  const problem = aclEditProblem(acl, "--update-acl");
  if (problem)
    throw new UsageError(
      `${problem}. Set the printed public keys in it by hand, or read them with --key-provider dir --keys-dir DIR`,
    );
  // Held from before the ACL is read until the keys are written into it: an add-peer or
  // remove-peer meanwhile would otherwise be undone by our write, or get keys it never asked for.
  const locked = await lockAcl(acl, "--update-acl");
  if (!locked.ok) {
    printDiagnostics(io, locked.diagnostics);
    return EXIT_INVALID;
  }
  try {
    return await generateFor(io, acl, flags, locked.value);
  } finally {
    locked.value.release();
  }
}

/** What to type for a peer `keys generate` skipped. */
function skipHint(o: KeyOutcome): string {
  if (o.because === "public-key-in-acl")
    return `; --update-acl makes a new pair and writes its public key into the ACL (--rotate ${o.name} makes one without changing the ACL)`;
  if (o.because === "public-key-file-only") return `; use --rotate ${o.name} for a new pair`;
  return "";
}

/** `keys generate`, writing the public keys into the ACL `lock` holds when there is one. */
async function generateFor(
  io: CliIO,
  acl: string,
  flags: GenerateFlags,
  lock: AclLock | undefined,
): Promise<number> {
  const { registry, network, locate } = await sourcedNetworkWith(io, acl, flags);
  const peers = chosen(network, acl, flags.peer);
  const made = await generateKeys(network, flags.dir, {
    peers,
    rotate: flags.rotate,
    ...(flags.updateAcl ? { updatesAcl: true } : {}),
  });
  if (!made.ok) {
    printDiagnostics(io, locate(made.diagnostics));
    return exitCodeFor(made.diagnostics);
  }
  const { outcomes, notices, publicKeys } = made.value;
  for (const notice of notices) io.err(`wirenix: ${notice}\n`);
  // JSON: one document at the end (with what --update-acl changed); text: as it happens.
  const json = flags.format === "json";
  const lines: string[] = [];
  for (const o of outcomes) {
    const what = o.kind === "peer" ? `peer ${o.name}` : `subnet ${o.name} (preshared key)`;
    const key = o.publicKey === undefined ? "" : `, public key ${o.publicKey}`;
    const detail =
      o.action === "skipped"
        ? `${o.reason ?? ""}${skipHint(o)}`
        : `${o.files.join(", ")}${key}${o.because === "public-key-in-acl" ? " (replaces the ACL's publicKey, whose private key is not here)" : ""}`;
    lines.push(`${o.action.padEnd(9)} ${what}: ${detail}`);
    if (o.backups?.length) lines.push(`          old files kept as ${o.backups.join(", ")}`);
  }
  if (!json) io.out(`${lines.join("\n")}\n`);
  let aclUpdated: string[] | undefined;

  if (lock) {
    const updates = network.peers.flatMap(({ name, index }) => {
      const publicKey = publicKeys.get(name);
      return publicKey === undefined ? [] : [{ index, name, publicKey }];
    });
    const { updateAclPublicKeys } = await updateAcl();
    const updated = updateAclPublicKeys(lock, updates, registry);
    if (!updated.ok) {
      printDiagnostics(io, locate(updated.diagnostics));
      return EXIT_INVALID;
    }
    const { changed } = updated.value;
    aclUpdated = changed;
    for (const notice of updated.value.notices) io.err(`wirenix: ${notice}\n`);
    if (!json)
      io.out(
        changed.length > 0
          ? `updated ${acl}: publicKey of ${changed.join(", ")}\n`
          : `${acl} already has every public key\n`,
      );
  } else {
    printDiagnostics(io, locate(stalePublicKeys(network, publicKeys, flags.dir)));
    const unset = unsetPublicKeys(network, publicKeys);
    if (unset.length > 0)
      io.err(
        `wirenix: the ACL has no publicKey for ${unset.join(", ")}; generate reads them with --keys-dir ${flags.dir} (or write them into the ACL with --update-acl)\n`,
      );
  }
  if (json)
    io.out(
      `${JSON.stringify({ dir: flags.dir, keys: outcomes, ...(aclUpdated ? { aclUpdated } : {}) }, null, 2)}\n`,
    );
  return 0;
}

async function encrypt(io: CliIO, acl: string, flags: EncryptFlags): Promise<number> {
  const { encryptKeys, readRecipientsFile } = await encryption();
  const { network, locate } = await sourcedNetworkWith(io, acl, flags);
  const peers = chosen(network, acl, flags.peer);
  let recipients: Recipient[] = [];
  if (flags.recipients !== undefined) {
    const read = readRecipientsFile(flags.recipients);
    if (!read.ok) {
      printDiagnostics(io, read.diagnostics);
      return EXIT_INVALID;
    }
    recipients = read.value;
  }
  const done = await encryptKeys(network, flags.dir, flags.secretsDir, {
    peers,
    recipients,
    ...(flags.reencrypt ? { reencrypt: true } : {}),
  });
  if (!done.ok) {
    printDiagnostics(io, locate(done.diagnostics));
    return EXIT_INVALID;
  }
  for (const notice of done.value.notices) io.err(`wirenix: ${notice}\n`);
  if (flags.format === "json") {
    const json = { secretsDir: flags.secretsDir, files: done.value.outcomes };
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const lines = done.value.outcomes.map((o) => {
    const what = o.kind === "peer" ? `peer ${o.name}` : `subnet ${o.name} (preshared key)`;
    const to = `${o.recipients} recipient${o.recipients === 1 ? "" : "s"}`;
    const again = o.action === "kept" ? " (--reencrypt to encrypt again)" : "";
    const extra = o.backup
      ? `; old file kept as ${o.backup}`
      : o.reason
        ? `; ${o.reason}${again}`
        : "";
    return `${o.action.padEnd(12)} ${what}: ${o.file} (${to}${extra})`;
  });
  io.out(`${lines.join("\n")}\n`);
  return 0;
}

export function keysCommand(io: CliIO, done: (code: number) => void): Command {
  const generateCmd = new Command("generate")
    .description(
      "create a key pair per peer and a preshared key per subnet with a presharedKeyFile or extraArgs.presharedKey = true; existing keys are kept",
    )
    .argument("<acl>", "the ACL file")
    .requiredOption("--dir <dir>", "the keys directory (created 0700; files 0600)")
    .option("--peer <name>", "only this peer (repeat for several)", collect, [])
    .option(
      "--rotate <name>",
      "replace this peer's key pair, keeping the old files as backups (repeat for several)",
      collect,
      [],
    )
    .option(
      "--update-acl",
      "write the public keys into the ACL file (.json, .yaml/.yml, .toml), changing only those lines",
    )
    .addOption(textOrJsonOption());
  const encryptCmd = new Command("encrypt")
    .description(
      "encrypt each private key (and generated preshared key) as an age file for agenix: wirenix-peer-<P>.age, wirenix-subnet-<S>.age",
    )
    .argument("<acl>", "the ACL file")
    .requiredOption("--dir <dir>", "the keys directory `wirenix keys generate` filled")
    .requiredOption("--secrets-dir <dir>", "where the age files and .pub files go")
    .option(
      "--recipients <file>",
      "age recipients file: every file is encrypted to these, plus the peer's extraArgs.ageRecipients",
    )
    .option("--peer <name>", "only this peer (repeat for several)", collect, [])
    .option("--reencrypt", "encrypt again files that are up to date (after changing recipients)")
    .addOption(textOrJsonOption());
  return new Command("keys")
    .description("generate WireGuard keys and encrypt them for agenix")
    .addCommand(
      withCliOutput(
        io,
        aclCommand(generateCmd, done, (acl, flags: GenerateFlags) => generate(io, acl, flags)),
      ),
    )
    .addCommand(
      withCliOutput(
        io,
        aclCommand(encryptCmd, done, (acl, flags: EncryptFlags) => encrypt(io, acl, flags)),
      ),
    );
}
