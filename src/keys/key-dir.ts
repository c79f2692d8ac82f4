/**
 * The keys directory that `wirenix keys generate` fills: `<peer>.key` (private), `<peer>.pub`
 * (public) and `<subnet>.psk` (preshared), every file 0600 in a 0700 directory. Files are
 * created exclusively (an existing key is never replaced) and appear only when complete.
 */

import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
} from "node:fs";
import { dirname, join } from "node:path";
import type { PathSegment } from "../core/diagnostics.js";
import {
  asWriteError,
  describeFileError,
  errnoCode,
  guarded,
  lstatOrUndefined,
  makeDirectory,
  removeTemporaryFiles,
  syncDirectory,
  writeTempFile,
} from "../io/atomic-write.js";
import { readBounded } from "../io/bounded-read.js";
import { type HeldLock, LockError, lockDirectory } from "../io/dir-lock.js";
import type { NetSubnet } from "../network/model.js";
import { parseWireguardKey, type WireguardKey } from "../network/values.js";

/** Mode of every file in a keys directory, and of the directory itself. */
export const SECRET_FILE_MODE = 0o600;
export const SECRET_DIR_MODE = 0o700;

/** File names inside a keys directory. */
export const keyFiles = {
  privateKey: (peer: string) => `${peer}.key`,
  publicKey: (peer: string) => `${peer}.pub`,
  presharedKey: (subnet: string) => `${subnet}.psk`,
};

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+@-]*$/;

/** Why a peer or subnet name cannot name a key file, or undefined when it can. */
export function keyFileNameProblem(name: string): string | undefined {
  return SAFE_NAME.test(name)
    ? undefined
    : `${JSON.stringify(name)} cannot name a key file (use letters, digits and . _ + @ -, not starting with . or -)`;
}

/**
 * A subnet wants a generated preshared key when its `extraArgs.presharedKey` is true. A subnet
 * with `presharedKeyFile` already has one the user manages, so it is left alone.
 */
export function subnetWantsPresharedKey(subnet: NetSubnet): boolean {
  return subnet.extraArgs?.presharedKey === true && subnet.presharedKeyFile === undefined;
}

/**
 * A subnet whose preshared key `wirenix keys generate` makes: one that asks for a generated key
 * (see `subnetWantsPresharedKey`), or one whose ACL entry names a `presharedKeyFile` (the key
 * is made in the keys directory, from where it is inlined or deployed to that path).
 */
export function subnetHasPresharedKey(subnet: NetSubnet): boolean {
  return subnet.extraArgs?.presharedKey === true || subnet.presharedKeyFile !== undefined;
}

/** Where in the ACL the preshared-key request of a subnet is written. */
export function presharedKeyRequestPath(subnet: NetSubnet): PathSegment[] {
  return ["subnets", subnet.index, "extraArgs", "presharedKey"];
}

/** More than any key file holds (44 characters and a line break), far less than a flood. */
const KEY_FILE_MAX_BYTES = 4096;

/** A key read from a file: trimmed, and undefined unless it has the shape of a WireGuard key. */
export function readKeyFile(file: string): WireguardKey | undefined {
  let text: string;
  try {
    // A regular file of a key's size: a FIFO or device at a key path must not hang or flood us.
    text = readBounded(file, KEY_FILE_MAX_BYTES).toString("utf8");
  } catch {
    return undefined;
  }
  return parseWireguardKey(text.trim());
}

/**
 * `readKeyFile(file)`, read once per run: `cache` is the run's (`KeyProviderContext.cache`),
 * so a key every peer's configuration names is read once, not once per peer.
 */
export function cachedKeyFile(cache: Map<string, unknown>, file: string): WireguardKey | undefined {
  const key = `key-file:${file}`;
  if (!cache.has(key)) cache.set(key, readKeyFile(file));
  return cache.get(key) as WireguardKey | undefined;
}

/** Whether a file exists but does not hold a key (so it must not be used or replaced blindly). */
export function holdsNoKey(file: string): boolean {
  return existsSync(file) && readKeyFile(file) === undefined;
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, "0");

