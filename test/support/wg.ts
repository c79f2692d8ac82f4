/** Keys made by the real `wg` tool, so tests never judge keys with keys of our own making. */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtures } from "./paths.js";

export interface WgKeyPair {
  privateKey: string;
  publicKey: string;
}

/** The key pairs `wg` made once for the unit tier (test/fixtures/wg-keys/README.md). */
export function committedKeyPairs(): WgKeyPair[] {
  return JSON.parse(readFileSync(join(fixtures, "wg-keys", "pairs.json"), "utf8")) as WgKeyPair[];
}

/**
 * Hands out the committed key pairs one by one, each once: what a unit test uses where it
 * needs a fresh key of `wg`'s making without running `wg`.
 */
export function committedKeys(): () => WgKeyPair {
  const pairs = committedKeyPairs();
  let next = 0;
  return () => {
    const pair = pairs[next++];
    if (pair === undefined) throw new Error(`only ${pairs.length} committed key pairs`);
    return pair;
  };
}

/** A fresh key pair from the real `wg` (integration and system tiers). */
export function wgKeyPair(): WgKeyPair {
  const privateKey = execFileSync("wg", ["genkey"], { encoding: "utf8" }).trim();
  const publicKey = execFileSync("wg", ["pubkey"], {
    input: `${privateKey}\n`,
    encoding: "utf8",
  }).trim();
  return { privateKey, publicKey };
}

/**
 * Gives every peer a key pair from `wg`: its publicKey, and its private key in a 0600 file
 * `<keysDir>/<name>.key` (privateKeyFile), the directory made 0700. Returns the pairs by name.
 */
export function wgKeyFiles(
  peers: readonly (Record<string, unknown> & { name: string })[],
  keysDir: string,
): Map<string, WgKeyPair> {
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const pairs = new Map<string, WgKeyPair>();
  for (const peer of peers) {
    const pair = wgKeyPair();
    peer.publicKey = pair.publicKey;
    peer.privateKeyFile = join(keysDir, `${peer.name}.key`);
    writeFileSync(peer.privateKeyFile as string, `${pair.privateKey}\n`, { mode: 0o600 });
    pairs.set(peer.name, pair);
  }
  return pairs;
}
