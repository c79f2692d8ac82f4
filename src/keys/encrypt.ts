/**
 * Private keys as age files for agenix: `wirenix-peer-<P>.age` for each peer's private key and
 * `wirenix-subnet-<S>.age` for each generated preshared key, encrypted with the `age-encryption`
 * library (the reference implementation's author's TypeScript port), plus the public key beside
 * each peer's file as `wirenix-peer-<P>.pub`, where the agenix key providers read it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Encrypter } from "age-encryption";
import {
  type Diagnostic,
  diagnostic,
  isNonEmpty,
  type PathSegment,
  type Result,
} from "../core/diagnostics.js";
import type { HeldLock } from "../io/dir-lock.js";
import { derivePublicKey } from "../network/curve25519.js";
import type { Network } from "../network/model.js";
import { peersNamed } from "../network/named.js";
import { peerSecretName, subnetSecretName } from "./agenix-rekey-provider.js";
import { subnetsOf } from "./generate-dir.js";
import {
  backupStamp,
  createSecretFile,
  fileProblem,
  keyFiles,
  lockSecretDir,
  looseSecretFiles,
  prepareSecretDir,
  readKeyFile,
  refuseLinkedDir,
  replaceSecretFile,
} from "./key-dir.js";

/** A recipient and where it was written, for messages. */
export interface Recipient {
  recipient: string;
  source: string;
}

/** Checks one recipient string the way the age library will read it. */
function recipientProblem(recipient: string): string | undefined {
  if (/^ssh-/.test(recipient))
    return "SSH recipients are not supported by the age library wirenix uses; convert the host key with ssh-to-age and give the age1... recipient";
  if (/^AGE-SECRET-KEY-/i.test(recipient))
    return "this is an age identity (a secret key), not a recipient; give its public key (age-keygen -y IDENTITY) and keep the identity out of this file";
  try {
    new Encrypter().addRecipient(recipient);
    return undefined;
  } catch {
    // The line itself is never repeated: a key pasted here by mistake must not be printed.
    return "not an age recipient (expected age1...)";
  }
}

/** Reads an age recipients file: one recipient per line, `#` comments and blank lines ignored. */
export function readRecipientsFile(file: string): Result<Recipient[]> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file (the age recipients file: one age1... or ssh- public key per line)"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory, not a recipients file"
            : (error as Error).message;
    return {
      ok: false,
      diagnostics: [{ ...diagnostic("error", "load-failed", [], `cannot read: ${why}`), file }],
    };
  }
  const found: Diagnostic[] = [];
  const recipients: Recipient[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const problem = recipientProblem(line);
    if (problem)
      found.push({ ...diagnostic("error", "invalid-value", [], problem), file, line: i + 1 });
    else recipients.push({ recipient: line, source: `${file}:${i + 1}` });
  });
  if (isNonEmpty(found)) return { ok: false, diagnostics: found };
  return { ok: true, value: recipients, warnings: [] };
}

/**
 * A peer's own recipients from `peers[i].extraArgs.ageRecipients` (a string or a list of
 * strings): usually the host's age key, so that only that host can decrypt its private key.
 */
export function peerRecipients(network: Network, peerName: string): Result<Recipient[]> {
  const peer = network.peer(peerName);
  const value = peer?.extraArgs?.ageRecipients;
  if (!peer || value === undefined) return { ok: true, value: [], warnings: [] };
  const path: PathSegment[] = ["peers", peer.index, "extraArgs", "ageRecipients"];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((r) => typeof r === "string"))
    return {
      ok: false,
      diagnostics: [
        diagnostic("error", "invalid-value", path, "expected an age recipient or a list of them"),
      ],
    };
  const found: Diagnostic[] = [];
  const recipients: Recipient[] = [];
  list.forEach((r, i) => {
    const problem = recipientProblem(r.trim());
    const at = typeof value === "string" ? path : [...path, i];
    if (problem) found.push(diagnostic("error", "invalid-value", at, problem));
    else recipients.push({ recipient: r.trim(), source: at.join(".") });
  });
  if (isNonEmpty(found)) return { ok: false, diagnostics: found };
  return { ok: true, value: recipients, warnings: [] };
}

