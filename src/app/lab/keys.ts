/**
 * The keys the lab's files are made with: the pairs and preshared keys the lab made in its own
 * keys directory for the peers it holds, and for each peer outside the lab a random public key
 * of no one (see outside.ts). The ACL's keys are never asked for: the lab configures the network
 * it read with this provider alone, so none of the user's private keys is read or copied, and
 * the ACL is not written out and read again to swap its keys (a second parse of a 10,000-peer
 * ACL took longer than bringing up the lab's tunnels).
 */
import { join } from "node:path";
import { dirKeyProvider } from "../../keys/dir-provider.js";
import { keyFiles, subnetHasPresharedKey } from "../../keys/key-dir.js";
import { defineKeyProvider, type KeyProvider } from "../../keys/provider.js";
import { outsideKey } from "./outside.js";

/** The lab's key provider, and the public keys it gave to peers outside the lab. */
export interface LabKeys {
  /** Named `lab`: the only provider the lab's `generate` asks. */
  provider: KeyProvider;
  /** Each public key given so far to a peer outside the lab (their `[Peer]` sections go). */
  outside(): ReadonlySet<string>;
}

/**
 * Keys from `keysDir`, where the lab's peers' pairs are (`own` holds their public keys); a peer
 * outside the lab gets its random key when a file first names it, the same key every time.
 */
export function labKeys(keysDir: string, own: ReadonlyMap<string, string>): LabKeys {
  const outside = new Map<string, string>();
  const publicKeyOf = (peer: string): string => {
    const key = own.get(peer) ?? outside.get(peer);
    if (key !== undefined) return key;
    const made = outsideKey();
    outside.set(peer, made);
    return made;
  };
  const provider = defineKeyProvider({
    name: "lab",
    description: "the lab's own keys, made in its temporary directory",
    forPeer: (context) => ({
      // Private and preshared keys are files of the lab's keys directory, as `keys generate`
      // wrote them there.
      ...dirKeyProvider.forPeer({ ...context, keysDir }),
      publicKeyOf: (remote) => publicKeyOf(remote.name),
      // Every subnet with a preshared key has the lab's own, whether the ACL asks for a
      // generated one or names a file of the user's.
      presharedKeyFile: (subnet) =>
        subnetHasPresharedKey(subnet)
          ? join(keysDir, keyFiles.presharedKey(subnet.name))
          : undefined,
    }),
  });
  return { provider, outside: () => new Set(outside.values()) };
}
