/**
 * The hosts entries every configurer emits: each linked peer's addresses named `peer.subnet`.
 * Subnets and peers are walked in name order and a later name for an address replaces an
 * earlier one, as in the original.
 */
import { hostAddress } from "../network/addresses.js";
import type { NetInterface } from "../network/model.js";

/** address → [name]; one name per address. */
export function hostsEntries(interfaces: readonly NetInterface[]): Record<string, string[]> {
  const hosts: Record<string, string[]> = {};
  for (const iface of interfaces)
    for (const link of iface.links)
      for (const address of link.addresses)
        hosts[hostAddress(address)] = [`${link.peer}.${iface.subnet}`];
  return hosts;
}