/**
 * The directory itself, never one a symbolic link leads to: a link committed in its place, or
 * pointing into a shared directory (`~`, `/etc/ssh`), must not decide where keys go.
 */
function refuseLink(dir: string, stat: Stats): void {
  if (!stat.isSymbolicLink()) return;
  let target = "";
  try {
    target = ` (to ${realpathSync(dir)})`;
  } catch {
    // A dangling link: nothing to name.
  }
  throw new KeyDirError(
    `${dir} is a symbolic link${target}; wirenix writes keys only into the directory itself, so nothing was changed (name the directory the link leads to instead, if that is where the keys belong)`,
  );
}

/** Refuses `dir` when it is a symbolic link (see `refuseLink`); a missing one is fine. */
export function refuseLinkedDir(dir: string): void {
  const stat = lstatOrUndefined(dir);
  if (stat) refuseLink(dir, stat);
}

/** Gives a directory we just made exactly 0700 (mkdir honours the umask), never via a link. */
function makePrivate(dir: string): void {
  const fd = guarded(dir, () =>
    openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW),
  );
  try {
    guarded(dir, () => fchmodSync(fd, SECRET_DIR_MODE));
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the directory 0700. An existing one keeps the mode its owner gave it (wirenix changes
 * nothing it did not make); when others can enter it, the returned notice says so. A symbolic
 * link, or anything that is not a directory, is refused.
 */
export function prepareSecretDir(dir: string): string | undefined {
  let stat = lstatOrUndefined(dir);
  if (stat === undefined) {
    if (lstatOrUndefined(dirname(dir)) === undefined) makeDirectory(dirname(dir), SECRET_DIR_MODE);
    try {
      mkdirSync(dir, { mode: SECRET_DIR_MODE });
      makePrivate(dir);
      return undefined;
    } catch (error) {
      // Made by someone else meanwhile: it is an existing directory, checked below.
      if (errnoCode(error) !== "EEXIST") throw asWriteError(error, dir);
      stat = lstatSync(dir);
    }
  }
  refuseLink(dir, stat);
  if (!stat.isDirectory()) throw new KeyDirError(`${dir} exists and is not a directory`);
  if ((stat.mode & 0o077) === 0) return undefined;
  return `warning: ${dir} holds private keys but others can enter it (mode ${octal(stat.mode)}); wirenix leaves the mode of a directory it did not create as it is: chmod 700 ${dir} if only keys belong there`;
}

function writeTemp(path: string, text: string | Uint8Array): string {
  return writeTempFile(path, text, SECRET_FILE_MODE);
}

/** Key files and their backups: what `tightenSecretFiles` looks after. */
const SECRET_FILE_NAME = /\.(key|pub|psk|age)(\.[0-9TZ]+(-\d+)?\.bak|\.removed-[0-9TZ]+(-\d+)?)?$/;

/**
 * Names key files (and backups of them) that others can read. Their modes are left as they
 * are (wirenix did not write them so); the notice tells the user, or is undefined when all are
 * private.
 */
export function looseSecretFiles(dir: string): string | undefined {
  const loose: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!SECRET_FILE_NAME.test(name)) continue;
    const stat = lstatSync(join(dir, name));
    if (!stat.isFile() || (stat.mode & 0o077) === 0) continue;
    loose.push(`${name} (mode ${octal(stat.mode)})`);
  }
  if (loose.length === 0) return undefined;
  return `warning: ${dir}: others can read these key files: ${loose.join(", ")}; wirenix leaves the modes of files it did not write as they are: chmod 600 them (and make new keys if others may have read them)`;
}

/**
 * Takes the lock of a keys (or secrets) directory and removes what killed runs left there.
 * The lock is released by the returned function.
 */
export async function lockSecretDir(dir: string): Promise<HeldLock> {
  refuseLinkedDir(dir);
  const lock = await lockDirectory(dir);
  removeTemporaryFiles(dir);
  return lock;
}

