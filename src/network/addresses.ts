/**
 * Addresses: the generated IPv6 address of a peer on a subnet, and the CIDR rules that turn a
 * written address into an interface address, an AllowedIPs entry or a hosts-file address.
 */
import * as crypto from "node:crypto";
import { looksLikeIPv6 } from "../acl/values.js";

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
): string[] {
  if (written === undefined) return [generatedAddress(subnet, peer)];
  if (!written.includes("auto")) return [...written];
  return [...written.filter((a) => a !== "auto"), generatedAddress(subnet, peer)];
}

function withPrefix(address: string, ipv6Bits: string, ipv4Bits: string): string {
  if (address.includes("/")) return address;
  return `${address}/${looksLikeIPv6(address) ? ipv6Bits : ipv4Bits}`;
}

/** On the local interface a bare address stands for its subnet: /64 (IPv6) or /24 (IPv4). */
export function interfaceAddress(address: string): string {
  return withPrefix(address, "64", "24");
}

/** Toward a remote peer a bare address is that one host: /128 or /32. */
export function allowedIP(address: string): string {
  return withPrefix(address, "128", "32");
}

/** The address without its prefix length, as a hosts file wants it. */
export function hostAddress(address: string): string {
  const slash = address.indexOf("/");
  return slash < 0 ? address : address.slice(0, slash);
}
