/**
 * `wirenix keys generate` as a library call: for every chosen peer a key pair, for every subnet
 * that asks for one a preshared key, all in one keys directory. Existing keys are kept; only
 * the peers named in `rotate` get a new pair, the old one kept as a backup.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type Diagnostic,
  diagnostic,
  isNonEmpty,
  optionProblem,
  type Result,
} from "../core/diagnostics.js";
import type { HeldLock } from "../io/dir-lock.js";
import { derivePublicKey } from "../network/curve25519.js";
import type { NetPeer, NetSubnet, Network } from "../network/model.js";
import { peersNamed } from "../network/named.js";
import { generateKeyPair, generatePresharedKey } from "./generate.js";
import {
  backupStamp,
  createSecretFile,
  FileExistsError,
  fileProblem,
  holdsNoKey,
  keyFileNameProblem,
  keyFiles,
  lockSecretDir,
  looseSecretFiles,
  prepareSecretDir,
  readKeyFile,
  replaceKeyPair,
  subnetHasPresharedKey,
  subnetWantsPresharedKey,
} from "./key-dir.js";

/** What happened to one peer's or subnet's key; never holds a private key. */
export interface KeyOutcome {
  kind: "peer" | "subnet";
  name: string;
  /**
   * created: new key; kept: already there; completed: the missing `.pub` written for an
   * existing private key; rotated: replaced on request; skipped: left alone (see `reason`).
   */
  action: "created" | "kept" | "completed" | "rotated" | "skipped";
  files: string[];
  publicKey?: string;
  backups?: string[];
  reason?: string;
  /**
   * Why a peer was skipped, or that a created pair replaces the ACL's `publicKey` (whose private
   * key is elsewhere): `public-key-in-acl`, `public-key-file-only`.
   */
  because?: "public-key-in-acl" | "public-key-file-only";
}

export interface GenerateKeysOptions {
  /** Only these peers (default: all). Subnets: those the chosen peers are members of. */
  peers?: readonly string[];
  /** Peers whose key pair is replaced. */
  rotate?: readonly string[];
  /** For backup names; tests pass a fixed time. */
  now?: Date;
  /**
   * The keys directory is the truth about public keys (`--update-acl` then writes them into
   * the ACL): an existing private key whose public key differs from the ACL's is no error.
   */
  updatesAcl?: boolean;
}

export interface GenerateKeysReport {
  outcomes: KeyOutcome[];
  /** Notices worth telling the user (key files others can read, a lock taken over, ...). */
  notices: string[];
  /** Public keys of the chosen peers as they are in the directory now. */
  publicKeys: Map<string, string>;
}

