/**
 * WireGuard keys made the way `wg genkey`, `wg pubkey` and `wg genpsk` make them: 32 bytes,
 * Base64 with padding. Private keys are clamped Curve25519 scalars, so our private keys and
 * `wg genkey`'s are interchangeable byte for byte in meaning.
 */
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { isWireguardKey } from "../network/values.js";

/** A peer's identity: the private key stays in memory and in 0600 files only. */
export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

const KEY_BYTES = 32;
/** The fixed PKCS#8 header of an X25519 private key; the raw 32 bytes follow it. */
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** Curve25519 clamping, as `wg genkey` applies it. */
function clamp(bytes: Buffer): Buffer {
  bytes[0] = (bytes[0] as number) & 248;
  bytes[31] = ((bytes[31] as number) & 127) | 64;
  return bytes;
}

/** The public key of a private key, as `wg pubkey` prints it (without the newline). */
export function publicKeyOf(privateKey: string): string {
  if (!isWireguardKey(privateKey))
    throw new Error("internal error: publicKeyOf was given something that is not a key");
  // X25519 clamps the scalar itself, so an unclamped key gives the same result as `wg pubkey`.
  const der = Buffer.concat([PKCS8_X25519_PREFIX, Buffer.from(privateKey, "base64")]);
  const spki = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export(
    {
      format: "der",
      type: "spki",
    },
  );
  return spki.subarray(spki.length - KEY_BYTES).toString("base64");
}

/** A new key pair, like `wg genkey | tee priv | wg pubkey`. */
export function generateKeyPair(): KeyPair {
  const privateKey = clamp(randomBytes(KEY_BYTES)).toString("base64");
  return { privateKey, publicKey: publicKeyOf(privateKey) };
}

/** A new preshared key, like `wg genpsk`: 32 random bytes. */
export function generatePresharedKey(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}