/** Encrypts text to the recipients, as the binary age format. */
export async function encryptTo(recipients: readonly string[], text: string): Promise<Uint8Array> {
  const encrypter = new Encrypter();
  for (const r of new Set(recipients)) encrypter.addRecipient(r);
  return encrypter.encrypt(text);
}

export interface EncryptOutcome {
  kind: "peer" | "subnet";
  name: string;
  file: string;
  action: "encrypted" | "re-encrypted" | "kept";
  recipients: number;
  backup?: string;
  reason?: string;
}

export interface EncryptOptions {
  peers?: readonly string[];
  /** Recipients every file is encrypted to (an admin key, ...). */
  recipients: readonly Recipient[];
  /** Encrypt again even when the age file is up to date (to add or drop recipients). */
  reencrypt?: boolean;
  now?: Date;
}

/** One secret to encrypt, its recipients, and where in the ACL they come from. */
interface Work {
  kind: "peer" | "subnet";
  name: string;
  secret: string;
  recipients: string[];
  path: PathSegment[];
}

/**
 * Encrypts the keys found in `keysDir` into `secretsDir`. An existing age file is kept while
 * the `.pub` beside it matches the current key; after a rotation it is replaced (old file kept
 * as a backup). Preshared keys have no public half, so their age files are kept unless
 * `reencrypt` is set.
 */
export async function encryptKeys(
  network: Network,
  keysDir: string,
  secretsDir: string,
  options: EncryptOptions,
): Promise<Result<{ outcomes: EncryptOutcome[]; notices: string[] }>> {
  const named = peersNamed(network, options.peers);
  if (!named.ok) return named;
  const peers = named.value;
  const found: Diagnostic[] = [];
  const perPeer = new Map<string, string[]>();
  for (const { name } of peers) {
    const own = peerRecipients(network, name);
    if (!own.ok) found.push(...own.diagnostics);
    else
      perPeer.set(
        name,
        [...options.recipients, ...own.value].map((r) => r.recipient),
      );
  }
  const work: Work[] = [];
  for (const { name, index, publicKey } of peers) {
    const key = readKeyFile(join(keysDir, keyFiles.privateKey(name)));
    if (key === undefined) {
      found.push(
        diagnostic(
          "error",
          "no-private-key",
          ["peers", index],
          `${join(keysDir, keyFiles.privateKey(name))} does not exist or holds no key; run wirenix keys generate first`,
        ),
      );
      continue;
    }
    // Encrypted for this peer's host, a key must be this peer's.
    if (publicKey !== undefined && derivePublicKey(key) !== publicKey) {
      found.push({
        ...diagnostic(
          "error",
          "key-mismatch",
          ["peers", index, "publicKey"],
          `the private key in ${join(keysDir, keyFiles.privateKey(name))} is not peer ${JSON.stringify(name)}'s: its public key differs from peers[${index}].publicKey in the ACL; restore the right key file, or write the keys directory's public keys into the ACL`,
        ),
        option: "updatesAcl",
      });
      continue;
    }
    work.push({
      kind: "peer",
      name,
      secret: key,
      recipients: perPeer.get(name) ?? [],
      path: ["peers", index, "extraArgs", "ageRecipients"],
    });
  }
  for (const s of subnetsOf(network, peers)) {
    const subnet = s.name;
    const psk = readKeyFile(join(keysDir, keyFiles.presharedKey(subnet)));
    if (psk === undefined) {
      found.push(
        diagnostic(
          "error",
          "no-preshared-key",
          ["subnets", s.index],
          `${join(keysDir, keyFiles.presharedKey(subnet))} does not exist or holds no key; run wirenix keys generate first`,
        ),
      );
      continue;
    }
    // Every member must be able to read the subnet's key, so it goes to all their recipients.
    const members = s.members.flatMap((m) => {
      const own = peerRecipients(network, m);
      if (own.ok) return own.value.map((r) => r.recipient);
      if (!peers.some((p) => p.name === m)) found.push(...own.diagnostics);
      return [];
    });
    work.push({
      kind: "subnet",
      name: subnet,
      secret: psk,
      recipients: [...options.recipients.map((r) => r.recipient), ...members],
      path: ["subnets", s.index, "extraArgs"],
    });
  }
  for (const w of work)
    if (w.recipients.length === 0)
      found.push({
        ...diagnostic(
          "error",
          "no-recipients",
          w.path,
          `no age recipient for ${w.kind} ${JSON.stringify(w.name)}: give recipients for every secret or set ${w.kind === "peer" ? "extraArgs.ageRecipients on the peer" : "extraArgs.ageRecipients on its members"}`,
        ),
        option: "recipients",
      });
  if (isNonEmpty(found)) return { ok: false, diagnostics: found };

  const notices: string[] = [];
  const stamp = backupStamp(options.now);
  const outcomes: EncryptOutcome[] = [];
  const locks: HeldLock[] = [];
  try {
    // Both directories are checked before the secrets directory is made.
    refuseLinkedDir(keysDir);
    const notice = prepareSecretDir(secretsDir);
    if (notice) notices.push(notice);
    // The keys must not change while they are encrypted, nor two runs write the age files.
    for (const dir of new Set([resolve(keysDir), resolve(secretsDir)])) {
      const lock = await lockSecretDir(dir);
      locks.push(lock);
      if (lock.notice) notices.push(lock.notice);
    }
    const loose = looseSecretFiles(secretsDir);
    if (loose) notices.push(loose);
    await encryptAll(work, secretsDir, options, stamp, outcomes);
  } catch (error) {
    const problem = fileProblem(error);
    if (problem === undefined) throw error;
    return {
      ok: false,
      diagnostics: [
        diagnostic(
          "error",
          "write-failed",
          [],
          `${problem}${outcomes.length > 0 ? "; files written before this are kept" : ""}`,
        ),
      ],
    };
  } finally {
    for (const lock of locks.reverse()) lock.release();
  }
  return { ok: true, value: { outcomes, notices }, warnings: [] };
}

