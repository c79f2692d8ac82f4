/**
 * Builds the `Network` of a validated ACL: members, addresses and the resolvers that decide
 * links and endpoints on demand.
 */
import type { AclV1 } from "../acl/v1/schema.js";
import { compareNames } from "../order.js";
import { memberAddresses } from "./addresses.js";
import { EndpointResolver } from "./endpoints.js";
import { LinkResolver } from "./links.js";
import type {
  Membership,
  NetConnection,
  NetGroup,
  NetInterface,
  NetPeer,
  NetRule,
  NetSubnet,
  Network,
} from "./model.js";
import { missingKeys } from "./needs.js";
import { PeerSelector } from "./select.js";

function withOptional<T extends object>(target: T, extra: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extra))
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target;
}

/** A list, or undefined when it is empty: an empty `dns` writes nothing, like an absent one. */
function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list === undefined || list.length === 0 ? undefined : list;
}

/**
 * Keys the original reads lazily may be missing (see schema.ts): the network is built with what
 * is there (no subnets, an unnamed subnet or group left out, a connection side selecting nobody),
 * and `missingKeys` tells, per peer, what its configuration needs that is not there.
 */
export function buildNetwork(acl: AclV1): Network {
  const peers: NetPeer[] = acl.peers.map((p, index) => {
    const memberships: Membership[] = Object.keys(p.subnets ?? {})
      .sort(compareNames)
      .map((subnet) => {
        const written = p.subnets?.[subnet];
        const m: Membership = {
          subnet,
          listenPort: written?.listenPort ?? 0,
          addresses: memberAddresses(written?.ipAddresses, subnet, p.name),
        };
        return withOptional(m, {
          extraArgs: written?.extraArgs,
          routes: written?.routes,
          exitNode: written?.exitNode,
          openFirewall: written?.openFirewall,
          dns: written?.dns,
          mtu: written?.mtu,
        });
      });
    const peer: NetPeer = {
      name: p.name,
      index,
      groups: p.groups ?? [],
      memberships,
      endpoints: p.endpoints ?? [],
    };
    return withOptional(peer, {
      publicKey: p.publicKey,
      privateKeyFile: p.privateKeyFile,
      privateKey: p.privateKey,
      extraArgs: p.extraArgs,
      roaming: p.roaming,
    });
  });

  const membersOf = (test: (p: AclV1["peers"][number]) => boolean) =>
    acl.peers.filter(test).map((p) => p.name);
  const named = <T extends { name?: string | undefined }>(list: readonly T[] | undefined) =>
    (list ?? []).flatMap((item, index) =>
      item.name === undefined ? [] : [{ ...item, name: item.name, index }],
    );
  const subnets: NetSubnet[] = named(acl.subnets).map((s) =>
    withOptional<NetSubnet>(
      {
        name: s.name,
        index: s.index,
        endpoints: s.endpoints ?? [],
        members: membersOf((p) => s.name in (p.subnets ?? {})),
      },
      {
        presharedKeyFile: s.presharedKeyFile,
        extraArgs: s.extraArgs,
        openFirewall: s.openFirewall,
        ipv4Pool: s.ipv4Pool,
        dns: s.dns,
        mtu: s.mtu,
      },
    ),
  );
  const groups: NetGroup[] = named(acl.groups).map((g) =>
    withOptional<NetGroup>(
      {
        name: g.name,
        index: g.index,
        endpoints: g.endpoints ?? [],
        members: membersOf((p) => (p.groups ?? []).includes(g.name)),
      },
      { extraArgs: g.extraArgs },
    ),
  );
  const connections: NetConnection[] = (acl.connections ?? []).map((c, index) =>
    withOptional<NetConnection>(
      { index },
      { a: c.a, b: c.b, subnets: c.subnets, extraArgs: c.extraArgs },
    ),
  );

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
  const links = new LinkResolver(peers, connections, selector, endpoints, rank, membership);

  const interfaceOf = (peer: NetPeer, m: Membership): NetInterface | undefined => {
    // A membership of a subnet the ACL does not declare (its `subnets` missing: see needs.ts)
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
        exit,
        openFirewall: m.openFirewall ?? subnet.openFirewall,
        dns: nonEmpty(m.dns ?? subnet.dns),
        mtu: m.mtu ?? subnet.mtu,
      },
    );
  };

  const network: Network = {
    version: acl.version,
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
  network.missingKeys = (name) => missingKeys(acl, network, name);
  if (acl.extraArgs) network.extraArgs = acl.extraArgs;
  if (acl.rules)
    network.rules = acl.rules.map((r, index) =>
      withOptional<NetRule>(
        { index, from: r.from, to: r.to, allow: r.allow },
        { subnets: r.subnets },
      ),
    );
  return network;
}