/** Checks everything that can be checked before any file is written. */
function problems(
  network: Network,
  dir: string,
  peers: NetPeer[],
  rotate: readonly string[],
  updatesAcl: boolean,
) {
  const found: Diagnostic[] = [];
  for (const name of rotate)
    if (!peers.some((p) => p.name === name))
      found.push(
        optionProblem(
          "error",
          "usage",
          "rotate",
          network.peer(name)
            ? `cannot rotate the keys of ${JSON.stringify(name)}: that peer is not among the peers chosen`
            : `cannot rotate the keys of ${JSON.stringify(name)}: no such peer in the ACL`,
        ),
      );
  for (const peer of peers) {
    const { name } = peer;
    const problem = keyFileNameProblem(name);
    if (problem)
      found.push(diagnostic("error", "invalid-value", ["peers", peer.index, "name"], problem));
    for (const file of [keyFiles.privateKey(name), keyFiles.publicKey(name)])
      if (holdsNoKey(join(dir, file)))
        found.push(
          diagnostic(
            "error",
            "invalid-key",
            ["peers", peer.index],
            `${join(dir, file)} exists but does not hold a WireGuard key; move it away first`,
          ),
        );
    const key = readKeyFile(join(dir, keyFiles.privateKey(name)));
    const pub = readKeyFile(join(dir, keyFiles.publicKey(name)));
    if (
      key !== undefined &&
      pub !== undefined &&
      derivePublicKey(key) !== pub &&
      !rotate.includes(name)
    )
      found.push({
        ...diagnostic(
          "error",
          "invalid-key",
          ["peers", peer.index],
          `${join(dir, keyFiles.publicKey(name))} is not the public key of ${join(dir, keyFiles.privateKey(name))}; restore the right one or rotate the peer's keys`,
        ),
        option: "rotate",
      });
    // A private key is used only for its own peer: one that is not the ACL's peer's (a wrong
    // file, or an ACL whose publicKey a change replaced) stops the run, unless updating the
    // ACL makes the keys directory the truth.
    if (
      key !== undefined &&
      peer.publicKey !== undefined &&
      !updatesAcl &&
      !rotate.includes(name) &&
      derivePublicKey(key) !== peer.publicKey
    )
      found.push({
        ...diagnostic(
          "error",
          "key-mismatch",
          ["peers", peer.index, "publicKey"],
          `the private key in ${join(dir, keyFiles.privateKey(name))} is not peer ${JSON.stringify(name)}'s: its public key differs from peers[${peer.index}].publicKey in the ACL; restore the right key file, correct the ACL, or write the keys directory's public key into it`,
        ),
        option: "updatesAcl",
      });
  }
  for (const { name: subnet, index } of keyedSubnetsOf(network, peers)) {
    const problem = keyFileNameProblem(subnet);
    if (problem)
      found.push(diagnostic("error", "invalid-value", ["subnets", index, "name"], problem));
    if (holdsNoKey(join(dir, keyFiles.presharedKey(subnet))))
      found.push(
        diagnostic(
          "error",
          "invalid-key",
          ["subnets", index],
          `${join(dir, keyFiles.presharedKey(subnet))} exists but does not hold a WireGuard key; move it away first`,
        ),
      );
  }
  return found;
}

function subnetsWhere(
  network: Network,
  peers: readonly NetPeer[],
  wanted: (subnet: NetSubnet) => boolean,
): NetSubnet[] {
  const chosen = new Set(peers.map((p) => p.name));
  return network.subnets.filter((s) => wanted(s) && s.members.some((m) => chosen.has(m)));
}

/** The subnets of these peers that want a generated preshared key, in ACL order. */
export function subnetsOf(network: Network, peers: readonly NetPeer[]): NetSubnet[] {
  return subnetsWhere(network, peers, subnetWantsPresharedKey);
}

/**
 * The subnets of these peers whose preshared key `keys generate` makes: those above, and those
 * whose ACL entry names a `presharedKeyFile`.
 */
export function keyedSubnetsOf(network: Network, peers: readonly NetPeer[]): NetSubnet[] {
  return subnetsWhere(network, peers, subnetHasPresharedKey);
}

