/**
 * `networkd` and `networkd-dev-only`: NixOS `systemd.network` netdevs (and, for `networkd`,
 * the matching networks that give the interface its addresses).
 */
import type { ConfigTree } from "../config-tree.js";
import { allowedIP, interfaceAddress } from "../network/addresses.js";
import type { Link } from "../network/model.js";
import { type ConfigureContext, defineConfigurer } from "./configurer.js";
import { hostsEntries } from "./hosts.js";
import { deviceInterfaces } from "./interfaces.js";

const UNSUPPORTED = [
  "dynamicEndpointRefreshSeconds",
  "dynamicEndpointRefreshRestartSeconds",
] as const;

function wireguardPeer(context: ConfigureContext, subnet: string, link: Link): ConfigTree {
  const { keys } = context;
  for (const field of UNSUPPORTED)
    if (link.endpoint[field] !== undefined)
      context.warn(
        "unsupported-option",
        ["peers", context.peer.index],
        `${field} is not supported by systemd-networkd and is ignored (endpoint of ${link.peer} on ${subnet}, from ${link.endpoint.sources.join(", ")})`,
      );
  const publicKey = keys.publicKeyOf(link.peer);
  const presharedKeyFile = keys.presharedKeyFile(subnet);
  // Keys in Nix order, so printing a million of these needs no sorting.
  const peer: ConfigTree = {
    AllowedIPs: link.addresses.map(allowedIP),
    Endpoint: link.endpoint.address,
    PersistentKeepalive: link.endpoint.persistentKeepalive,
    PresharedKeyFile: presharedKeyFile,
    PublicKey: publicKey,
  };
  return context.options.nixosPeerShape === "wrapped" ? { wireguardPeerConfig: peer } : peer;
}

function systemdNetwork(context: ConfigureContext, withNetworks: boolean): ConfigTree {
  const netdevs: ConfigTree = {};
  const networks: ConfigTree = {};
  for (const { device, iface } of deviceInterfaces(context)) {
    netdevs[`50-${device}`] = {
      netdevConfig: { Kind: "wireguard", Name: device },
      wireguardConfig: {
        ListenPort: iface.listenPort,
        PrivateKeyFile: context.keys.privateKeyFile(),
      },
      wireguardPeers: iface.links.map((link) => wireguardPeer(context, iface.subnet, link)),
    };
    networks[`50-${device}`] = {
      matchConfig: { Name: device },
      address: iface.addresses.map(interfaceAddress),
    };
  }
  const network: ConfigTree = withNetworks ? { netdevs, networks } : { netdevs };
  return {
    networking: { hosts: hostsEntries(context.interfaces, context.network) },
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
