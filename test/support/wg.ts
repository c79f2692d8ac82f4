/** Keys made by the real `wg` tool, so tests never judge keys with keys of our own making. */
import { execFileSync } from "node:child_process";

export interface WgKeyPair {
  privateKey: string;
  publicKey: string;
}

export function wgKeyPair(): WgKeyPair {
  const privateKey = execFileSync("wg", ["genkey"], { encoding: "utf8" }).trim();
  const publicKey = execFileSync("wg", ["pubkey"], {
    input: `${privateKey}\n`,
    encoding: "utf8",
  }).trim();
  return { privateKey, publicKey };
}
