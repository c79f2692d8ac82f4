/**
 * Public keys in the ACL against those in a keys directory: after `keys generate` (or a
 * rotation) the ACL may still hold an old public key, or none, and the peers it is deployed to
 * would not accept the new one.
 */
import { type Diagnostic, diagnostic } from "../diagnostics.js";
import type { Network } from "../network/model.js";
import { keyFiles } from "./key-dir.js";

/** A warning for every peer whose `publicKey` in the ACL differs from its key in `dir`. */
export function stalePublicKeys(
  network: Network,
  publicKeys: ReadonlyMap<string, string>,
  dir: string,
): Diagnostic[] {
  return network.peers.flatMap((p) => {
    const key = publicKeys.get(p.name);
    if (key === undefined || p.publicKey === undefined || p.publicKey === key) return [];
    return [
      diagnostic(
        "warning",
        "stale-public-key",
        ["peers", p.index, "publicKey"],
        `differs from ${dir}/${keyFiles.publicKey(p.name)}; run with --update-acl, or give generate --keys-dir ${dir} so the keys directory is asked first`,
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
