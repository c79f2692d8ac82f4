/**
 * The NixOS options both NixOS configurers (`static`, `networkd`) set beside their interfaces:
 * routing (`boot`, firewall, NAT), the access rules (nftables, trusted interfaces) and the
 * hosts entries, decided in one place so the two outputs agree.
 */
import type { ConfigTree } from "../../core/config-tree.js";
import type { ConfigureContext } from "./configurer.js";
import { hostsEntries } from "./hosts-entries.js";
import type { DeviceInterface } from "./interfaces.js";
import { nixosRulesOptions } from "./nft-rules.js";
import { nixosRoutingOptions, withTrusted } from "./nixos-routing.js";

export interface NixosHostOptions {
  boot: ConfigTree | undefined;
  networking: ConfigTree;
}

export function nixosHostOptions(
  context: ConfigureContext,
  devices: readonly DeviceInterface[],
): NixosHostOptions {
  const routing = nixosRoutingOptions(devices);
  const rules = nixosRulesOptions(context, devices);
  return {
    boot: routing.boot,
    networking: {
      firewall: withTrusted(routing.firewall, rules?.trustedInterfaces),
      hosts: hostsEntries(context.interfaces, context.network, context.run),
      nat: routing.nat,
      nftables: rules?.nftables,
    },
  };
}
