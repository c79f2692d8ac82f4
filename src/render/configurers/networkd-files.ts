/**
 * `networkd-files`: `50-<dev>.netdev` and `50-<dev>.network` as systemd-networkd reads them from
 * /etc/systemd/network, plus the peer's `hosts` lines: the `networkd` configurer for machines
 * without NixOS. With `--inline-private-keys` the .netdev holds `PrivateKey=` and is secret.
 * A peer that forwards (a router, an exit node) also gets `sysctl.d/90-wirenix.conf`, and an
 * exit node `wirenix-nat.nft`: the same settings the NixOS configurers give through
 * `boot.kernel.sysctl` and `networking.nat`, in forms that need neither networkd's IPForward=
 * (deprecated since systemd 256) nor its IPMasquerade= (iptables only in Debian's systemd 252).
 * With access rules, each device's table for `nft -f` and a unit that loads it before networkd
 * creates the device.
 */

import type { Link, NetSubnet } from "../../network/model.js";
import { allowedIPTexts } from "../../network/routing.js";
import { type IniEntry, type IniSection, toIni, toIniPieces } from "../printers/ini.js";
import type { ConfigureContext } from "./configurer.js";
import { settingPath } from "./dns-mtu.js";
import {
  defineFileConfigurer,
  type FileSet,
  fileDeviceName,
  filePeerSection,
  inlinePrivateKeyEntry,
  piecedFile,
  presharedKeyOf,
} from "./files.js";
import { GENERATED_NOTICE, hostsFile } from "./hosts-file.js";
import { type DeviceInterface, deviceInterfaces } from "./interfaces.js";
import {
  deviceAccess,
  deviceTableName,
  nftTableFile,
  RULES_TABLE,
  rulesTable,
} from "./nft-rules.js";
import { networkdRouteTable, networkdRules } from "./nixos-networkd.js";
import { hostRouting } from "./nixos-routing.js";

function privateKeyEntry(context: ConfigureContext): IniEntry {
  const { peer } = context;
  if (context.options.inlinePrivateKeys !== true) {
    const path = ["peers", peer.index, "privateKeyFile"];
    return {
      key: "PrivateKeyFile",
      value: context.keys.privateKeyFile(),
      path,
    };
  }
  return inlinePrivateKeyEntry(context);
}

function peerSection(context: ConfigureContext, subnet: NetSubnet, link: Link): IniSection {
  const pskPath = ["subnets", subnet.index, "presharedKeyFile"];
  const psk = presharedKeyOf(context, subnet);
  const reader = { section: "WireGuardPeer", reader: "systemd-networkd" };
  return filePeerSection(context, subnet, link, reader, psk, () => [
    psk.file === undefined
      ? undefined
      : { key: "PresharedKeyFile", value: psk.file, path: pskPath },
    psk.inline,
    ...allowedIPTexts(link).map((value) => ({ key: "AllowedIPs", value })),
  ]);
}

