/**
 * `networkd` and `networkd-dev-only`: NixOS `systemd.network` netdevs (and, for `networkd`,
 * the matching networks that give the interface its addresses).
 */
import type { ConfigTree } from "../config-tree.js";
import { interfaceAddress } from "../network/addresses.js";
import type { Link, NetInterface } from "../network/model.js";
import { allowedIPs, DEFAULT_ROUTES } from "../network/routing.js";
import { type ConfigureContext, defineConfigurer } from "./configurer.js";
import { warnUnsupportedRefresh } from "./endpoint-support.js";
import { hostsEntries } from "./hosts.js";
import { deviceInterfaces } from "./interfaces.js";
import { nixosRoutingOptions } from "./nixos-routing.js";
import { sharedPeerEntry } from "./peer-entries.js";

function wireguardPeer(context: ConfigureContext, subnet: string, link: Link): ConfigTree {
  const { keys } = context;
  warnUnsupportedRefresh(context, subnet, link, "systemd-networkd");
  const publicKey = keys.publicKeyOf(link.peer);
  const presharedKeyFile = keys.presharedKeyFile(subnet);
  const wrapped = context.options.nixosPeerShape === "wrapped";
  return sharedPeerEntry(
    wrapped ? "networkd-wrapped" : "networkd",
    link,
    publicKey,
    presharedKeyFile,
    () => {
      // Keys in Nix order, so printing a million of these needs no sorting.
      const peer: ConfigTree = {
        AllowedIPs: allowedIPs(link),
        Endpoint: link.endpoint.address,
        PersistentKeepalive: link.endpoint.persistentKeepalive,
        PresharedKeyFile: presharedKeyFile,
        PublicKey: publicKey,
      };
      return wrapped ? { wireguardPeerConfig: peer } : peer;
    },
  );
}

/**
 * The routes and rules of an interface's .network. Without an exit node networkd routes no
 * AllowedIPs (its RouteTable is off), so each routed network gets a route; with one, RouteTable
 * puts every AllowedIPs route in the exit table and two rules send all traffic there except the
 * tunnel's own, marked with FirewallMark (the rules wg-quick adds, same priorities).
 */
export function networkdRouting(iface: NetInterface) {
  const routes: ConfigTree[] = [];
  const rules: ConfigTree[] = [];
  if (iface.exit === undefined) {
    for (const link of iface.links)
      for (const prefix of link.routes ?? [])
        if (!DEFAULT_ROUTES.includes(prefix)) routes.push({ Destination: prefix });
  } else {
    const { table } = iface.exit;
    rules.push({ Table: "main", SuppressPrefixLength: 0, Family: "both", Priority: 32764 });
    rules.push({
      FirewallMark: table,
      InvertRule: true,
      Table: table,
      Family: "both",
      Priority: 32765,
    });
  }
  return { routes, rules };
}

function systemdNetwork(context: ConfigureContext, withNetworks: boolean): ConfigTree {
  const netdevs: ConfigTree = {};
  const networks: ConfigTree = {};
  const devices = deviceInterfaces(context);
  const wrapped = context.options.nixosPeerShape === "wrapped";
  for (const { device, iface } of devices) {
    const exit = iface.exit;
    netdevs[`50-${device}`] = {
      netdevConfig: { Kind: "wireguard", Name: device },
      wireguardConfig: {
        FirewallMark: exit?.table,
        ListenPort: iface.listenPort,
        PrivateKeyFile: context.keys.privateKeyFile(),
        RouteTable: exit?.table,
      },
      wireguardPeers: iface.links.map((link) => wireguardPeer(context, iface.subnet, link)),
    };
    const { routes, rules } = networkdRouting(iface);
    if (!withNetworks && routes.length + rules.length > 0)
      context.warn(
        "unsupported-option",
        ["peers", context.peer.index, "subnets", iface.subnet],
        `networkd-dev-only writes no .network: give ${device} its ${exit ? "routing policy rules (see docs/beyond-the-original.md)" : `routes (${routes.map((r) => r.Destination).join(", ")})`} in your own`,
      );
    networks[`50-${device}`] = {
      address: iface.addresses.map(interfaceAddress),
      matchConfig: { Name: device },
      // NixOS before 24.11 wraps each entry, as it does wireguardPeers.
      routes:
        routes.length === 0
          ? undefined
          : wrapped
            ? routes.map((r) => ({ routeConfig: r }))
            : routes,
      routingPolicyRules:
        rules.length === 0
          ? undefined
          : wrapped
            ? rules.map((r) => ({ routingPolicyRuleConfig: r }))
            : rules,
    };
  }
  const network: ConfigTree = withNetworks ? { netdevs, networks } : { netdevs };
  const routing = nixosRoutingOptions(devices);
  return {
    boot: routing.boot,
    networking: {
      firewall: routing.firewall,
      hosts: hostsEntries(context.interfaces, context.network),
      nat: routing.nat,
    },
    systemd: { network },
  };
}

export const nixosNetworkdConfigurer = defineConfigurer({
  name: "networkd",
  description: "NixOS systemd.network netdevs and networks (systemd-networkd)",
  configure: (context) => systemdNetwork(context, true),
});

export const nixosNetworkdDevOnlyConfigurer = defineConfigurer({
  name: "networkd-dev-only",
  description: "NixOS systemd.network netdevs only, for people who write their own .network units",
  configure: (context) => systemdNetwork(context, false),
});