async function encryptAll(
  work: readonly Work[],
  secretsDir: string,
  options: EncryptOptions,
  stamp: string,
  outcomes: EncryptOutcome[],
): Promise<void> {
  for (const w of work) {
    const secretName = w.kind === "peer" ? peerSecretName(w.name) : subnetSecretName(w.name);
    const file = join(secretsDir, `${secretName}.age`);
    const recipients = new Set(w.recipients).size;
    const base = { kind: w.kind, name: w.name, file, recipients };
    const publicKey = w.kind === "peer" ? derivePublicKey(w.secret) : undefined;
    const pubFile = join(secretsDir, `${secretName}.pub`);
    const current =
      existsSync(file) && (publicKey === undefined || readKeyFile(pubFile) === publicKey);
    if (current && !options.reencrypt) {
      outcomes.push({
        ...base,
        action: "kept",
        reason: "up to date",
      });
      continue;
    }
    const sealed = await encryptTo(w.recipients, `${w.secret}\n`);
    if (existsSync(file)) {
      const backup = replaceSecretFile(file, sealed, stamp);
      outcomes.push({ ...base, action: "re-encrypted", ...(backup ? { backup } : {}) });
    } else {
      createSecretFile(file, sealed);
      outcomes.push({ ...base, action: "encrypted" });
    }
    if (publicKey !== undefined && readKeyFile(pubFile) !== publicKey) {
      if (existsSync(pubFile)) replaceSecretFile(pubFile, `${publicKey}\n`, stamp);
      else createSecretFile(pubFile, `${publicKey}\n`);
    }
  }
}