function peerOutcome(
  dir: string,
  peer: NetPeer,
  rotate: boolean,
  stamp: string,
  updatesAcl: boolean,
): KeyOutcome {
  const { name } = peer;
  const keyFile = join(dir, keyFiles.privateKey(name));
  const pubFile = join(dir, keyFiles.publicKey(name));
  const files = [keyFile, pubFile];
  if (rotate) {
    const pair = generateKeyPair();
    const backups = replaceKeyPair(keyFile, pubFile, pair, stamp);
    return { kind: "peer", name, action: "rotated", files, publicKey: pair.publicKey, backups };
  }
  const existing = readKeyFile(keyFile);
  if (existing !== undefined) {
    const publicKey = derivePublicKey(existing);
    if (existsSync(pubFile)) return { kind: "peer", name, action: "kept", files, publicKey };
    createSecretFile(pubFile, `${publicKey}\n`);
    return { kind: "peer", name, action: "completed", files, publicKey };
  }
  const pub = readKeyFile(pubFile);
  if (pub !== undefined)
    return {
      kind: "peer",
      name,
      action: "skipped",
      files,
      publicKey: pub,
      reason: `${pubFile} exists without ${keyFile} (the private key lives elsewhere)`,
      because: "public-key-file-only",
    };
  // The ACL's publicKey belongs to a pair whose private key is not here. A new pair would not
  // match it; only when the public keys are written into the ACL (updatesAcl) is one made.
  const aclKey = peer.publicKey;
  if (aclKey !== undefined && !updatesAcl)
    return {
      kind: "peer",
      name,
      action: "skipped",
      files,
      publicKey: aclKey,
      reason: `the ACL already has its publicKey and ${keyFile} does not exist (its private key is somewhere else)`,
      because: "public-key-in-acl",
    };
  const pair = generateKeyPair();
  // The private key first: a run killed in between leaves a `.key` without `.pub`, which the
  // next run completes, never a `.pub` without its key.
  createSecretFile(keyFile, `${pair.privateKey}\n`);
  createSecretFile(pubFile, `${pair.publicKey}\n`);
  return {
    kind: "peer",
    name,
    action: "created",
    files,
    publicKey: pair.publicKey,
    ...(aclKey === undefined ? {} : { because: "public-key-in-acl" as const }),
  };
}

/** Fills `dir` with the keys of the network's peers and subnets. */
export async function generateKeys(
  network: Network,
  dir: string,
  options: GenerateKeysOptions = {},
): Promise<Result<GenerateKeysReport>> {
  const named = peersNamed(network, options.peers);
  if (!named.ok) return named;
  const peers = named.value;
  const rotate = options.rotate ?? [];
  const notices: string[] = [];
  const stamp = backupStamp(options.now);
  const outcomes: KeyOutcome[] = [];
  const publicKeys = new Map<string, string>();
  let lock: HeldLock | undefined;
  try {
    // A bad name is reported before the directory is made.
    const early = existsSync(dir)
      ? []
      : problems(network, dir, peers, rotate, options.updatesAcl === true);
    if (isNonEmpty(early)) return { ok: false, diagnostics: early };
    const prepared = prepareSecretDir(dir);
    if (prepared) notices.push(prepared);
    // One run at a time in a keys directory: the checks below must still hold while we write.
    lock = await lockSecretDir(dir);
    if (lock.notice) notices.push(lock.notice);
    const found = problems(network, dir, peers, rotate, options.updatesAcl === true);
    if (isNonEmpty(found)) return { ok: false, diagnostics: found };
    const loose = looseSecretFiles(dir);
    if (loose) notices.push(loose);
    for (const peer of peers) {
      const outcome = peerOutcome(
        dir,
        peer,
        rotate.includes(peer.name),
        stamp,
        options.updatesAcl === true,
      );
      outcomes.push(outcome);
      if (outcome.publicKey !== undefined && outcome.action !== "skipped")
        publicKeys.set(peer.name, outcome.publicKey);
    }
    for (const { name: subnet } of keyedSubnetsOf(network, peers)) {
      const file = join(dir, keyFiles.presharedKey(subnet));
      if (existsSync(file)) {
        outcomes.push({ kind: "subnet", name: subnet, action: "kept", files: [file] });
        continue;
      }
      createSecretFile(file, `${generatePresharedKey()}\n`);
      outcomes.push({ kind: "subnet", name: subnet, action: "created", files: [file] });
    }
  } catch (error) {
    const problem = fileProblem(error);
    if (problem === undefined) throw error;
    const message =
      error instanceof FileExistsError
        ? `${problem} (another process wrote it meanwhile?); nothing was overwritten`
        : `${problem}${outcomes.length > 0 ? "; keys written before this are kept" : ""}`;
    return { ok: false, diagnostics: [diagnostic("error", "write-failed", [], message)] };
  } finally {
    lock?.release();
  }
  return { ok: true, value: { outcomes, notices, publicKeys }, warnings: [] };
}
