/**
 * A peer's addresses on a subnet: the ones written, and the IPv6 address generated for it where
 * none is written or "auto" asks for it.
 */
import * as crypto from "node:crypto";
import { Address } from "./address.js";

/**
 * `crypto.hash` (Node ≥ 20.12) hashes in one call, several times faster than a Hash object for
 * names this short; a thousand peers need a thousand of them before the first host is written.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;
function sha256Hex(text: string): string {
  return oneShot ? oneShot("sha256", text) : crypto.createHash("sha256").update(text).digest("hex");
}

/**
 * The address a peer gets on a subnet when none is written: a ULA (`fd` + 56 bits from the
 * subnet's name + 64 bits from the peer's), so every member derives the same one.
 */
export function generatedAddress(subnet: string, peer: string): string {
  const hex = `fd${sha256Hex(subnet).slice(0, 14)}${sha256Hex(peer).slice(0, 16)}`;
  return hex.match(/.{4}/g)?.join(":") ?? hex;
}

/** A peer's addresses on a subnet: written ones kept, "auto" (or nothing) means generated. */
export function memberAddresses(
  written: readonly string[] | undefined,
  subnet: string,
  peer: string,
): Address[] {
  const generated = () => Address.made(generatedAddress(subnet, peer), 6);
  if (written === undefined) return [generated()];
  const kept = written.filter((a) => a !== "auto").map(Address.of);
  return kept.length === written.length ? kept : [...kept, generated()];
}
