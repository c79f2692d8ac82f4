/**
 * Addresses as numbers: a written address (`10.0.0.1`, `fd00::1/64`) as the range of addresses
 * it stands for, so checks can tell when two ranges overlap or one holds another.
 */
import { isIPv4, isIPv6 } from "node:net";

/** A block of addresses of one family: `start` to `end` inclusive. */
export interface AddressRange {
  family: 4 | 6;
  /** The address as written, without its prefix length, as a number. */
  address: bigint;
  prefix: number;
  start: bigint;
  end: bigint;
}

function ipv4Number(ip: string): bigint {
  return ip.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Number(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) becomes two hex groups.
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = ipv4Number(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const groups =
    rest === undefined
      ? left
      : [...left, ...new Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((n, group) => (n << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/**
 * The range a written address stands for; a bare address is one host (/32 or /128), as it is in
 * AllowedIPs. Undefined for text that is not an address.
 */
export function addressRange(written: string): AddressRange | undefined {
  const slash = written.indexOf("/");
  let ip = slash < 0 ? written : written.slice(0, slash);
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  // A zone ID (`%lo`) is refused: it names an interface of one host, not an address.
  if (ip.includes("%")) return undefined;
  const family = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : undefined;
  if (family === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  const length = written.slice(slash + 1);
  if (slash >= 0 && !/^\d{1,3}$/.test(length)) return undefined;
  const prefix = slash < 0 ? bits : Number(length);
  if (prefix > bits) return undefined;
  const address = family === 4 ? ipv4Number(ip) : ipv6Number(ip);
  return blockOf(family, address, prefix);
}

/** The block of `prefix` bits that holds `address`. */
export function blockOf(family: 4 | 6, address: bigint, prefix: number): AddressRange {
  const hostBits = BigInt((family === 4 ? 32 : 128) - prefix);
  const start = (address >> hostBits) << hostBits;
  return { family, address, prefix, start, end: start + (1n << hostBits) - 1n };
}

/** An address as text from its number: dotted IPv4, or eight IPv6 groups uncompressed. */
export function addressText(family: 4 | 6, n: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return groups.join(":");
}

/** Whether two ranges share at least one address. */
export function rangesOverlap(x: AddressRange, y: AddressRange): boolean {
  return x.family === y.family && x.start <= y.end && y.start <= x.end;
}

/** Whether `range` holds the single address `address` of `family`. */
export function rangeHolds(range: AddressRange, family: 4 | 6, address: bigint): boolean {
  return range.family === family && range.start <= address && address <= range.end;
}
