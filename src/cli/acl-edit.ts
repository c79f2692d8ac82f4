/**
 * `wirenix init`, `add-peer` and `remove-peer`: starting an ACL and changing its peers from the
 * command line. The file stays the one source of truth: they edit it in place, in its own
 * format, keeping its comments and the layout of every line they do not change, each holding
 * the ACL's lock (so runs at the same time take turns).
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command } from "commander";
import { builtinParsers } from "../acl/parse.js";
import { editAclFile, lockAcl } from "../edit/acl-file.js";
import { randomIpv6Prefix, starterAclText } from "../edit/init.js";
import { type AddPeerOptions, parseEndpoint, planAddPeer } from "../edit/peers.js";
import { planRemovePeer } from "../edit/remove-peer.js";
import { describeFileError, errnoCode, writeNewFile } from "../io/atomic-write.js";
import { retirePeerKeys } from "../keys/retire.js";
import { generatedAddress } from "../network/addresses.js";
import { addedPeerAdvice } from "./add-peer-advice.js";
import { collect, textOrJsonOption } from "./common.js";
import {
  type CliIO,
  EXIT_INVALID,
  exitCodeFor,
  messagePrefix,
  printDiagnostics,
  UsageError,
} from "./io.js";

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new UsageError(`--port ${JSON.stringify(value)}: expected a port number 1-65535`);
  return n;
}

const q = JSON.stringify;

interface InitFlags {
  subnet?: string;
  pool?: string;
  port?: number;
  format: "text" | "json";
}

async function init(io: CliIO, file: string, flags: InitFlags): Promise<number> {
  const ipv6Prefix = randomIpv6Prefix();
  const made = starterAclText(file, { ...flags, ipv6Prefix });
  if (!made.ok) {
    printDiagnostics(io, made.diagnostics);
    return exitCodeFor(made.diagnostics);
  }
  // Under the lock, so that no edit of a file of this name is under way while we look and write.
  const locked = await lockAcl(file, "init");
  if (!locked.ok) {
    printDiagnostics(io, locked.diagnostics);
    return EXIT_INVALID;
  }
  try {
    for (const notice of locked.value.notices) io.err(`wirenix: ${notice}\n`);
    return writeStarter(io, file, flags, made.value, ipv6Prefix);
  } finally {
    locked.value.release();
  }
}

function writeStarter(
  io: CliIO,
  file: string,
  flags: InitFlags,
  text: string,
  ipv6Prefix: string,
): number {
  if (existsSync(file)) {
    printDiagnostics(io, [
      {
        code: "write-failed",
        severity: "error",
        path: [],
        file,
        message: "already exists; init never overwrites a file",
      },
    ]);
    return EXIT_INVALID;
  }
  try {
    writeNewFile(file, text);
  } catch (error) {
    const problem = describeFileError(error);
    if (problem === undefined) throw error;
    const message =
      errnoCode(error) === "EEXIST" ? "already exists; init never overwrites a file" : problem;
    printDiagnostics(io, [{ code: "write-failed", severity: "error", path: [], file, message }]);
    return EXIT_INVALID;
  }
  const subnet = flags.subnet ?? "wg";
  const port = flags.port ?? 51820;
  if (flags.format === "json") {
    const json = {
      file,
      subnet,
      port,
      ...(flags.pool === undefined ? {} : { ipv4Pool: flags.pool }),
      ipv6Prefix,
      peers: [],
    };
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const pool = flags.pool === undefined ? "" : `, IPv4 pool ${flags.pool}`;
  // add-peer edits every format but Nix: a .nix ACL gets its peers by hand.
  const next = file.endsWith(".nix")
    ? `next: add peers by hand into peers = [ ] of ${file} (its comments show the shape; add-peer edits only .yaml, .yml, .json and .toml ACLs), then: wirenix check ${file}`
    : `next: wirenix add-peer ${file} NAME`;
  io.out(
    `wrote ${file}: subnet ${q(subnet)} (port ${port}${pool}, IPv6 prefix ${ipv6Prefix}, random), no peers yet\n${next}\n`,
  );
  return 0;
}

interface AddFlags {
  subnet?: string;
  endpoint?: string;
  group: string[];
  port?: number;
  format: "text" | "json";
}

async function addPeer(io: CliIO, file: string, name: string, flags: AddFlags): Promise<number> {
  const endpoint = flags.endpoint === undefined ? undefined : parseEndpoint(flags.endpoint);
  if (flags.endpoint !== undefined && !endpoint)
    throw new UsageError(
      `--endpoint ${q(flags.endpoint)}: expected HOST or HOST:PORT (an IPv6 address with a port as [ADDRESS]:PORT)`,
    );
  let added: { subnet: string; port: number; address?: string; ipv6Prefix?: string } | undefined;
  let before: unknown;
  const options: AddPeerOptions = {
    name,
    groups: flags.group,
    ...(flags.subnet === undefined ? {} : { subnet: flags.subnet }),
    ...(endpoint ? { endpoint } : {}),
    ...(flags.port === undefined ? {} : { port: flags.port }),
  };
  const registry = builtinParsers();
  const edited = await editAclFile(
    file,
    "add-peer",
    (data) => {
      const plan = planAddPeer(data, options);
      if (plan.ok) {
        added = plan.value;
        before = data;
      }
      return plan;
    },
    registry,
  );
  if (!edited.ok || !added) {
    printDiagnostics(io, edited.ok ? [] : edited.diagnostics);
    return edited.ok ? EXIT_INVALID : exitCodeFor(edited.diagnostics);
  }
  for (const notice of edited.value.notices) io.err(`wirenix: ${notice}\n`);
  const generated = generatedAddress(added.subnet, name, added.ipv6Prefix);
  // What `check` would warn about the new peer, said now, while the command is in mind.
  const advice = addedPeerAdvice(file, before, options, added.subnet, registry);
  if (flags.format === "json") {
    for (const line of advice) io.err(`${messagePrefix(io, "warning")}${line}\n`);
    const json = {
      file,
      peer: name,
      subnet: added.subnet,
      listenPort: added.port,
      addresses: [added.address, generated].filter((a) => a !== undefined),
      notices: edited.value.notices,
    };
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const addresses = [added.address, `${generated} (generated)`]
    .filter((a) => a !== undefined)
    .join(", ");
  io.out(
    `added peer ${q(name)} to subnet ${q(added.subnet)} in ${file}: listen port ${added.port}, addresses ${addresses}\n`,
  );
  for (const line of advice) io.err(`${messagePrefix(io, "warning")}${line}\n`);
  return 0;
}

interface RemoveFlags {
  keysDir?: string;
  secretsDir?: string;
  format: "text" | "json";
}

/** `dir` beside the ACL when it is a directory: where the README's commands put keys. */
function besideAcl(file: string, dir: string): string | undefined {
  const path = join(dirname(file), dir);
  try {
    return statSync(path).isDirectory() ? path : undefined;
  } catch {
    return undefined;
  }
}

