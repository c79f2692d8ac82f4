/**
 * `wg-quick`: one `<dev>.conf` per interface, as `wg-quick up ./<dev>.conf` reads it, plus the
 * peer's `hosts` lines. Keys stay in their files by default (`PostUp = wg set %i private-key
 * <file>`), so the .conf holds no secret; `--inline-private-keys` writes `PrivateKey =` instead
 * and the file becomes secret.
 */

import { diagnostic, InputError } from "../../core/diagnostics.js";
import { shellQuote } from "../../core/shell-quote.js";
import { interfaceForwarding } from "../../network/access.js";
import type { Link, NetInterface, NetSubnet } from "../../network/model.js";
import { hooksOf, type Platform, platformOf } from "../../network/platform.js";
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
import { deviceInterfaces, listenPortEntry } from "./interfaces.js";
import {
  type DeviceAccess,
  deviceAccess,
  deviceTableShell,
  rulesTable,
  wgQuickRulesHooks,
} from "./nft-rules.js";

/**
 * A key file as an argument of a PostUp command. PeerKeys has refused every path that is not
 * absolute or holds a character with a meaning to bash or wg-quick (`%`, quotes, `$`; see
 * `keyPathProblem`), so single quotes are enough.
 */
function keyFileArgument(file: string): string {
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
  const names = { section: "Peer", reader: "wg-quick" };
  return filePeerSection(context, subnet, link, names, { inline: inlinePsk }, () => [
    inlinePsk,
    {
      key: "AllowedIPs",
      value: allowedIPTexts(link).join(","),
      path: [...remotePath, "subnets", subnet.name, link.routes ? "routes" : "ipAddresses"],
    },
  ]);
}

/** The files of /proc/sys that switch IP forwarding on host-wide. */
const HOST_FORWARDING = {
  ipv4: "/proc/sys/net/ipv4/conf/all/forwarding",
  ipv6: "/proc/sys/net/ipv6/conf/all/forwarding",
} as const;

/** Where wg-quick hooks keep what they must undo: who holds forwarding on, and what was before. */
const FORWARDING_STATE = "/run/wirenix/forwarding";

/**
 * Host-wide forwarding of one family on while this interface is up, and back to what it was
 * when the last interface that turned it on goes down: the first one keeps the value it found
 * (`<family>.prior`), each holds it with a file of its own (`<family>@<device>`). IPv6
 * forwarding makes the kernel ignore router advertisements on interfaces with `accept_ra = 1`,
 * so those that had it get 2 (accept them anyway, as NixOS's nat module does) and 1 again after.
 *
 * Interfaces come up and go down at the same time (systemd starts every `wg-quick@` unit of a
 * host at once), so what they share changes hands only by `ln` and `mv`, which the file
 * system does whole: each reads the value into a file of its own and links it to
 * `<family>.prior` only if none is there (a value read after another interface switched
 * forwarding on loses that race, since the other linked first); the last one down takes the
 * prior value by renaming it, so only one gives it back. An interface holds forwarding (its
 * `@` file) before it looks for the prior value, so one going down meanwhile leaves it.
 */
function hostForwardingHooks(family: "ipv4" | "ipv6"): { up: IniEntry[]; down: IniEntry[] } {
  const on = HOST_FORWARDING[family];
  const state = `install -d -m 0700 ${FORWARDING_STATE} && cd ${FORWARDING_STATE}`;
  const up: IniEntry[] = [
    { key: "PostUp", value: `${state} && touch ${family}@%i` },
    {
      key: "PostUp",
      value: `cd ${FORWARDING_STATE} && { [ -e ${family}.prior ] || { cat ${on} > ${family}.prior.%i && { ln ${family}.prior.%i ${family}.prior 2>/dev/null || true; } && rm ${family}.prior.%i; }; }`,
    },
  ];
  const down: IniEntry[] = [];
  if (family === "ipv6") {
    up.push({
      key: "PostUp",
      value: `cd ${FORWARDING_STATE} && if [ "$(cat ipv6.prior)" = 0 ] && [ ! -e ipv6.ra ]; then touch ipv6.ra; for f in /proc/sys/net/ipv6/conf/*/accept_ra; do [ "$(cat "$f")" != 1 ] || { echo 2 > "$f" && echo "$f" >> ipv6.ra; }; done; fi`,
    });
  }
  up.push({ key: "PostUp", value: `echo 1 > ${on}` });
  down.push({
    key: "PostDown",
    value: `cd ${FORWARDING_STATE} 2>/dev/null || exit 0; rm -f ${family}@%i; if ! compgen -G '${family}@*' > /dev/null && mv ${family}.prior ${family}.restore.%i 2>/dev/null; then cat ${family}.restore.%i > ${on} && rm ${family}.restore.%i; fi`,
  });
  if (family === "ipv6")
    down.push({
      key: "PostDown",
      value: `cd ${FORWARDING_STATE} 2>/dev/null || exit 0; if [ ! -e ipv6.prior ] && mv ipv6.ra ipv6.ra.%i 2>/dev/null; then while read -r f; do echo 1 > "$f" 2>/dev/null || true; done < ipv6.ra.%i; rm ipv6.ra.%i; fi`,
    });
  return { up, down };
}

/**
 * Hooks of a peer that forwards for others (network/access.ts `interfaceForwarding` decides
 * what it needs): IPv4 forwarding only on this interface when everything it forwards stays on
 * it (a relaying hub), else host-wide; IPv6 forwarding, which Linux has only host-wide, only
 * when it forwards IPv6; everything host-wide undone on down where these hooks turned it on.
 * An exit node also masquerades what its clients send elsewhere, in an nftables table of its
 * own that goes away with the interface. wg-quick handles the exit client's side itself:
 * AllowedIPs 0.0.0.0/0 makes it add its policy routing.
 */
