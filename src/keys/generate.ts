/**
 * WireGuard keys made the way `wg genkey`, `wg pubkey` and `wg genpsk` make them: 32 bytes,
 * Base64 with padding. Private keys are clamped Curve25519 scalars, so our private keys and
 * `wg genkey`'s are interchangeable byte for byte in meaning.
 */
import { randomBytes } from "node:crypto";
import { derivePublicKey } from "../network/curve25519.js";

/** A peer's identity: the private key stays in memory and in 0600 files only. */
export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

const KEY_BYTES = 32;

/** Curve25519 clamping, as `wg genkey` applies it. */
function clamp(bytes: Buffer): Buffer {
  bytes[0] = (bytes[0] as number) & 248;
  bytes[31] = ((bytes[31] as number) & 127) | 64;
  return bytes;
}

/** A new key pair, like `wg genkey | tee priv | wg pubkey`. */
export function generateKeyPair(): KeyPair {
  const privateKey = clamp(randomBytes(KEY_BYTES)).toString("base64");
  return { privateKey, publicKey: derivePublicKey(privateKey) };
}

/** A new preshared key, like `wg genpsk`: 32 random bytes. */
export function generatePresharedKey(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}
