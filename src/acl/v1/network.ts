/**
 * The `Network` of a validated ACL v1: its peers, subnets, groups, connections and rules as the
 * model's objects (members, addresses, filters and endpoints as the model types them), then
 * assembled by network/build.ts.
 */
import { compareNames } from "../../core/order.js";
import type { Address, Prefix } from "../../network/address.js";
import { memberAddresses } from "../../network/addresses.js";
import { assembleNetwork, withOptional } from "../../network/assemble.js";
import { rangeHolds } from "../../network/cidr.js";
import type {
  Membership,
  NamedNetwork,
  NetConnection,
  NetGroup,
  NetPeer,
  NetRule,
  NetSubnet,
  Network,
  NetworkRouter,
} from "../../network/model.js";
import { keyNeeds } from "./needs.js";
import type { AclV1 } from "./schema.js";

/**
 * Keys the original reads lazily may be missing (see schema.ts): the network is built with what
 * is there (no subnets, an unnamed subnet or group left out, a connection side selecting nobody),
 * and `missingKeys` tells, per peer, what its configuration needs that is not there.
 */
export function buildNetwork(acl: AclV1): Network {
  // A peer's generated addresses use its subnet's ipv6Prefix; names are unique, so one each.
  const ipv6Prefixes = new Map<string, Prefix>();
  for (const s of acl.subnets ?? [])
    if (s.name !== undefined && s.ipv6Prefix !== undefined) ipv6Prefixes.set(s.name, s.ipv6Prefix);
  const peers: NetPeer[] = acl.peers.map((p, index) => {
    const memberships: Membership[] = Object.keys(p.subnets ?? {})
      .sort(compareNames)
      .map((subnet) => {
        const written = p.subnets?.[subnet];
        const m: Membership = {
          subnet,
          listenPort: written?.listenPort ?? 0,
          addresses: memberAddresses(
            written?.ipAddresses,
            subnet,
            p.name,
            ipv6Prefixes.get(subnet),
          ),
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
      platform: p.platform,
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
        ipv6Prefix: s.ipv6Prefix,
        relay: s.relay,
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
  const rules = acl.rules?.map((r, index) =>
    withOptional<NetRule>(
      { index, from: r.from, to: r.to, allow: r.allow },
      { subnets: r.subnets, action: r.action },
    ),
  );
  const namedNetworks = acl.networks?.map(
    (n, index): NamedNetwork => ({
      name: n.name,
      index,
      prefixes: n.prefixes.map((prefix) => ({ prefix, routers: routersOf(peers, prefix) })),
    }),
  );
  return assembleNetwork(
    withOptional(
      {
        version: acl.version,
        subnets,
        groups,
        peers,
        connections,
        missingKeys: keyNeeds(acl),
      },
      { extraArgs: acl.extraArgs, rules, namedNetworks, rulesAction: acl.rulesAction },
    ),
  );
}

/**
 * The peers (with the subnet) whose `routes` hold all of `prefix`: where its packets enter and
 * leave the tunnel. The ACL's rules have made sure there is one (acl/v1/rules.ts).
 */
function routersOf(peers: readonly NetPeer[], prefix: Address): NetworkRouter[] {
  const { family, start, end } = prefix.range;
  const out: NetworkRouter[] = [];
  for (const peer of peers)
    for (const m of peer.memberships)
      if (
        (m.routes ?? []).some(
          (r) => rangeHolds(r.range, family, start) && rangeHolds(r.range, family, end),
        )
      )
        out.push({ peer: peer.name, subnet: m.subnet });
  return out;
}
