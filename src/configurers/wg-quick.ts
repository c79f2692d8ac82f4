/**
 * `wg-quick`: one `<dev>.conf` per interface, as `wg-quick up ./<dev>.conf` reads it, plus the
 * peer's `hosts` lines. Keys stay in their files by default (`PostUp = wg set %i private-key
 * <file>`), so the .conf holds no secret; `--inline-private-keys` writes `PrivateKey =` instead
 * and the file becomes secret.
 */
import { diagnostic, InputError, type PathSegment } from "../diagnostics.js";
import { type IniEntry, type IniSection, toIni } from "../emit/ini.js";
import type { Link, NetInterface, NetSubnet } from "../network/model.js";
import { allowedIPTexts, interfaceForwards } from "../network/routing.js";
import type { ConfigureContext } from "./configurer.js";
import { settingPath } from "./dns-mtu.js";
import {
  absoluteKeyFile,
  defineFileConfigurer,
  type FileSet,
  fileDeviceName,
  filePeerSection,
  inlinePrivateKeyEntry,
  presharedKeyOf,
} from "./files.js";
import { GENERATED_NOTICE, hostsFile } from "./hosts-file.js";
import { deviceInterfaces } from "./interfaces.js";
import { deviceAccess, nftTableCommand, RULES_TABLE, rulesChains } from "./nft-rules.js";

/** A POSIX shell word: wg-quick runs PostUp through bash. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A key file as an argument of a PostUp command, or why it cannot be one. */
function keyFileArgument(file: string, path: readonly PathSegment[]): string {
  absoluteKeyFile(file, path);
  // wg-quick replaces every %i in a hook with the interface name, quoted or not.
  if (file.includes("%i"))
    throw new InputError([
      diagnostic(
        "error",
        "invalid-value",
        path,
        `key file ${JSON.stringify(file)} contains "%i", which wg-quick replaces with the interface name`,
      ),
    ]);
  return shellQuote(file);
}

/**
 * `DNS =` and `MTU =`, which wg-quick applies itself (resolvconf, `ip link set mtu`) and the
 * phone apps read too. None when the interface has neither.
 */
function dnsMtuEntries(context: ConfigureContext, iface: NetInterface): (IniEntry | undefined)[] {
  return [
    iface.dns === undefined
      ? undefined
      : { key: "DNS", value: iface.dns.join(", "), path: settingPath(context, iface, "dns") },
    iface.mtu === undefined
      ? undefined
      : { key: "MTU", value: iface.mtu, path: settingPath(context, iface, "mtu") },
  ];
}

/** A peer section; an inlined preshared key follows the public key, as `wg showconf` writes it. */
function peerSection(
  context: ConfigureContext,
  subnet: NetSubnet,
  link: Link,
  inlinePsk: IniEntry | undefined,
): IniSection {
  const remotePath = ["peers", link.peer.index] as const;
  return filePeerSection(context, subnet, link, { section: "Peer", reader: "wg-quick" }, [
    inlinePsk,
    {
      key: "AllowedIPs",
      value: allowedIPTexts(link).join(","),
      path: [...remotePath, "subnets", subnet.name, link.routes ? "routes" : "ipAddresses"],
    },
  ]);
}

/**
 * Hooks of a peer that routes for others: forwarding on (a router for its `routes`, an exit
 * node for its clients, a relay for the pairs it carries) and, on an exit node, masquerade of what its clients send elsewhere, in
 * an nftables table of its own that goes away with the interface. wg-quick handles the exit
 * client's side itself: AllowedIPs 0.0.0.0/0 makes it add its policy routing.
 */
function forwardingHooks(iface: NetInterface): IniEntry[] {
  const exitFor = iface.links.some((l) => l.exitClient);
  if (!interfaceForwards(iface)) return [];
  const hooks: IniEntry[] = [
    {
      key: "PostUp",
      value: "sysctl -q -w net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1",
    },
  ];
  if (exitFor) {
    hooks.push({
      key: "PostUp",
      value:
        'nft \'add table inet wirenix-%i; add chain inet wirenix-%i nat { type nat hook postrouting priority 100; }; add rule inet wirenix-%i nat iifname "%i" oifname != "%i" masquerade\'',
    });
    hooks.push({ key: "PostDown", value: "nft delete table inet wirenix-%i" });
  }
  return hooks;
}

/**
 * With access rules: PostUp loads this interface's table (`wirenix-rules-<device>`, replaced if
 * it is left over), PostDown removes it.
 */
