/**
 * The network as plain data and as text, for `wirenix inspect`: what every question about the
 * ACL resolves to, with private keys left out.
 */

import type { ConfigTree } from "../core/config-tree.js";
import { compareNames } from "../core/order.js";
import { redactSecrets } from "../core/secrets.js";
import type { Address } from "./address.js";
import type {
  Link,
  NetEndpoint,
  NetInterface,
  NetPeer,
  Network,
  ResolvedEndpoint,
} from "./model.js";

// Every object below is built with its keys in Nix order: the JSON printer then hands whole
// subtrees to JSON.stringify (see render/printers/json.ts), which matters at a million links.

function endpointData(e: ResolvedEndpoint): ConfigTree {
  return {
    address: e.address,
    dynamicEndpointRefreshRestartSeconds: e.dynamicEndpointRefreshRestartSeconds,
    dynamicEndpointRefreshSeconds: e.dynamicEndpointRefreshSeconds,
    ip: e.ip,
    persistentKeepalive: e.persistentKeepalive,
    port: e.port,
    sources: [...e.sources],
  };
}

const plain = (value: unknown) => value as ConfigTree;
/** Free-form extraArgs, with any key a user put there described, not shown. */
const extra = (value: unknown) => redactSecrets(value) as ConfigTree;
const endpoints = (list: readonly NetEndpoint[]) => list.map((e) => plain(e));
const texts = (list: readonly Address[]) => list.map((a) => a.text);

function linkData(link: Link): ConfigTree {
  return {
    addresses: texts(link.addresses),
    connections: [...link.connections],
    endpoint: endpointData(link.endpoint),
    exitClient: link.exitClient,
    exitNode: link.exitNode,
    extraArgs: extra(link.extraArgs),
    noHandshake: link.noHandshake,
    relayed: link.relayed ? linksData(link.relayed) : undefined,
    routes: link.routes ? texts(link.routes) : undefined,
  };
}

function linksData(links: readonly Link[]): ConfigTree {
  const out: ConfigTree = {};
  for (const link of links) out[link.peer.name] = linkData(link);
  return out;
}

function interfaceData(iface: NetInterface): ConfigTree {
  return {
    addresses: texts(iface.addresses),
    dns: iface.dns ? [...iface.dns] : undefined,
    exit: iface.exit ? { peer: iface.exit.peer.name, table: iface.exit.table } : undefined,
    extraArgs: extra(iface.extraArgs),
    links: linksData(iface.links),
    listenPort: iface.listenPort,
    mtu: iface.mtu,
    openFirewall: iface.openFirewall,
    relays: iface.relays,
    routes: iface.routes ? texts(iface.routes) : undefined,
  };
}

/** One peer as plain data: its own settings and every interface with its links. */
function peerData(network: Network, peer: NetPeer): ConfigTree {
  const interfaces: ConfigTree = {};
  for (const iface of network.interfaces(peer.name))
    interfaces[iface.subnet.name] = interfaceData(iface);
  return {
    endpoints: endpoints(peer.endpoints),
    extraArgs: extra(peer.extraArgs),
    groups: [...peer.groups],
    interfaces,
    privateKeyFile: peer.privateKeyFile,
    publicKey: peer.publicKey,
    roaming: peer.roaming,
  };
}

/** The peers `only` names (all without it), in ACL order. */
function chosen(network: Network, only?: readonly string[]): readonly NetPeer[] {
  if (!only) return network.peers;
  const wanted = new Set(only);
  return network.peers.filter((p) => wanted.has(p.name));
}

/**
 * The network as plain data in two parts, for printing a peer at a time: everything but the peers, and the
 * peers in name order (the order the JSON printer puts keys in), each made only when asked.
 * Only one peer's links are then ever held at once.
 */
