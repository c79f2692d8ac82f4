/**
 * Named networks (`networks`) as rules and policy tests read them: which networks a side of a
 * rule selects, where each prefix enters the tunnel, and the reserved `internet`.
 */
import { Address } from "./address.js";
import { type AddressRange, shortAddressText } from "./cidr.js";
import type { NamedNetwork, Network, RuleFilter } from "./model.js";

/**
 * The reserved network name: every address outside the WireGuard addresses and the routed
 * networks, reached through exit nodes.
 */
export const INTERNET = "internet";

/** The named networks a rule side selects (and whether the internet), or undefined: peers. */
export interface SelectedNetworks {
  networks: readonly NamedNetwork[];
  internet: boolean;
}

/**
 * What a side of a rule selects when it names networks: the networks every filter holds for
 * (`network is office-lan`; `network not printer` is every named network but that one). The
 * internet only when named with `is`: it is no network of `networks`, so `not` never selects
 * it. Undefined for a side of peers (no network filter).
 */
export function selectedNetworks(
  network: Network,
  filters: readonly RuleFilter[],
): SelectedNetworks | undefined {
  const named = filters.filter((f) => f.type === "network");
  if (named.length === 0) return undefined;
  const holds = (name: string) =>
    named.every((f) => (f.rule === "is" ? f.value === name : f.value !== name));
  return {
    networks: (network.namedNetworks ?? []).filter((n) => holds(n.name)),
    internet: named.every((f) => f.rule === "is" && f.value === INTERNET),
  };
}

/** Whether any rule of the network names the internet in its `to`. */
export function rulesNameInternet(network: Network): boolean {
  return (network.rules ?? []).some((r) =>
    r.to.some((f) => f.type === "network" && f.rule === "is" && f.value === INTERNET),
  );
}

/** The named network `name`, if the ACL has one. */
export function namedNetwork(network: Network, name: string): NamedNetwork | undefined {
  return network.namedNetworks?.find((n) => n.name === name);
}

/** Addresses the internet stands for in `explain` and policy tests: well-known public hosts. */
const INTERNET_CANDIDATES = [
  ["1.1.1.1", 4],
  ["8.8.8.8", 4],
  ["9.9.9.9", 4],
  ["2606:4700:4700::1111", 6],
  ["2001:4860:4860::8888", 6],
] as const;

/**
 * An address of each family the network uses outside every one of `known` (the WireGuard
 * addresses and routed networks): where a packet to the internet is sent when a test or
 * `explain` follows it.
 */
export function internetAddresses(known: readonly Address[]): Address[] {
  const out: Address[] = [];
  for (const family of [4, 6] as const) {
    if (!known.some((k) => k.family === family)) continue;
    const found = INTERNET_CANDIDATES.find(
      ([text, f]) => f === family && !known.some((k) => k.holds(Address.of(text))),
    );
    if (found) out.push(Address.of(found[0]));
  }
  return out;
}

/**
 * The address a packet to a prefix is sent to: its first host (the address itself of a /31,
 * /32, /127 or /128), as its shortest text (`fd10::1`).
 */
export function firstHostText(range: AddressRange): string {
  const bits = range.family === 4 ? 32 : 128;
  const start = range.prefix < bits - 1 ? range.start + 1n : range.start;
  return shortAddressText(range.family, start);
}

/** `firstHostText` as an address. */
export function firstHost(prefix: Address): Address {
  return Address.made(firstHostText(prefix.range), prefix.range.family);
}

/** A packet that starts in a named network: on its router's LAN, from an address in it. */
export interface SiteOrigin {
  /** The named network (`networks`). */
  network: string;
  /** The peer routing it, where the packet enters the tunnel. */
  router: string;
  source: Address;
}

/**
 * Whether a packet from `origin` can be sent to `address`: a site sends from an address of one
 * IP family, so only to addresses of that family (a peer picks its own source address).
 */
export function sameFamily(origin: string | SiteOrigin, address: Address): boolean {
  return typeof origin === "string" || origin.source.family === address.family;
}

/**
 * Where packets from the named network `name` start: the first host of each prefix, at each
 * peer that routes it (once per peer). Empty when the ACL has no such network.
 */
export function siteOrigins(network: Network, name: string): SiteOrigin[] {
  const named = namedNetwork(network, name);
  return (named?.prefixes ?? []).flatMap(({ prefix, routers }) =>
    [...new Set(routers.map((r) => r.peer))].map((router) => ({
      network: name,
      router,
      source: firstHost(prefix),
    })),
  );
}
