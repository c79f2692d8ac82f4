/**
 * The hosts entries every configurer emits: each linked peer's addresses named `peer.subnet`.
 * Subnets and peers are walked in name order and a later name for an address replaces an
 * earlier one, as in the original.
 */
import { memoize } from "../memo.js";
import { hostAddress } from "../network/addresses.js";
import type { NetInterface } from "../network/model.js";

/** `peer.subnet`, kept per subnet: every peer linked to `peer` on `subnet` writes the same name. */
const namesOn = new Map<string, (peer: string) => string>();

function hostName(peer: string, subnet: string): string {
  let named = namesOn.get(subnet);
  if (!named) {
    if (namesOn.size >= 1000) namesOn.clear();
    named = memoize((p) => `${p}.${subnet}`);
    namesOn.set(subnet, named);
  }
  return named(peer);
}

/** address → [name]; one name per address. */
export function hostsEntries(interfaces: readonly NetInterface[]): Record<string, string[]> {
  const hosts: Record<string, string[]> = {};
  for (const iface of interfaces)
    for (const link of iface.links)
      for (const address of link.addresses)
        hosts[hostAddress(address)] = [hostName(link.peer, iface.subnet)];
  return hosts;
}
