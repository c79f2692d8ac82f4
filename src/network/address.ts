/**
 * An address of the model (a member's address, a routed prefix, a subnet's IPv4 pool) as a
 * value: parsed once when the network is built, then read by every configurer and check in the
 * form it needs, never parsed again.
 *
 * The text stays as written: the original passes addresses through to the letter (`fd00::0001`
 * is not shortened), so every output that shows one shows `text`, or `text` with the prefix
 * length a bare address implies where it is used (an interface wants its subnet, AllowedIPs one
 * host).
 */
import { type AddressRange, addressRange, blockOf, rangeHolds } from "./cidr.js";

export class Address {
  /** As written in the ACL (or generated): `10.0.0.1`, `10.0.0.1/24`, `fd00::1`. */
  readonly text: string;
  /** The address without its prefix length, as a hosts file or a source address wants it. */
  readonly ip: string;
  readonly family: 4 | 6;
  /** The prefix length written after `/`; undefined for a bare address. */
  readonly prefixLength: number | undefined;
  /** On the local interface a bare address stands for its subnet: /24 (IPv4) or /64 (IPv6). */
  readonly interfaceCidr: string;
  /** Toward a remote peer a bare address is that one host: /32 or /128. */
  readonly allowedIP: string;
  /** The block `allowedIP` covers; computed on first use (most runs never compare addresses). */
  #range: AddressRange | undefined;

  private constructor(text: string, ip: string, family: 4 | 6, prefixLength: number | undefined) {
    this.text = text;
    this.ip = ip;
    this.family = family;
    this.prefixLength = prefixLength;
    const bare = prefixLength === undefined;
    this.interfaceCidr = bare ? `${text}/${family === 6 ? 64 : 24}` : text;
    this.allowedIP = bare ? `${text}/${family === 6 ? 128 : 32}` : text;
  }

  /**
   * The address `text` writes (bare or with `/length`, as the ACL's `ipAddresses` take it), or
   * undefined when it is not one.
   */
  static parse(text: string): Address | undefined {
    const range = text.startsWith("[") ? undefined : addressRange(text);
    if (range === undefined) return undefined;
    const address = Address.made(text, range.family);
    address.#range = range;
    return address;
  }

  /**
   * For text validated already (the ACL's schema checked it): the parse cannot fail, and a
   * failure is a bug upstream, not bad input.
   */
  static of(text: string): Address {
    const address = Address.parse(text);
    if (address === undefined) throw new Error(`not an address: ${JSON.stringify(text)}`);
    return address;
  }

  /**
   * An address this program wrote itself (a generated one, a default route), so known to be
   * well-formed: made without the parse, since a thousand-peer network makes one per
   * membership and most runs never compare them; the numbers come on first use.
   */
  static made(text: string, family: 4 | 6): Address {
    const slash = text.indexOf("/");
    return slash < 0
      ? new Address(text, text, family, undefined)
      : new Address(text, text.slice(0, slash), family, Number(text.slice(slash + 1)));
  }

  /** The addresses `allowedIP` covers: the one host of a bare address, else the block. */
  get range(): AddressRange {
    if (this.#range === undefined) {
      const range = addressRange(this.text);
      if (range === undefined) throw new Error(`not an address: ${JSON.stringify(this.text)}`);
      this.#range = range;
    }
    return this.#range;
  }

  /** The address itself as a number (the host part included). */
  get value(): bigint {
    return this.range.address;
  }

  /** The block `interfaceCidr` covers: the subnet a bare address stands for on its interface. */
  get interfaceRange(): AddressRange {
    if (this.prefixLength !== undefined) return this.range;
    return blockOf(this.family, this.value, this.family === 6 ? 64 : 24);
  }

  /** The address alone, without a prefix length: the one host a packet is sent to. */
  get host(): Address {
    if (this.prefixLength === undefined) return this;
    const host = new Address(this.ip, this.ip, this.family, undefined);
    host.#range = blockOf(this.family, this.value, this.family === 6 ? 128 : 32);
    return host;
  }

  /** Whether this address's block holds the single address `other` (its `ip`). */
  holds(other: Address): boolean {
    return rangeHolds(this.range, other.family, other.value);
  }

  toString(): string {
    return this.text;
  }

  /** As written, in JSON too (`inspect`, `explain --format json`). */
  toJSON(): string {
    return this.text;
  }
}

/** An address with its prefix length: a network a peer routes, a default route, a pool. */
export type Prefix = Address & { readonly prefixLength: number };

/** The prefix `text` writes, or undefined when it is not an address with `/length`. */
export function parsePrefix(text: string): Prefix | undefined {
  const address = Address.parse(text);
  return address?.prefixLength === undefined ? undefined : (address as Prefix);
}

/** For prefixes validated already (see `Address.of`). */
export function prefixOf(text: string): Prefix {
  const prefix = parsePrefix(text);
  if (prefix === undefined) throw new Error(`not a network prefix: ${JSON.stringify(text)}`);
  return prefix;
}
