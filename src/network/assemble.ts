/**
 * Assembles a `Network` from the objects a parser decided (peers with their memberships and
 * addresses, subnets, groups, connections, rules): indexes them and sets up the resolvers that
 * decide links and endpoints on demand. Version-independent: each parser (parsers/v1/) turns its
 * ACL into these parts.
 */
import type { Diagnostic } from "../core/diagnostics.js";
import { compareNames } from "../core/order.js";
import { EndpointResolver } from "./endpoints.js";
import { LinkResolver } from "./links.js";
import type { Membership, NetInterface, NetPeer, Network } from "./model.js";
import { PeerSelector } from "./select.js";

/** `target` with the defined values of `extra` added (an absent key stays absent). */
export function withOptional<T extends object>(target: T, extra: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extra))
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target;
}

/** A list, or undefined when it is empty: an empty `dns` writes nothing, like an absent one. */
export function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list === undefined || list.length === 0 ? undefined : list;
}

/** What a parser decides from its ACL; `assembleNetwork` adds the indexes and the resolvers. */
export interface NetworkParts
  extends Pick<
    Network,
    | "version"
    | "extraArgs"
    | "subnets"
    | "groups"
    | "peers"
    | "connections"
    | "rules"
    | "namedNetworks"
    | "rulesAction"
  > {
  /** See `Network.missingKeys`; given the assembled network, which it may read. */
  missingKeys?(network: Network, peer: string, interfaces?: readonly NetInterface[]): Diagnostic[];
}

export function assembleNetwork(parts: NetworkParts): Network {
  const { subnets, groups, peers, connections } = parts;
  const peerIndex = new Map(peers.map((p) => [p.name, p.index]));
  const subnetByName = new Map(subnets.map((s) => [s.name, s]));
  const groupByName = new Map(groups.map((g) => [g.name, g]));
  const membership = new Map<string, (Membership | undefined)[]>();
  for (const s of subnets) membership.set(s.name, new Array(peers.length));
  for (const p of peers)
    for (const m of p.memberships) (membership.get(m.subnet) ?? [])[p.index] = m;

  const selector = new PeerSelector(
    peers.map((p) => ({
      name: p.name,
      groups: p.groups,
      subnets: p.memberships.map((m) => m.subnet),
    })),
  );
  const byName = peers
    .map((p) => p.index)
    .sort((x, y) => compareNames(peers[x]?.name ?? "", peers[y]?.name ?? ""));
  const rank = new Int32Array(peers.length);
  byName.forEach((index, position) => {
    rank[index] = position;
  });
  const endpoints = new EndpointResolver(selector, subnets, groups, peers);
  const relays = new Map<string, number>();
  for (const s of subnets) {
    const relay = s.relay === undefined ? undefined : peerIndex.get(s.relay);
    if (relay !== undefined) relays.set(s.name, relay);
  }
  const links = new LinkResolver(peers, connections, selector, endpoints, rank, membership, relays);

  const interfaceOf = (peer: NetPeer, m: Membership): NetInterface | undefined => {
    // A membership of a subnet the ACL does not declare (its `subnets` missing: see parsers/v1/needs.ts)
    // has no interface.
    const subnet = subnetByName.get(m.subnet);
    if (!subnet) return undefined;
    const linked = links.links(m.subnet, peer.index);
    const exitPeer = linked.find((l) => l.peer.name === m.exitNode)?.peer;
    const exit = exitPeer ? { peer: exitPeer, table: m.listenPort } : undefined;
    return withOptional<NetInterface>(
      {
        subnet,
        listenPort: m.listenPort,
        addresses: m.addresses,
        links: linked,
      },
      {
        extraArgs: m.extraArgs,
        routes: m.routes,
        relays: subnet.relay === peer.name ? true : undefined,
        exit,
        openFirewall: m.openFirewall ?? subnet.openFirewall,
        dns: nonEmpty(m.dns ?? subnet.dns),
        mtu: m.mtu ?? subnet.mtu,
      },
    );
  };

  const network: Network = {
    version: parts.version,
    subnets,
    groups,
    peers,
    connections,
    peer: (name) => {
      const index = peerIndex.get(name);
      return index === undefined ? undefined : peers[index];
    },
    subnet: (name) => subnetByName.get(name),
    group: (name) => groupByName.get(name),
    interfaces: (name) => {
      const peer = network.peer(name);
      return peer ? peer.memberships.flatMap((m) => interfaceOf(peer, m) ?? []) : [];
    },
    interfaceOn: (name, subnet) => {
      const peer = network.peer(name);
      const m = peer?.memberships.find((x) => x.subnet === subnet);
      return peer && m ? interfaceOf(peer, m) : undefined;
    },
    get warnings() {
      return links.warnings();
    },
  };
  const needs = parts.missingKeys;
  if (needs) network.missingKeys = (name, interfaces) => needs(network, name, interfaces);
  if (parts.extraArgs) network.extraArgs = parts.extraArgs;
  if (parts.rules) network.rules = parts.rules;
  if (parts.namedNetworks) network.namedNetworks = parts.namedNetworks;
  if (parts.rulesAction) network.rulesAction = parts.rulesAction;
  return network;
}
