/**
 * `networkd-files`: `50-<dev>.netdev` and `50-<dev>.network` as systemd-networkd reads them from
 * /etc/systemd/network, plus the peer's `hosts` lines: the `networkd` configurer for machines
 * without NixOS. With `--inline-private-keys` the .netdev holds `PrivateKey=` and is secret.
 */
import { type IniEntry, type IniSection, toIni } from "../emit/ini.js";
import { interfaceAddress } from "../network/addresses.js";
import type { Link } from "../network/model.js";
import { allowedIPs } from "../network/routing.js";
import type { ConfigureContext } from "./configurer.js";
import { warnUnsupportedRefresh } from "./endpoint-support.js";
import {
  absoluteKeyFile,
  defineFileConfigurer,
  type FileSet,
  fileDeviceName,
  inlinePrivateKeyEntry,
} from "./files.js";
import { GENERATED_NOTICE, hostsFile } from "./hosts-file.js";
import { deviceInterfaces } from "./interfaces.js";
import { networkdRouting } from "./nixos-networkd.js";

function privateKeyEntry(context: ConfigureContext): IniEntry {
  const { peer } = context;
  if (context.options.inlinePrivateKeys !== true) {
    const path = ["peers", peer.index, "privateKeyFile"];
    return {
      key: "PrivateKeyFile",
      value: absoluteKeyFile(context.keys.privateKeyFile(), path),
      path,
    };
  }
  return inlinePrivateKeyEntry(context);
}

function peerSection(context: ConfigureContext, subnet: string, link: Link): IniSection {
  const remote = context.network.peer(link.peer);
  const remotePath = ["peers", remote?.index ?? 0] as const;
  warnUnsupportedRefresh(context, subnet, link, "systemd-networkd");
  const pskPath = ["subnets", context.network.subnet(subnet)?.index ?? 0, "presharedKeyFile"];
  const pskFile = context.keys.presharedKeyFile(subnet);
  const psk = pskFile === undefined ? undefined : absoluteKeyFile(pskFile, pskPath);
  const { endpoint } = link;
  return {
    name: "WireGuardPeer",
    comments: [{ text: link.peer, path: [...remotePath, "name"] }],
    entries: [
      { key: "PublicKey", value: context.keys.publicKeyOf(link.peer) },
      psk === undefined ? undefined : { key: "PresharedKeyFile", value: psk, path: pskPath },
      ...allowedIPs(link).map((value) => ({ key: "AllowedIPs", value })),
      endpoint.address === undefined
        ? undefined
        : { key: "Endpoint", value: endpoint.address, path: [...remotePath, "endpoints"] },
      endpoint.persistentKeepalive === undefined
        ? undefined
        : { key: "PersistentKeepalive", value: endpoint.persistentKeepalive },
    ],
  };
}

function networkdFiles(context: ConfigureContext): FileSet {
  const inline = context.options.inlinePrivateKeys === true;
  const header = [GENERATED_NOTICE];
  const files: FileSet = {};
  for (const { iface } of deviceInterfaces(context)) {
    const device = fileDeviceName(context, iface.subnet);
    const netdev = toIni(
      {
        header,
        sections: [
          {
            name: "NetDev",
            entries: [
              { key: "Name", value: device },
              { key: "Kind", value: "wireguard" },
            ],
          },
          {
            name: "WireGuard",
            entries: [
              { key: "ListenPort", value: iface.listenPort },
              privateKeyEntry(context),
              iface.exit === undefined
                ? undefined
                : { key: "FirewallMark", value: iface.exit.table },
              iface.exit === undefined ? undefined : { key: "RouteTable", value: iface.exit.table },
            ],
          },
          ...iface.links.map((link) => peerSection(context, iface.subnet, link)),
        ],
      },
      "systemd",
    );
    const { routes, rules } = networkdRouting(iface);
    const network = toIni(
      {
        header,
        sections: [
          { name: "Match", entries: [{ key: "Name", value: device }] },
          {
            name: "Network",
            entries: [
              ...iface.addresses.map((address) => ({
                key: "Address",
                value: interfaceAddress(address),
              })),
              // An exit node masquerades its clients' traffic (which implies forwarding); a
              // router forwards to the networks it routes.
              iface.links.some((l) => l.exitClient)
                ? { key: "IPMasquerade", value: "both" }
                : (iface.routes?.length ?? 0) > 0
                  ? { key: "IPForward", value: "yes" }
                  : undefined,
            ],
          },
          ...routes.map((route) => ({
            name: "Route",
            entries: Object.entries(route).map(([key, value]) => ({ key, value: String(value) })),
          })),
          ...rules.map((rule) => ({
            name: "RoutingPolicyRule",
            entries: Object.entries(rule).map(([key, value]) => ({
              key,
              value: value === true ? "yes" : String(value),
            })),
          })),
        ],
      },
      "systemd",
    );
    files[`50-${device}.netdev`] = { text: netdev, secret: inline };
    files[`50-${device}.network`] = { text: network, secret: false };
  }
  files.hosts = hostsFile(context);
  return files;
}

export const networkdFilesConfigurer = defineFileConfigurer({
  name: "networkd-files",
  description: "systemd-networkd files 50-<dev>.netdev and 50-<dev>.network (any Linux) and hosts",
  files: networkdFiles,
  // A .netdev names the private and preshared key files (or holds the keys).
  isPrivateFile: (path) => path.endsWith(".netdev"),
});