export function networkJsonParts(
  network: Network,
  only?: readonly string[],
): { rest: ConfigTree; peers: (() => readonly [string, ConfigTree])[] } {
  const peers = [...chosen(network, only)].sort((x, y) => compareNames(x.name, y.name));
  return {
    rest: networkDataWithoutPeers(network),
    peers: peers.map((peer) => () => [peer.name, peerData(network, peer)] as const),
  };
}

/** Everything of `networkData` but its peers. */
function networkDataWithoutPeers(network: Network): ConfigTree {
  const subnets: ConfigTree = {};
  for (const s of network.subnets)
    subnets[s.name] = {
      members: [...s.members],
      endpoints: endpoints(s.endpoints),
      presharedKeyFile: s.presharedKeyFile,
      extraArgs: extra(s.extraArgs),
      openFirewall: s.openFirewall,
      dns: s.dns ? [...s.dns] : undefined,
      mtu: s.mtu,
      relay: s.relay,
    };
  const groups: ConfigTree = {};
  for (const g of network.groups)
    groups[g.name] = {
      members: [...g.members],
      endpoints: endpoints(g.endpoints),
      extraArgs: extra(g.extraArgs),
    };
  return {
    version: network.version,
    extraArgs: extra(network.extraArgs),
    subnets,
    groups,
    connections: network.connections.map((c) =>
      plain({ a: c.a, b: c.b, subnets: c.subnets, extraArgs: extra(c.extraArgs) }),
    ),
  };
}

/** A readable summary: every peer, its interfaces, and whom each links to through what. */
export function networkText(network: Network, only?: readonly string[]): string {
  return [...networkTextChunks(network, only)].join("");
}

/** `networkText` a peer at a time, so that no network is ever one string in memory. */
export function* networkTextChunks(network: Network, only?: readonly string[]): Generator<string> {
  yield `ACL ${network.version}: ${count(network.subnets.length, "subnet")}, ${count(network.groups.length, "group")}, ${count(network.peers.length, "peer")}, ${count(network.connections.length, "connection")}`;
  for (const peer of chosen(network, only)) {
    const groups = peer.groups.length ? ` (groups: ${peer.groups.join(", ")})` : "";
    const lines = ["", "", `peer ${peer.name}${groups}${peer.roaming ? " roaming" : ""}`];
    const interfaces = network.interfaces(peer.name);
    if (interfaces.length === 0) lines.push("  no subnets");
    for (const iface of interfaces) {
      lines.push(
        `  subnet ${iface.subnet.name}: port ${iface.listenPort}, addresses ${texts(iface.addresses).join(", ")}`,
      );
      if (iface.routes) lines.push(`    routes ${texts(iface.routes).join(", ")} for the others`);
      if (iface.relays) lines.push("    relay of the subnet: forwards between its linked peers");
      if (iface.exit)
        lines.push(`    all traffic through ${iface.exit.peer.name} (table ${iface.exit.table})`);
      if (iface.links.length === 0) lines.push("    links to no one");
      for (const link of iface.links) {
        const e = link.endpoint;
        const dial = e.address
          ? `dials ${e.address}`
          : link.noHandshake
            ? "no endpoint on either side (no handshake possible)"
            : "no endpoint (waits for the other side)";
        const via = link.connections.map((c) => `connections[${c}]`).join(", ");
        const routes = link.routes ? ` routes ${texts(link.routes).join(", ")};` : "";
        const exit = link.exitClient ? " exit node for it;" : "";
        lines.push(
          `    -> ${link.peer.name} [${texts(link.addresses).join(", ")}] ${dial};${routes}${exit} via ${via}`,
        );
        for (const r of link.relayed ?? [])
          lines.push(
            `       relays to ${r.peer.name} [${texts(r.addresses).join(", ")}] (no handshake possible directly) via ${r.connections.map((c) => `connections[${c}]`).join(", ")}`,
          );
      }
    }
    yield lines.join("\n");
  }
  yield "\n";
}

/** "1 subnet", "2 subnets". */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
