/**
 * A subnet's IPv4 pool (`ipv4Pool`): which of its addresses a new member may get, and the
 * lowest one still free. The network and broadcast addresses of a /30 or larger pool are never
 * handed out; a /31 has no such addresses (RFC 3021: both are hosts of a point-to-point link)
 * and a /32 is its one address.
 */
import { Address, type Prefix, parsePrefix } from "./address.js";
import { addressText } from "./cidr.js";

export interface PoolRange {
  pool: Prefix;
  /** First and last address a member may get. */
  first: bigint;
  last: bigint;
}

const ipv4Text = (n: bigint) => addressText(4, n);

/** The addresses of `pool` members may get; undefined when `pool` is not an IPv4 network. */
export function poolRange(pool: Prefix): PoolRange | undefined {
  const range = pool.range;
  if (range.family !== 4) return undefined;
  if (range.prefix >= 31) return { pool, first: range.start, last: range.end };
  return { pool, first: range.start + 1n, last: range.end - 1n };
}

/**
 * The lowest address of `pool` that none of `used` (members' written addresses, with or
 * without a prefix length; IPv6 ones and "auto" are ignored) takes, or why there is none.
 */
export function allocateIPv4(
  pool: string,
  used: readonly string[],
): { address: string } | { problem: string } {
  const prefix = parsePrefix(pool);
  const range = prefix && poolRange(prefix);
  if (!range) return { problem: `${pool} is not an IPv4 network like "10.0.0.0/24"` };
  const taken = new Set<bigint>();
  for (const written of used) {
    const address = Address.parse(written);
    if (address?.family === 4) taken.add(address.value);
  }
  for (let n = range.first; n <= range.last; n++)
    if (!taken.has(n)) return { address: ipv4Text(n) };
  const count = range.last - range.first + 1n;
  const span =
    count === 1n ? ipv4Text(range.first) : `${ipv4Text(range.first)}-${ipv4Text(range.last)}`;
  return {
    problem: `the pool ${pool} is full: its ${count} usable address${count === 1n ? "" : "es"} (${span}) are taken; widen the subnet's ipv4Pool`,
  };
}