async function removePeer(
  io: CliIO,
  file: string,
  name: string,
  flags: RemoveFlags,
): Promise<number> {
  const edited = await editAclFile(file, "remove-peer", (data, network) =>
    planRemovePeer(data, network, name),
  );
  if (!edited.ok) {
    printDiagnostics(io, edited.diagnostics);
    return exitCodeFor(edited.diagnostics);
  }
  for (const notice of edited.value.notices) io.err(`wirenix: ${notice}\n`);
  const keysDir = flags.keysDir ?? besideAcl(file, "keys");
  const secretsDir = flags.secretsDir ?? besideAcl(file, "secrets");
  const moved = await retirePeerKeys(name, {
    ...(keysDir === undefined ? {} : { keysDir }),
    ...(secretsDir === undefined ? {} : { secretsDir }),
  });
  if (flags.format === "json") {
    const json = { file, peer: name, notices: edited.value.notices, keysMovedAside: moved };
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const lines = [`removed peer ${q(name)} from ${file}`];
  if (moved.length > 0)
    lines.push(
      `moved its keys aside, so that a later peer named ${q(name)} gets new ones: ${moved.map((m) => `${m.from} -> ${m.to}`).join(", ")}`,
    );
  io.out(`${lines.join("\n")}\n`);
  return 0;
}

export function initCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command("init")
    .description(
      "write a starter ACL (format from the extension: .yaml/.yml, .json, .toml, .nix): one subnet, no peers, every member linked; never overwrites a file",
    )
    .argument("<acl>", "the ACL file to create")
    .option("--subnet <name>", "the subnet's name", "wg")
    .option("--pool <cidr>", "the subnet's ipv4Pool, where add-peer takes IPv4 addresses from")
    .option("--port <n>", "the subnet's port (default 51820)", port)
    .addOption(textOrJsonOption())
    .action(async (acl: string, flags: InitFlags) => {
      done(await init(io, acl, flags));
    });
}

export function addPeerCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command("add-peer")
    .description(
      "add a peer to a subnet of the ACL, with the subnet's port and the lowest free address of its ipv4Pool; edits the file in place",
    )
    .argument("<acl>", "the ACL file (.yaml/.yml, .json or .toml)")
    .argument("<name>", "the new peer's name")
    .option("--subnet <name>", "the subnet to join (needed when the ACL has several)")
    .option(
      "--endpoint <host[:port]>",
      "where other peers reach it (port: its listen port if not given)",
    )
    .option(
      "--group <name>",
      "a group to put it in, created if new (repeat for several)",
      collect,
      [],
    )
    .option("--port <n>", "its listen port (default: the subnet's)", port)
    .addOption(textOrJsonOption())
    .action(async (acl: string, name: string, flags: AddFlags) => {
      done(await addPeer(io, acl, name, flags));
    });
}

export function removePeerCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command("remove-peer")
    .description(
      "remove a peer and every reference to it (filters naming it; connections, endpoints and rules left selecting nobody; policy tests from or to it; exitNode); edits the file in place",
    )
    .argument("<acl>", "the ACL file (.yaml/.yml, .json or .toml)")
    .argument("<name>", "the peer to remove")
    .option(
      "--keys-dir <dir>",
      "move the peer's key files (<name>.key, <name>.pub) there aside, as <file>.removed-<time> (default: keys beside the ACL, if there is one)",
    )
    .option(
      "--secrets-dir <dir>",
      "move the peer's wirenix-peer-<name>.* files there aside too (default: secrets beside the ACL, if there is one)",
    )
    .addOption(textOrJsonOption())
    .action(async (acl: string, name: string, flags: RemoveFlags) => {
      done(await removePeer(io, acl, name, flags));
    });
}