function rulesHooks(context: ConfigureContext, device: string, iface: NetInterface): IniEntry[] {
  const access = deviceAccess(context, [{ device, iface }], context.interfaces);
  if (!access) return [];
  const table = `${RULES_TABLE}-${device}`;
  return [
    {
      key: "PostUp",
      value: `nft ${shellQuote(nftTableCommand(table, rulesChains(access)))}`,
      path: ["rules"],
    },
    { key: "PostDown", value: `nft delete table inet ${table}` },
  ];
}

function wgQuickFiles(context: ConfigureContext): FileSet {
  const { keys, peer } = context;
  const inline = context.options.inlinePrivateKeys === true;
  const files: FileSet = {};
  for (const { iface } of deviceInterfaces(context)) {
    const device = fileDeviceName(context, iface.subnet);
    const entries: (IniEntry | undefined)[] = [
      {
        key: "Address",
        value: iface.addresses.map((a) => a.interfaceCidr).join(", "),
        path: ["peers", peer.index, "subnets", iface.subnet.name, "ipAddresses"],
      },
      { key: "ListenPort", value: iface.listenPort },
      ...dnsMtuEntries(context, iface),
    ];
    if (inline) entries.push(inlinePrivateKeyEntry(context));
    else {
      const path = ["peers", peer.index, "privateKeyFile"];
      entries.push({
        key: "PostUp",
        value: `wg set %i private-key ${keyFileArgument(keys.privateKeyFile(), path)}`,
        path,
      });
    }
    const { inline: inlinePsk, file: psk } = presharedKeyOf(context, iface.subnet);
    if (psk !== undefined) {
      const path = ["subnets", iface.subnet.index, "presharedKeyFile"];
      const argument = keyFileArgument(psk, path);
      for (const link of iface.links)
        entries.push({
          key: "PostUp",
          value: `wg set %i peer ${keys.publicKeyOf(link.peer)} preshared-key ${argument}`,
          path,
        });
    }
    entries.push(...forwardingHooks(iface), ...rulesHooks(context, device, iface));
    const text = toIni(
      {
        header: [GENERATED_NOTICE, "Bring up with: wg-quick up <path to this file>"],
        sections: [
          { name: "Interface", entries },
          ...iface.links.map((link) => peerSection(context, iface.subnet, link, inlinePsk)),
        ],
      },
      "wg-quick",
    );
    files[`${device}.conf`] = { text, secret: inline };
  }
  files.hosts = hostsFile(context);
  return files;
}

export const wgQuickConfigurer = defineFileConfigurer({
  name: "wg-quick",
  description: "wg-quick files <dev>.conf (any Linux; keys via PostUp or inline) and hosts",
  files: wgQuickFiles,
  // A .conf names the private key file (or holds the key); wg-quick warns about any other mode.
  isPrivateFile: (path) => path.endsWith(".conf"),
  interfaceFile: (device) => `${device}.conf`,
});

/**
 * The wg-quick configuration of the peer's interface on `subnet` as a WireGuard phone app
 * imports it (`wirenix qr`): keys inline, since the app has no key files, and no hooks, which
 * apps do not run. The keys come from the key providers (`privateKey` overrides the private
 * one); everything else is what the `wg-quick` configurer writes.
 */
export function phoneConfig(
  context: ConfigureContext,
  subnet: string,
  privateKey: string = context.keys.privateKey(),
): string {
  const { peer } = context;
  const found = deviceInterfaces(context).find((d) => d.iface.subnet.name === subnet);
  if (!found)
    throw new InputError([
      diagnostic(
        "error",
        "invalid-value",
        ["peers", peer.index, "subnets"],
        `peer ${JSON.stringify(peer.name)} has no interface on subnet ${JSON.stringify(subnet)}`,
      ),
    ]);
  const { iface } = found;
  // A phone has no key files: the preshared key is inlined, or the configuration fails.
  const presharedKey = context.keys.presharedKey(iface.subnet);
  const psk: IniEntry | undefined =
    presharedKey === undefined
      ? undefined
      : {
          key: "PresharedKey",
          value: presharedKey,
          path: ["subnets", iface.subnet.index, "presharedKeyFile"],
          secret: true,
        };
  return toIni(
    {
      header: [GENERATED_NOTICE],
      sections: [
        {
          name: "Interface",
          entries: [
            {
              key: "Address",
              value: iface.addresses.map((a) => a.interfaceCidr).join(", "),
              path: ["peers", peer.index, "subnets", subnet, "ipAddresses"],
            },
            { key: "ListenPort", value: iface.listenPort },
            ...dnsMtuEntries(context, iface),
            { key: "PrivateKey", value: privateKey, path: ["peers", peer.index], secret: true },
          ],
        },
        ...iface.links.map((link) => peerSection(context, iface.subnet, link, psk)),
      ],
    },
    "wg-quick",
  );
}
