/**
 * A peer's addresses on a subnet: the ones written, and the IPv6 address generated for it where
 * none is written or "auto" asks for it.
 */
import * as crypto from "node:crypto";
import { Address, type Prefix, prefixOf } from "./address.js";
import { addressInPrefix } from "./ula.js";

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
 * subnet's name + 64 bits from the peer's), so every member derives the same one. With the
 * subnet's `ipv6Prefix` (a /64, see ula.ts), that prefix replaces the first 64 bits; the peer's
 * 64 bits stay the original's.
 */
export function generatedAddress(
  subnet: string,
  peer: string,
  ipv6Prefix?: Prefix | string,
): string {
  const interfaceId = sha256Hex(peer).slice(0, 16);
  if (ipv6Prefix !== undefined) return addressInPrefix(asPrefix(ipv6Prefix), interfaceId);
  const hex = `fd${sha256Hex(subnet).slice(0, 14)}${interfaceId}`;
  return hex.match(/.{4}/g)?.join(":") ?? hex;
}

/**
 * A prefix given as text by a caller outside the model (`add-peer` reads the ACL's text): one
 * `ulaPrefixProblem` accepted, so a failure is a bug upstream.
 */
function asPrefix(prefix: Prefix | string): Prefix {
  return typeof prefix === "string" ? prefixOf(prefix) : prefix;
}

/**
 * A peer's addresses on a subnet: written ones kept, "auto" (or nothing) means generated (in the
 * subnet's `ipv6Prefix` when it has one).
 */
export function memberAddresses(
  written: readonly (Address | "auto")[] | undefined,
  subnet: string,
  peer: string,
  ipv6Prefix?: Prefix,
): Address[] {
  const generated = () => Address.made(generatedAddress(subnet, peer, ipv6Prefix), 6);
  if (written === undefined) return [generated()];
  const kept = written.filter((a) => a !== "auto");
  return kept.length === written.length ? kept : [...kept, generated()];
}
