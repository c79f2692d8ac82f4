/**
 * Curve25519 with Node's own X25519 (OpenSSL): a public key derived from a private one as
 * `wg pubkey` derives it, and the check that catches a key `wg` would accept but that can never
 * complete a handshake before it reaches a machine. Key generation and the key lints share it.
 */
import { createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import { isWireguardKey } from "./values.js";

/** The fixed PKCS#8 header of a raw X25519 private key (RFC 8410); the raw 32 bytes follow it. */
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/**
 * Any private key shows a small-order public key: X25519 clamps every scalar to a multiple of
 * the cofactor, so the shared secret with such a point is all zeros whatever the key. A fixed
 * one (never used for anything else) saves making one.
 */
const PROBE = createPrivateKey({
  key: Buffer.concat([PKCS8_X25519_PREFIX, Buffer.alloc(32, 0x2a)]),
  format: "der",
  type: "pkcs8",
});

/**
 * Every point of small order as X25519 reads it (little-endian, the top bit ignored): 0, 1,
 * the two points of order 8, p − 1, p and p + 1 (p = 2^255 − 19), the list libsodium refuses.
 * Only a key on it can fail the X25519 below, so a fleet's keys (ten thousand at a time in
 * `check`) skip the key exchange each would cost.
 */
const SMALL_ORDER: readonly string[] = [
  "00".repeat(32),
  `01${"00".repeat(31)}`,
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  `ec${"ff".repeat(30)}7f`,
  `ed${"ff".repeat(30)}7f`,
  `ee${"ff".repeat(30)}7f`,
];

function maybeSmallOrder(bytes: Buffer): boolean {
  const masked = Buffer.from(bytes);
  masked[31] = (masked[31] as number) & 0x7f;
  return SMALL_ORDER.includes(masked.toString("hex"));
}

/**
 * Why a base64 public key cannot be used, or undefined when it can. A point of small order (the
 * all-zero key, for one) gives every peer the same all-zero shared secret; X25519 refuses it.
 */
export function publicKeyProblem(base64: string): string | undefined {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length !== 32) return `decodes to ${bytes.length} bytes, not 32`;
  if (!maybeSmallOrder(bytes)) return undefined;
  try {
    const publicKey = createPublicKey({
      key: { kty: "OKP", crv: "X25519", x: bytes.toString("base64url") },
      format: "jwk",
    });
    const shared = diffieHellman({ privateKey: PROBE, publicKey });
    if (shared.every((b) => b === 0)) return "is a point of small order (no shared secret)";
    return undefined;
  } catch {
    return "is a point of small order: X25519 with it gives no shared secret, so no handshake can succeed";
  }
}

/**
 * The public key (base64, as `wg pubkey` prints it, without the newline) of a base64 private
 * key. X25519 clamps the scalar itself, so an unclamped key gives the same result as `wg pubkey`.
 * Callers hand it keys checked as keys (the schema, a key file's reader, our generator); given
 * anything else it throws, as that caller has a bug.
 */
export function derivePublicKey(privateBase64: string): string {
  const raw = Buffer.from(privateBase64, "base64");
  if (!isWireguardKey(privateBase64) || raw.length !== 32)
    throw new Error("internal error: derivePublicKey was given something that is not a key");
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, raw]),
    format: "der",
    type: "pkcs8",
  });
  const jwk = createPublicKey(key).export({ format: "jwk" });
  if (jwk.x === undefined) throw new Error("internal error: an X25519 key without its point");
  return Buffer.from(jwk.x, "base64url").toString("base64");
}
