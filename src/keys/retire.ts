/**
 * The keys of a peer that left the ACL. `remove-peer` moves them aside, under a name that says
 * when (`carol.key.removed-20261205T181500Z`): left in place, a later peer of the same name
 * would silently be given the old pair (`keys generate` keeps an existing key), a pair that
 * went away with the old machine. Moved, not deleted: removing a peer by mistake must not
 * destroy its only private key, and the old files stay as private as they were.
 */
import { existsSync, linkSync, lstatSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { asWriteError, errnoCode, syncDirectory } from "../io/atomic-write.js";
import { backupStamp, keyFileNameProblem, keyFiles, lockSecretDir } from "./key-dir.js";

/** Where the keys of a removed peer may be (each optional). */
export interface PeerKeyDirs {
  /** The keys directory of `wirenix keys generate`: `<peer>.key`, `<peer>.pub`. */
  keysDir?: string;
  /** The secrets directory of `wirenix keys encrypt` (and sops-nix): `wirenix-peer-<peer>.*`. */
  secretsDir?: string;
}

export interface RetiredFile {
  from: string;
  to: string;
}

/** The file names a peer's keys have in each directory. */
function peerFiles(peer: string, dirs: PeerKeyDirs): { dir: string; names: string[] }[] {
  const found: { dir: string; names: string[] }[] = [];
  if (dirs.keysDir !== undefined)
    found.push({
      dir: dirs.keysDir,
      names: [keyFiles.privateKey(peer), keyFiles.publicKey(peer)],
    });
  if (dirs.secretsDir !== undefined)
    found.push({
      dir: dirs.secretsDir,
      names: ["age", "pub", "yaml"].map((ext) => `wirenix-peer-${peer}.${ext}`),
    });
  return found;
}

/** `<file>.removed-<stamp>`, then `-2`, `-3`, ...: never over an earlier one. */
function moveAside(from: string, stamp: string): string {
  for (let attempt = 1; ; attempt++) {
    const to = `${from}.removed-${stamp}${attempt > 1 ? `-${attempt}` : ""}`;
    try {
      linkSync(from, to);
    } catch (error) {
      if (errnoCode(error) === "EEXIST") continue;
      throw asWriteError(error, to);
    }
    try {
      unlinkSync(from);
    } catch (error) {
      throw asWriteError(error, from);
    }
    return to;
  }
}

/**
 * Moves the key files of `peer` found in `dirs` aside (see the module comment), each directory
 * under its lock; returns what was moved. Directories that do not exist hold nothing.
 */
export async function retirePeerKeys(
  peer: string,
  dirs: PeerKeyDirs,
  now = new Date(),
): Promise<RetiredFile[]> {
  // A name that cannot name a key file never had one.
  if (keyFileNameProblem(peer) !== undefined) return [];
  const stamp = backupStamp(now);
  const moved: RetiredFile[] = [];
  for (const { dir, names } of peerFiles(peer, dirs)) {
    const present = names.filter((name) => isFile(join(dir, name)));
    if (present.length === 0) continue;
    const lock = await lockSecretDir(dir);
    try {
      for (const name of present) {
        const from = join(dir, name);
        if (existsSync(from)) moved.push({ from, to: moveAside(from, stamp) });
      }
      syncDirectory(dir);
    } finally {
      lock.release();
    }
  }
  return moved;
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}