/** A problem with the keys directory or its files that the user must fix. */
export class KeyDirError extends Error {}

/**
 * The message for a failed file operation (a missing directory, no permission, a full disk),
 * or undefined for anything that is not one, which is then a bug and propagates.
 */
export function fileProblem(error: unknown): string | undefined {
  if (error instanceof KeyDirError || error instanceof LockError) return error.message;
  return describeFileError(error);
}

/** Thrown when a file that must not be replaced already exists. */
export class FileExistsError extends KeyDirError {
  constructor(readonly file: string) {
    super(`${file} already exists; wirenix never replaces a key file`);
  }
}

/**
 * Writes a new secret file: complete before it appears, and never over an existing file (the
 * hard link fails if the name is taken, even when another process created it meanwhile).
 */
export function createSecretFile(path: string, text: string | Uint8Array): void {
  const temp = writeTemp(path, text);
  try {
    linkSync(temp, path);
  } catch (error) {
    if (errnoCode(error) === "EEXIST") throw new FileExistsError(path);
    throw asWriteError(error, path);
  } finally {
    rmSync(temp, { force: true });
  }
  syncDirectory(dirname(path));
}

/** A backup name that is not taken yet: `<file>.<UTC time>.bak`, then `-2`, `-3`, ... */
function backupName(path: string, stamp: string, attempt: number): string {
  return `${path}.${stamp}${attempt > 1 ? `-${attempt}` : ""}.bak`;
}

/**
 * Replaces a secret file on purpose, keeping the old content under a backup name first.
 * Returns the backup's path (undefined when there was nothing to keep).
 */
export function replaceSecretFile(
  path: string,
  text: string | Uint8Array,
  stamp: string,
): string | undefined {
  const temp = writeTemp(path, text);
  let backup: string | undefined;
  try {
    backup = keepBackup(path, stamp);
    guarded(path, () => renameSync(temp, path));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
  return backup;
}

/** Links the current file to a fresh backup name; undefined when there is no file. */
function keepBackup(path: string, stamp: string): string | undefined {
  if (!existsSync(path)) return undefined;
  for (let attempt = 1; ; attempt++) {
    const candidate = backupName(path, stamp, attempt);
    try {
      linkSync(path, candidate);
      return candidate;
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw asWriteError(error, candidate);
    }
  }
}

/**
 * Replaces a key pair on purpose, old files kept as backups, so that no reader ever finds a
 * `.pub` that is not the public key of the `.key` beside it: both are written in full first,
 * then the old `.pub` is removed, the new `.key` renamed into place, and the new `.pub` last.
 * In between there is no `.pub` (readers report it missing, and `keys generate` derives it
 * from the `.key` if the run is killed right there). Returns the backups' paths.
 */
export function replaceKeyPair(
  keyFile: string,
  pubFile: string,
  pair: { privateKey: string; publicKey: string },
  stamp: string,
): string[] {
  const keyTemp = writeTemp(keyFile, `${pair.privateKey}\n`);
  let pubTemp: string | undefined;
  const backups: string[] = [];
  try {
    pubTemp = writeTemp(pubFile, `${pair.publicKey}\n`);
    for (const file of [keyFile, pubFile]) {
      const backup = keepBackup(file, stamp);
      if (backup) backups.push(backup);
    }
  } catch (error) {
    for (const file of [keyTemp, pubTemp, ...backups]) if (file) rmSync(file, { force: true });
    throw error;
  }
  try {
    guarded(pubFile, () => rmSync(pubFile, { force: true }));
    guarded(keyFile, () => renameSync(keyTemp, keyFile));
    guarded(pubFile, () => renameSync(pubTemp as string, pubFile));
  } finally {
    rmSync(keyTemp, { force: true });
    rmSync(pubTemp, { force: true });
  }
  syncDirectory(dirname(keyFile));
  return backups;
}

/** A timestamp for backup names that sorts by time and is safe in file names. */
export function backupStamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}
