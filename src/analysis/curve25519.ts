/**
 * Curve25519 key checks with Node's own X25519 (OpenSSL), so a key that `wg` would accept but
 * that can never complete a handshake is caught before it reaches a machine.
 */
import { createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";

/** PKCS#8 wrapping of a raw X25519 private key (RFC 8410). */
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
 * Why a base64 public key cannot be used, or undefined when it can. A point of small order (the
 * all-zero key, for one) gives every peer the same all-zero shared secret; X25519 refuses it.
 */
export function publicKeyProblem(base64: string): string | undefined {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length !== 32) return `decodes to ${bytes.length} bytes, not 32`;
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

/** The public key (base64, as `wg pubkey` prints it) of a base64 private key. */
export function publicKeyOf(privateBase64: string): string | undefined {
  const raw = Buffer.from(privateBase64, "base64");
  if (raw.length !== 32) return undefined;
  try {
    const key = createPrivateKey({
      key: Buffer.concat([PKCS8_X25519_PREFIX, raw]),
      format: "der",
      type: "pkcs8",
    });
    const jwk = createPublicKey(key).export({ format: "jwk" });
    return jwk.x === undefined ? undefined : Buffer.from(jwk.x, "base64url").toString("base64");
  } catch {
    return undefined;
  }
}
