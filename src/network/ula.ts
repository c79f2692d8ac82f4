/**
 * A subnet's IPv6 prefix (`ipv6Prefix`): an RFC 4193 unique local /64 that generated member
 * addresses use instead of the prefix the original derives from the subnet's name. The derived
 * prefix is the same for every network whose subnet has the same name (`init`'s `wg`: every
 * user's network would be `fd99:d382:c5e3:90c4::/64`), so a host in two of them would carry one
 * prefix on two interfaces; RFC 4193 asks for a random 40-bit global ID, which `init` draws.
 */
import type { Prefix } from "./address.js";
import { addressRange } from "./cidr.js";

/** The prefix length of a subnet's prefix: the members' interface IDs fill the other 64 bits. */
export const ULA_PREFIX_LENGTH = 64;

/** An example, for messages and docs. */
export const ULA_EXAMPLE = "fd3c:7a91:e5b2:1::/64";

/**
 * What is wrong with `text` as a subnet's `ipv6Prefix`, or undefined when it is one: an IPv6
 * network of exactly /64 inside fd00::/8 (RFC 4193, locally assigned), its interface ID zero.
 */
export function ulaPrefixProblem(text: string): string | undefined {
  const r = text.includes("%") ? undefined : addressRange(text);
  if (r === undefined || r.family !== 6 || !text.includes("/"))
    return `an IPv6 network with its prefix length, like "${ULA_EXAMPLE}"`;
  if (r.prefix !== ULA_PREFIX_LENGTH)
    return `a /64 (members' generated addresses put their 64-bit interface ID after it), like "${ULA_EXAMPLE}"`;
  if (r.address >> 120n !== 0xfdn)
    return `a unique local prefix in fd00::/8 (RFC 4193: "fd", a random 40-bit global ID, a 16-bit subnet ID), like "${ULA_EXAMPLE}"`;
  if (r.address !== r.start)
    return `the network itself, its last 64 bits zero (like "${ULA_EXAMPLE}"), not an address in it`;
  return undefined;
}

/**
 * A random RFC 4193 prefix: "fd", the 40-bit global ID from `globalId` (5 random bytes, from
 * crypto), and `subnetId`, as `fdxx:xxxx:xxxx:yyyy::/64`.
 */
export function ulaPrefix(globalId: Uint8Array, subnetId = 1): string {
  if (globalId.length !== 5) throw new Error("a ULA global ID is 5 bytes");
  const hex = `fd${[...globalId].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  const groups = [hex.slice(0, 4), hex.slice(4, 8), hex.slice(8, 12)].map((g) =>
    g.replace(/^0{1,3}/, ""),
  );
  return `${groups.join(":")}:${(subnetId & 0xffff).toString(16)}::/${ULA_PREFIX_LENGTH}`;
}

/**
 * A generated address in the prefix: its 64 network bits, then `interfaceId` (16 hex digits),
 * written as the original writes generated addresses (eight groups of four, leading zeros kept).
 * `prefix` is one `ulaPrefixProblem` accepts (an IPv6 /64).
 */
export function addressInPrefix(prefix: Prefix, interfaceId: string): string {
  const network = (prefix.value >> 64n).toString(16).padStart(16, "0");
  const hex = `${network}${interfaceId}`;
  return hex.match(/.{4}/g)?.join(":") ?? hex;
}