function forwardingHooks(iface: NetInterface): IniEntry[] {
  const need = interfaceForwarding(iface);
  const up: IniEntry[] = [];
  const down: IniEntry[] = [];
  if (need.ipv4 === "interface")
    up.push({ key: "PostUp", value: "echo 1 > /proc/sys/net/ipv4/conf/%i/forwarding" });
  for (const family of ["ipv4", "ipv6"] as const) {
    if (need[family] === undefined || (family === "ipv4" && need.ipv4 === "interface")) continue;
    const hooks = hostForwardingHooks(family);
    up.push(...hooks.up);
    down.push(...hooks.down);
  }
  if (iface.links.some((l) => l.exitClient)) {
    const table = `${deviceTableShell("wirenix")} && nft "add table inet $t; add chain inet $t nat { type nat hook postrouting priority 100; }; add rule inet $t nat iifname \\"%i\\" oifname != \\"%i\\" masquerade"`;
    up.push({ key: "PostUp", value: table });
    down.push({
      key: "PostDown",
      value: `${deviceTableShell("wirenix")} && nft delete table inet "$t"`,
    });
  }
  return [...up, ...down];
}

/**
 * With access rules: PreUp writes and loads the table of the device wg-quick creates
 * (`wirenix-rules-%i`; a left-over table of that name is replaced) before the interface exists,
 * so no packet arrives unfiltered; PostDown removes it.
 */
function rulesHooks(
  context: ConfigureContext,
  iface: NetInterface,
): { preUp: IniEntry[]; postDown: IniEntry[] } {
  const access = deviceAccess(context, [{ device: "%i", iface }], context.interfaces);
  if (!access) return { preUp: [], postDown: [] };
  const { preUp, postDown } = wgQuickRulesHooks(rulesTable(access[0] as DeviceAccess));
  return {
    preUp: preUp.map((value) => ({ key: "PreUp", value, path: ["rules"] })),
    postDown: postDown.map((value) => ({ key: "PostDown", value })),
  };
}

/**
 * A peer whose platform runs no hooks cannot forward for others (no sysctl, no masquerade):
 * said once per interface that would need it.
 */
function warnNoForwarding(context: ConfigureContext, iface: NetInterface, platform: Platform) {
  const need = interfaceForwarding(iface);
  if (need.ipv4 === undefined && need.ipv6 === undefined) return;
  context.warn(
    "unsupported-option",
    ["peers", context.peer.index, "platform"],
    `peer ${JSON.stringify(context.peer.name)} runs ${platform}, where a wg-quick file cannot turn on the forwarding (or masquerade) its routes or exit clients on subnet ${JSON.stringify(iface.subnet.name)} need; set them up on that machine yourself`,
  );
}

function wgQuickFiles(context: ConfigureContext): FileSet {
  const { keys, peer } = context;
  const inline = context.options.inlinePrivateKeys === true;
  const files: FileSet = {};
  const platform = platformOf(context.peer);
  for (const { iface } of deviceInterfaces(context)) {
    const device = fileDeviceName(context, iface.subnet);
    const hooks = hooksOf(platform);
    if (hooks === "none") {
      // An app runs no hooks and reads no key file: the app's shape, as `qr` makes it.
      warnNoForwarding(context, iface, platform);
      files[`${device}.conf`] = { text: phoneConfig(context, iface.subnet.name), secret: true };
      continue;
    }
    const entries: (IniEntry | undefined)[] = [
      {
        key: "Address",
        value: iface.addresses.map((a) => a.interfaceCidr).join(", "),
        path: ["peers", peer.index, "subnets", iface.subnet.name, "ipAddresses"],
      },
      listenPortEntry(context, iface),
      ...dnsMtuEntries(context, iface),
    ];
    const rules = hooks === "all" ? rulesHooks(context, iface) : { preUp: [], postDown: [] };
    entries.push(...rules.preUp);
    if (inline) entries.push(inlinePrivateKeyEntry(context));
    else {
      const path = ["peers", peer.index, "privateKeyFile"];
      entries.push({
        key: "PostUp",
        value: `wg set %i private-key ${keyFileArgument(keys.privateKeyFile())}`,
        path,
      });
    }
    const { inline: inlinePsk, file: psk } = presharedKeyOf(context, iface.subnet);
    if (psk !== undefined) {
      const path = ["subnets", iface.subnet.index, "presharedKeyFile"];
      const argument = keyFileArgument(psk);
      for (const link of iface.links)
        entries.push({
          key: "PostUp",
          value: `wg set %i peer ${keys.publicKeyOf(link.peer)} preshared-key ${argument}`,
          path,
        });
    }
    if (hooks === "all") entries.push(...forwardingHooks(iface));
    else warnNoForwarding(context, iface, platform);
    entries.push(...rules.postDown);
    const pieces = toIniPieces(
      {
        header: [GENERATED_NOTICE, "Bring up with: wg-quick up <path to this file>"],
        sections: [
          { name: "Interface", entries },
          ...iface.links.map((link) => peerSection(context, iface.subnet, link, inlinePsk)),
        ],
      },
      "wg-quick",
      context.run,
    );
    files[`${device}.conf`] = piecedFile(pieces, inline);
  }
  files.hosts = hostsFile(context);
  return files;
}

export const wgQuickConfigurer = defineFileConfigurer({
  name: "wg-quick",
  description: "wg-quick files <dev>.conf (any Linux; keys via PostUp or inline) and hosts",
  files: wgQuickFiles,
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
            listenPortEntry(context, iface),
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
