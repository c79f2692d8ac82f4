/** `static`: NixOS `networking.wireguard.interfaces`, one per subnet of the peer. */
import { type ConfigTree, shareSubtree } from "../config-tree.js";
import { interfaceAddress } from "../network/addresses.js";
import type { Link } from "../network/model.js";
import { allowedIPs } from "../network/routing.js";
import { defineConfigurer } from "./configurer.js";
import { hostsEntries } from "./hosts.js";
import { deviceInterfaces } from "./interfaces.js";
import { exitRuleCommands, nixosRoutingOptions } from "./nixos-routing.js";

/** A peer entry and what it was made from. */
interface MadeEntry {
  link: Link;
  publicKey: string;
  presharedKeyFile: string | undefined;
  entry: ConfigTree;
}

/**
 * Entries made so far, by the remote's addresses on the subnet (an array of the network's own).
 * In a mesh every host links to a peer the same way, so all of them get the one entry object,
 * which printers print once.
 */
const madeEntries = new WeakMap<readonly string[], MadeEntry[]>();
/** Links to one remote membership come in a few variants at most (routes, endpoints by group). */
const VARIANTS_KEPT = 4;

function sameLink(a: Link, b: Link): boolean {
  if (a === b) return true;
  if (a.peer !== b.peer || a.endpoint !== b.endpoint || a.addresses !== b.addresses) return false;
  const x = a.routes ?? [];
  const y = b.routes ?? [];
  return x.length === y.length && x.every((route, i) => route === y[i]);
}

function peerEntry(link: Link, publicKey: string, presharedKeyFile: string | undefined) {
  let made = madeEntries.get(link.addresses);
  if (!made) {
    made = [];
    madeEntries.set(link.addresses, made);
  }
  for (const m of made)
    if (
      m.publicKey === publicKey &&
      m.presharedKeyFile === presharedKeyFile &&
      sameLink(m.link, link)
    )
      return m.entry;
  const { endpoint } = link;
  // Keys in Nix order, so printing a million of these needs no sorting.
  const entry = shareSubtree({
    allowedIPs: allowedIPs(link),
    dynamicEndpointRefreshRestartSeconds: endpoint.dynamicEndpointRefreshRestartSeconds,
    dynamicEndpointRefreshSeconds: endpoint.dynamicEndpointRefreshSeconds,
    endpoint: endpoint.address,
    name: link.peer,
    persistentKeepalive: endpoint.persistentKeepalive,
    presharedKeyFile,
    publicKey,
  });
  if (made.length < VARIANTS_KEPT) made.push({ link, publicKey, presharedKeyFile, entry });
  return entry;
}

export const nixosStaticConfigurer = defineConfigurer({
  name: "static",
  description: "NixOS networking.wireguard.interfaces (scripted networking)",
  configure(context) {
    const interfaces: ConfigTree = {};
    const { keys } = context;
    const devices = deviceInterfaces(context);
    for (const { device, iface } of devices) {
      const privateKeyFile = keys.privateKeyFile();
      const presharedKeyFile = keys.presharedKeyFile(iface.subnet);
      const exit = iface.exit;
      // Keys in Nix order, so printing needs no sorting. An exit node: every route of the
      // interface goes to its own table (`table`), which all traffic but the tunnel's own
      // (marked with `fwMark`) packets looks up, as wg-quick does.
      interfaces[device] = {
        fwMark: exit === undefined ? undefined : String(exit.table),
        ips: iface.addresses.map(interfaceAddress),
        listenPort: iface.listenPort,
        peers: iface.links.map((link) =>
          peerEntry(link, keys.publicKeyOf(link.peer), presharedKeyFile),
        ),
        postSetup: exit === undefined ? undefined : exitRuleCommands(exit.table, "add").join("\n"),
        postShutdown:
          exit === undefined
            ? undefined
            : exitRuleCommands(exit.table, "del")
                .map((c) => `${c} || true`)
                .join("\n"),
        privateKeyFile,
        table: exit === undefined ? undefined : String(exit.table),
      };
    }
    const routing = nixosRoutingOptions(devices);
    return {
      boot: routing.boot,
      networking: {
        firewall: routing.firewall,
        hosts: hostsEntries(context.interfaces, context.network),
        nat: routing.nat,
        wireguard: { interfaces },
      },
    };
  },
});
