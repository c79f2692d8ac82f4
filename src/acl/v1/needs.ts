/**
 * The keys one peer's configuration reads, as the original reads them. The original is lazy: a
 * key is read only when a configuration needs it, and a key that no configuration reads may be
 * absent (people leave out the top-level `groups`, for one). So the schema lets those keys be
 * missing, and this walk decides, per peer, which missing ones its configuration would have
 * read: that peer fails, naming each of them, and every other peer is configured.
 *
 * What the original reads for local peer P (parsers/v1.nix and the configurers):
 * - always: `version`, `peers` and every peer's `name` (these the schema requires);
 * - P's `subnets`; when P is a member of any subnet: the top-level `subnets` with every subnet's
 *   `name` (to find each of P's subnets), the top-level `connections`, and P's `listenPort` on
 *   each of its subnets;
 * - for each of P's subnets S, each connection without `subnets` or naming S: its `a` and `b`,
 *   each filter of them whole (`type`, `rule`, `value`), and for a filter of type subnet the
 *   `subnets` of every peer;
 * - for each peer R linked to P on S: S's `endpoints`; the `match` filters of R's endpoints;
 *   when P and R share a group, the top-level `groups` with every group's `name`.
 * Keys not in this list (R's `listenPort`, `ipAddresses`, `groups`, `presharedKeyFile`, any
 * `extraArgs`, ...) are optional; keys read through the key providers (`publicKey`,
 * `privateKeyFile`) are the providers' to report.
 */

import { type Diagnostic, diagnostic, type PathSegment } from "../../core/diagnostics.js";
import type { NetFilter, NetInterface, Network } from "../../network/model.js";
import type { AclV1 } from "./schema.js";
import { expectedAt } from "./validate.js";

/** Collects the missing keys of one peer, each once, in the order they are met. */
class Needs {
  readonly #missing = new Map<string, PathSegment[]>();

  /** Notes `path` unless its value is there; true when it is. */
  has(value: unknown, path: PathSegment[]): boolean {
    if (value !== undefined) return true;
    this.#missing.set(JSON.stringify(path), path);
    return false;
  }

  get any(): boolean {
    return this.#missing.size > 0;
  }

  diagnostics(peer: string): Diagnostic[] {
    return [...this.#missing.values()].map((path) =>
      diagnostic("error", "missing-key", path, {
        context: `missing, and the configuration of peer ${JSON.stringify(peer)} reads it`,
        expected: expectedAt(path) ?? "a value",
      }),
    );
  }
}

/**
 * What the walk reads of the whole ACL, found once for all its peers: a 3000-peer network asks
 * for each of them, and looking these up afresh each time made that quadratic.
 */
interface AclFacts {
  acl: AclV1;
  /** Position in `peers` by name. */
  index: ReadonlyMap<string, number>;
  /** The positions of the peers without `subnets`, which a subnet filter reads. */
  withoutSubnets: readonly number[];
}

function filters(
  facts: AclFacts,
  list: readonly NetFilter[],
  at: readonly PathSegment[],
  needs: Needs,
): void {
  list.forEach((filter, i) => {
    needs.has(filter.type, [...at, i, "type"]);
    needs.has(filter.rule, [...at, i, "rule"]);
    needs.has(filter.value, [...at, i, "value"]);
    // A subnet filter looks at the subnets of every peer (a group filter at their groups,
    // which we read as [] where absent: intentional difference 5).
    if (filter.type === "subnet")
      for (const p of facts.withoutSubnets) needs.has(undefined, ["peers", p, "subnets"]);
  });
}

/**
 * The missing keys of each peer's configuration, for one ACL: `missingKeys(network, peer)` is
 * every key the configuration of `peer` reads that the ACL lacks (none: it can be made).
 */
export function keyNeeds(
  acl: AclV1,
): (network: Network, peerName: string, interfaces?: readonly NetInterface[]) => Diagnostic[] {
  const facts: AclFacts = {
    acl,
    index: new Map(acl.peers.map((p, i) => [p.name, i])),
    withoutSubnets: acl.peers.flatMap((p, i) => (p.subnets === undefined ? [i] : [])),
  };
  return (network, peerName, interfaces) =>
    missingKeys(facts, peerName, interfaces ?? network.interfaces(peerName));
}

function missingKeys(
  facts: AclFacts,
  peerName: string,
  interfaces: readonly NetInterface[],
): Diagnostic[] {
  const { acl } = facts;
  const needs = new Needs();
  const index = facts.index.get(peerName) ?? -1;
  const peer = acl.peers[index];
  if (!peer) return [];
  if (!needs.has(peer.subnets, ["peers", index, "subnets"])) return needs.diagnostics(peerName);
  const memberships = Object.entries(peer.subnets ?? {});
  if (memberships.length === 0) return [];
  needs.has(acl.connections, ["connections"]);
  if (needs.has(acl.subnets, ["subnets"]))
    acl.subnets?.forEach((subnet, s) => {
      needs.has(subnet.name, ["subnets", s, "name"]);
    });
  for (const [subnet, membership] of memberships) {
    needs.has(membership.listenPort, ["peers", index, "subnets", subnet, "listenPort"]);
    (acl.connections ?? []).forEach((connection, c) => {
      if (connection.subnets !== undefined && !connection.subnets.includes(subnet)) return;
      for (const side of ["a", "b"] as const) {
        const list = connection[side];
        if (needs.has(list, ["connections", c, side]))
          filters(facts, list ?? [], ["connections", c, side], needs);
      }
    });
  }
  // Links are only what the original makes of them once every filter deciding them is whole.
  if (needs.any) return needs.diagnostics(peerName);
  const ownGroups = peer.groups ?? [];
  for (const iface of interfaces) {
    if (iface.links.length === 0) continue;
    const { subnet } = iface;
    needs.has(acl.subnets?.[subnet.index]?.endpoints, ["subnets", subnet.index, "endpoints"]);
    for (const link of iface.links) {
      const r = link.peer.index;
      const remote = acl.peers[r];
      if (!remote) continue;
      remote.endpoints?.forEach((endpoint, e) => {
        if (endpoint.match)
          filters(facts, endpoint.match, ["peers", r, "endpoints", e, "match"], needs);
      });
      const shared = ownGroups.some((g) => (remote.groups ?? []).includes(g));
      if (shared && needs.has(acl.groups, ["groups"]))
        acl.groups?.forEach((group, g) => {
          needs.has(group.name, ["groups", g, "name"]);
        });
    }
  }
  return needs.diagnostics(peerName);
}
