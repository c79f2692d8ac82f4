/**
 * Lint `keys`. Reports: invalid-public-key, duplicate-public-key, key-mismatch (errors).
 * Checks: public keys that are not valid Curve25519 points, the same key on two peers, or a
 * public key that is not the private key's.
 * Why: WireGuard tells peers apart by key and rejects handshakes from the wrong one.
 */

import { derivePublicKey, publicKeyProblem } from "../../network/curve25519.js";
import type { NetPeer } from "../../network/model.js";
import type { Lint } from "../lint.js";

const q = JSON.stringify;

/** Public keys that are unusable, shared by two peers, or not the private key's. */
export const keys: Lint = {
  name: "keys",
  codes: ["invalid-public-key", "duplicate-public-key", "key-mismatch"],
  description: "keys that are not valid Curve25519 public keys, or the same key on two peers",
  run({ network, report }) {
    const first = new Map<string, NetPeer>();
    for (const peer of network.peers) {
      if (peer.publicKey !== undefined) {
        const problem = publicKeyProblem(peer.publicKey);
        if (problem)
          report.error(
            "invalid-public-key",
            ["peers", peer.index, "publicKey"],
            `public key of peer ${q(peer.name)} ${problem}`,
          );
        const seen = first.get(peer.publicKey);
        if (seen)
          report.error(
            "duplicate-public-key",
            ["peers", peer.index, "publicKey"],
            `peer ${q(peer.name)} has the same public key as peer ${q(seen.name)}; WireGuard tells peers apart by key, so one would replace the other`,
          );
        else first.set(peer.publicKey, peer);
      }
      if (peer.privateKey !== undefined && peer.publicKey !== undefined) {
        const derived = derivePublicKey(peer.privateKey);
        if (derived !== peer.publicKey)
          report.error(
            "key-mismatch",
            ["peers", peer.index, "publicKey"],
            `public key of peer ${q(peer.name)} is not the one of its privateKey, so the others would reject its handshakes`,
          );
      }
    }
  },
};
