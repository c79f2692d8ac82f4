/**
 * The network as plain data and as text, for `wirenix inspect`: what every question about the
 * ACL resolves to, with private keys left out.
 */

import type { ConfigTree } from "../core/config-tree.js";
import { redactSecrets } from "../core/secrets.js";
import type { Address } from "./address.js";
import type { Link, NetEndpoint, NetInterface, Network, ResolvedEndpoint } from "./model.js";

function endpointData(e: ResolvedEndpoint): ConfigTree {
  return {
    address: e.address,
    ip: e.ip,
    port: e.port,
    persistentKeepalive: e.persistentKeepalive,
    dynamicEndpointRefreshSeconds: e.dynamicEndpointRefreshSeconds,
    dynamicEndpointRefreshRestartSeconds: e.dynamicEndpointRefreshRestartSeconds,
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
    endpoint: endpointData(link.endpoint),
    connections: [...link.connections],
    extraArgs: extra(link.extraArgs),
    routes: link.routes ? texts(link.routes) : undefined,
    exitNode: link.exitNode,
    exitClient: link.exitClient,
    noHandshake: link.noHandshake,
    relayed: link.relayed ? linksData(link.relayed) : undefined,
  };
}

function linksData(links: readonly Link[]): ConfigTree {
  const out: ConfigTree = {};
  for (const link of links) out[link.peer.name] = linkData(link);
  return out;
}

function interfaceData(iface: NetInterface): ConfigTree {
  return {
    listenPort: iface.listenPort,
    addresses: texts(iface.addresses),
    extraArgs: extra(iface.extraArgs),
    routes: iface.routes ? texts(iface.routes) : undefined,
    relays: iface.relays,
    exit: iface.exit ? { peer: iface.exit.peer.name, table: iface.exit.table } : undefined,
    openFirewall: iface.openFirewall,
    dns: iface.dns ? [...iface.dns] : undefined,
    mtu: iface.mtu,
    links: linksData(iface.links),
  };
}

/** The whole network (or only the named peers' part of it) as plain data. */
export function networkData(network: Network, only?: readonly string[]): ConfigTree {
  const wanted = only ? new Set(only) : undefined;
  const peers: ConfigTree = {};
  for (const peer of network.peers) {
    if (wanted && !wanted.has(peer.name)) continue;
    const interfaces: ConfigTree = {};
    for (const iface of network.interfaces(peer.name))
      interfaces[iface.subnet.name] = interfaceData(iface);
    peers[peer.name] = {
      publicKey: peer.publicKey,
      privateKeyFile: peer.privateKeyFile,
      groups: [...peer.groups],
      endpoints: endpoints(peer.endpoints),
      extraArgs: extra(peer.extraArgs),
      roaming: peer.roaming,
      interfaces,
    };
  }
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
    peers,
  };
}

/** A readable summary: every peer, its interfaces, and whom each links to through what. */
export function networkText(network: Network, only?: readonly string[]): string {
  const lines = [
    `ACL ${network.version}: ${count(network.subnets.length, "subnet")}, ${count(network.groups.length, "group")}, ${count(network.peers.length, "peer")}, ${count(network.connections.length, "connection")}`,
  ];
  const wanted = only ? new Set(only) : undefined;
  for (const peer of network.peers) {
    if (wanted && !wanted.has(peer.name)) continue;
    const groups = peer.groups.length ? ` (groups: ${peer.groups.join(", ")})` : "";
    lines.push("", `peer ${peer.name}${groups}${peer.roaming ? " roaming" : ""}`);
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
  }
  return `${lines.join("\n")}\n`;
}

/** "1 subnet", "2 subnets". */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
