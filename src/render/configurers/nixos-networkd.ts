/**
 * `networkd` and `networkd-dev-only`: NixOS `systemd.network` netdevs (and, for `networkd`,
 * the matching networks that give the interface its addresses).
 */
import type { ConfigTree } from "../../core/config-tree.js";
import type { Link, NetInterface, NetSubnet } from "../../network/model.js";
import { allowedIPTexts } from "../../network/routing.js";
import { type ConfigureContext, defineConfigurer } from "./configurer.js";
import { warnDnsUnsupported } from "./dns-mtu.js";
import { warnUnsupportedRefresh } from "./endpoint-support.js";
import { deviceInterfaces } from "./interfaces.js";
import { nixosHostOptions } from "./nixos-host-options.js";
import { sharedPeerEntry } from "./peer-entries.js";

function wireguardPeer(context: ConfigureContext, subnet: NetSubnet, link: Link): ConfigTree {
  const { keys } = context;
  warnUnsupportedRefresh(context, subnet, link, "systemd-networkd");
  const publicKey = keys.publicKeyOf(link.peer);
  const presharedKeyFile = keys.presharedKeyFile(subnet);
  const wrapped = context.options.nixosPeerShape === "wrapped";
  return sharedPeerEntry(
    context.run,
    wrapped ? "networkd-wrapped" : "networkd",
    link,
    publicKey,
    presharedKeyFile,
    () => {
      // Keys in Nix order, so printing a million of these needs no sorting.
      const peer: ConfigTree = {
        AllowedIPs: allowedIPTexts(link),
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
 * The routing policy rules of an exit client's .network: RouteTable= puts every AllowedIPs
 * route in the exit table, and two rules send all traffic there except the tunnel's own, marked
 * with FirewallMark (the rules wg-quick adds, same priorities). None for other interfaces.
 */
export function networkdRules(iface: NetInterface): ConfigTree[] {
  if (iface.exit === undefined) return [];
  const { table } = iface.exit;
  return [
    { Table: "main", SuppressPrefixLength: 0, Family: "both", Priority: 32764 },
    { FirewallMark: table, InvertRule: true, Table: table, Family: "both", Priority: 32765 },
  ];
}

/**
 * The table networkd puts a route for every AllowedIPs entry in (`RouteTable=`, systemd 250 and
 * later). networkd, unlike wg-quick, routes no AllowedIPs without it, so a peer whose address
 * lies outside the interface's prefix, or a network it routes, would be unreachable
 * (intentional difference 10). An exit client's routes go to the exit table instead.
 */
export function networkdRouteTable(iface: NetInterface): number | "main" {
  return iface.exit?.table ?? "main";
}

function systemdNetwork(context: ConfigureContext, withNetworks: boolean): ConfigTree {
  const netdevs: ConfigTree = {};
  const networks: ConfigTree = {};
  const devices = deviceInterfaces(context);
  const wrapped = context.options.nixosPeerShape === "wrapped";
  for (const { device, iface } of devices) {
    netdevs[`50-${device}`] = {
      // NixOS checks MTUBytes as a string in systemd's byte format ("1380", "1K").
      netdevConfig: {
        Kind: "wireguard",
        MTUBytes: iface.mtu === undefined ? undefined : String(iface.mtu),
        Name: device,
      },
      wireguardConfig: {
        FirewallMark: iface.exit?.table,
        ListenPort: iface.listenPort,
        PrivateKeyFile: context.keys.privateKeyFile(),
        RouteTable: networkdRouteTable(iface),
      },
      wireguardPeers: iface.links.map((link) => wireguardPeer(context, iface.subnet, link)),
    };
    const rules = networkdRules(iface);
    if (!withNetworks && rules.length > 0)
      context.warn(
        "unsupported-option",
        ["peers", context.peer.index, "subnets", iface.subnet.name],
        `networkd-dev-only writes no .network: give ${device} its routing policy rules (see docs/beyond-the-original.md) in your own`,
      );
    if (!withNetworks)
      warnDnsUnsupported(
        context,
        iface,
        device,
        "networkd-dev-only",
        `set DNS= in your own .network for ${device} (systemd.network.networks.<name>.dns), or use the networkd configurer`,
      );
    networks[`50-${device}`] = {
      address: iface.addresses.map((a) => a.interfaceCidr),
      dns: iface.dns === undefined ? undefined : [...iface.dns],
      matchConfig: { Name: device },
      // NixOS before 24.11 wraps each entry, as it does wireguardPeers.
      routingPolicyRules:
        rules.length === 0
          ? undefined
          : wrapped
            ? rules.map((r) => ({ routingPolicyRuleConfig: r }))
            : rules,
    };
  }
  const network: ConfigTree = withNetworks ? { netdevs, networks } : { netdevs };
  return { ...nixosHostOptions(context, devices), systemd: { network } };
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
