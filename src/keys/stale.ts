/**
 * Public keys in the ACL against those in a keys directory: after `keys generate` (or a
 * rotation) the ACL may still hold an old public key, or none, and the peers it is deployed to
 * would not accept the new one.
 */
import { join } from "node:path";
import { type Diagnostic, diagnostic, type Severity } from "../core/diagnostics.js";
import type { Network } from "../network/model.js";
import { keyFiles, readKeyFile } from "./key-dir.js";

/**
 * A diagnostic for every peer whose `publicKey` in the ACL differs from its key in `dir`: a
 * warning after `keys generate` (a rotation leaves the ACL behind until the keys are written
 * into it), an error for `check` with a keys directory (the ACL names another key than the
 * peer's own). The CLI names the flags that fix it (by the code).
 */
export function stalePublicKeys(
  network: Network,
  publicKeys: ReadonlyMap<string, string>,
  dir: string,
  severity: Severity = "warning",
): Diagnostic[] {
  return network.peers.flatMap((p) => {
    const key = publicKeys.get(p.name);
    if (key === undefined || p.publicKey === undefined || p.publicKey === key) return [];
    return [
      diagnostic(
        severity,
        "stale-public-key",
        ["peers", p.index, "publicKey"],
        `differs from ${dir}/${keyFiles.publicKey(p.name)}; write the keys directory's public keys into the ACL, or have the keys directory asked first when generating`,
      ),
    ];
  });
}

/** The peers with a key in `dir` and no `publicKey` in the ACL, in the order of `publicKeys`. */
export function unsetPublicKeys(
  network: Network,
  publicKeys: ReadonlyMap<string, string>,
): string[] {
  return [...publicKeys.keys()].filter((name) => network.peer(name)?.publicKey === undefined);
}

/** The public keys in `dir` (`<peer>.pub`) of the network's peers that have one there. */
export function publicKeysIn(network: Network, dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const peer of network.peers) {
    const key = readKeyFile(join(dir, keyFiles.publicKey(peer.name)));
    if (key !== undefined) found.set(peer.name, key);
  }
  return found;
}
