/**
 * What to type when a key is missing. The library says what is missing and which providers
 * were asked; the flags that fix it belong to the command line, so they are added here, from
 * the problem's code and what the run was given (`--keys-dir` or not).
 */
import type { Diagnostic } from "../core/diagnostics.js";
import type { Network } from "../network/model.js";

export interface KeyHintContext {
  acl: string;
  network: Network;
  /** The run's `--keys-dir`, if given. */
  keysDir?: string;
}

/** The peer a key diagnostic is about (its path starts with `peers[i]`). */
function peerOf(network: Network, d: Diagnostic) {
  const [top, index] = d.path;
  return top === "peers" && typeof index === "number" ? network.peers[index] : undefined;
}

function hint(d: Diagnostic, { acl, network, keysDir }: KeyHintContext): string | undefined {
  if (d.code === "keys-dir-path")
    return "to write the keys into the files instead, add --inline-private-keys (wg-quick, networkd-files); for keys deployed to the hosts, name their provider first (--key-provider agenix --key-provider dir, or sops-nix)";
  if (d.code !== "no-public-key" && d.code !== "no-private-key" && d.code !== "no-preshared-key")
    return undefined;
  if (keysDir === undefined)
    return `or give --keys-dir DIR, the directory wirenix keys generate ${acl} --dir DIR made the keys in`;
  if (d.code === "no-preshared-key")
    return `make the missing key with wirenix keys generate ${acl} --dir ${keysDir}`;
  const peer = peerOf(network, d);
  if (peer === undefined) return undefined;
  // The ACL names a public key whose private key is not in the keys directory: someone else
  // holds that pair (or nobody: an example's keys). A new pair must replace the ACL's key.
  if (d.code === "no-private-key" && peer.publicKey !== undefined)
    return `the ACL's publicKey of ${JSON.stringify(peer.name)} belongs to a key pair whose private key is not in ${keysDir}; to make a new pair and write its public key into the ACL: wirenix keys generate ${acl} --dir ${keysDir} --update-acl`;
  return `make the missing key with wirenix keys generate ${acl} --dir ${keysDir}`;
}

/** `diagnostics` with the command line's hint appended to each missing-key problem. */
export function withKeyHints(
  diagnostics: readonly Diagnostic[],
  context: KeyHintContext,
): Diagnostic[] {
  return diagnostics.map((d) => {
    const extra = hint(d, context);
    return extra === undefined ? d : { ...d, message: `${d.message}; ${extra}` };
  });
}