function networkdFiles(context: ConfigureContext): FileSet {
  const inline = context.options.inlinePrivateKeys === true;
  const header = [GENERATED_NOTICE];
  const files: FileSet = {};
  const devices = deviceInterfaces(context);
  for (const { iface } of devices) {
    const device = fileDeviceName(context, iface.subnet);
    const netdev = toIniPieces(
      {
        header,
        sections: [
          {
            name: "NetDev",
            entries: [
              { key: "Name", value: device },
              { key: "Kind", value: "wireguard" },
              // Set when networkd creates the device, which it does for its own netdevs.
              iface.mtu === undefined
                ? undefined
                : { key: "MTUBytes", value: iface.mtu, path: settingPath(context, iface, "mtu") },
            ],
          },
          {
            name: "WireGuard",
            entries: [
              // Kept for a roaming peer too: these files are what NixOS's networkd module
              // renders from our NixOS output (checked in test/system/nixos-real.test.ts).
              { key: "ListenPort", value: iface.listenPort },
              privateKeyEntry(context),
              iface.exit === undefined
                ? undefined
                : { key: "FirewallMark", value: iface.exit.table },
              { key: "RouteTable", value: networkdRouteTable(iface) },
            ],
          },
          ...iface.links.map((link) => peerSection(context, iface.subnet, link)),
        ],
      },
      "systemd",
      context.run,
    );
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
                value: address.interfaceCidr,
              })),
              ...(iface.dns ?? []).map((value) => ({
                key: "DNS",
                value,
                path: settingPath(context, iface, "dns"),
              })),
            ],
          },
          ...networkdRules(iface).map((rule) => ({
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
    files[`50-${device}.netdev`] = piecedFile(netdev, inline);
    files[`50-${device}.network`] = { text: network, secret: false };
  }
  Object.assign(files, hostFiles(devices), rulesFiles(context, devices));
  files.hosts = hostsFile(context);
  return files;
}

/**
 * The host settings beside the interfaces. Forwarding as a sysctl.d file (systemd-sysctl
 * applies it at boot, `sysctl --system` now); masquerade as an nftables table of its own, the
 * rule wg-quick's exit node adds, so it works on a host without iptables.
 */
function hostFiles(devices: readonly DeviceInterface[]): FileSet {
  const { sysctl, masquerade } = hostRouting(devices);
  const files: FileSet = {};
  const settings: [string, number][] = Object.keys(sysctl).map((key) => [key, 1]);
  // What NixOS's nat module sets beside masquerading, so that an exit node is the same host
  // from both outputs: forwarding on interfaces made later too, and router advertisements still
  // accepted with IPv6 forwarding on (accept_ra = 2), so a host whose IPv6 route comes from
  // them keeps it.
  if (masquerade.length > 0)
    settings.push(
      ["net.ipv4.conf.default.forwarding", 1],
      ["net.ipv6.conf.default.forwarding", 1],
      ["net.ipv6.conf.all.accept_ra", 2],
      ["net.ipv6.conf.default.accept_ra", 2],
    );
  if (settings.length > 0)
    files["sysctl.d/90-wirenix.conf"] = {
      text: [
        `# ${GENERATED_NOTICE}`,
        "# For /etc/sysctl.d/ (applied at boot; now: sysctl --system).",
        ...settings.map(([key, value]) => `${key} = ${value}`),
        "",
      ].join("\n"),
      secret: false,
    };
  if (masquerade.length > 0)
    files["wirenix-nat.nft"] = {
      text: [
        `# ${GENERATED_NOTICE}`,
        "# Masquerades what the exit clients send elsewhere. Load with nft -f (again after a",
        "# change: the table is replaced), at boot from /etc/nftables.conf.",
        "table inet wirenix",
        "delete table inet wirenix",
        "table inet wirenix {",
        "\tchain nat {",
        "\t\ttype nat hook postrouting priority srcnat; policy accept;",
        ...masquerade.map((device) => `\t\tiifname "${device}" oifname != "${device}" masquerade`),
        "\t}",
        "}",
        "",
      ].join("\n"),
      secret: false,
    };
  return files;
}

/** Where the networkd-files docs install the rules tables; the units load them from there. */
export const RULES_DIR = "/etc/wirenix";

/**
 * With access rules, for each device: its table as a file for `nft -f`
 * (`wirenix-rules-<device>.nft`) and a systemd unit that loads it before systemd-networkd
 * creates the device (`wirenix-rules-<device>.service`), so the device never carries a packet
 * unfiltered. One of each per device: the files of several peers or networks on one host never
 * replace each other.
 */
function rulesFiles(context: ConfigureContext, devices: readonly DeviceInterface[]): FileSet {
  const files: FileSet = {};
  for (const one of deviceAccess(context, devices) ?? []) {
    const table = deviceTableName(RULES_TABLE, one.device);
    const file = `${RULES_TABLE}-${one.device}.nft`;
    files[file] = {
      text: [
        `# ${GENERATED_NOTICE}`,
        `# The ACL's access rules for WireGuard interface ${one.device}. Load with nft -f (again`,
        `# after a change: the table is replaced); at boot, ${RULES_TABLE}-${one.device}.service does.`,
        nftTableFile(table, rulesTable(one)),
        "",
      ].join("\n"),
      secret: false,
    };
    files[`${RULES_TABLE}-${one.device}.service`] = {
      text: toIni(
        {
          header: [
            GENERATED_NOTICE,
            `For /etc/systemd/system/, with ${file} in ${RULES_DIR}/; then:`,
            `systemctl enable --now ${RULES_TABLE}-${one.device}.service`,
          ],
          sections: [
            {
              name: "Unit",
              entries: [
                {
                  key: "Description",
                  value: `Wirenix access rules for WireGuard interface ${one.device}`,
                },
                // Early, as nftables.service: the table is in place before networkd makes the
                // device (rules match it by name, so it need not exist yet).
                { key: "DefaultDependencies", value: "no" },
                { key: "Wants", value: "network-pre.target" },
                {
                  key: "Before",
                  value: "network-pre.target systemd-networkd.service shutdown.target",
                },
                { key: "Conflicts", value: "shutdown.target" },
              ],
            },
            {
              name: "Service",
              entries: [
                { key: "Type", value: "oneshot" },
                { key: "RemainAfterExit", value: "yes" },
                { key: "ExecStart", value: `nft -f ${RULES_DIR}/${file}` },
                { key: "ExecStop", value: `nft delete table inet ${table}` },
              ],
            },
            { name: "Install", entries: [{ key: "WantedBy", value: "sysinit.target" }] },
          ],
        },
        "systemd",
      ),
      secret: false,
    };
  }
  return files;
}

export const networkdFilesConfigurer = defineFileConfigurer({
  name: "networkd-files",
  description: "systemd-networkd files 50-<dev>.netdev and 50-<dev>.network (any Linux) and hosts",
  files: networkdFiles,
});
