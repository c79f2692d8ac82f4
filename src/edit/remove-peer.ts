/**
 * What `remove-peer` changes in an ACL, planned on its data as edit operations: the peer and
 * every reference to it, so that for the peers that remain the ACL means what it meant, and
 * no access is ever widened.
 *
 * A filter list (a connection side, an endpoint's `match`, a rule's `from` and `to`) selects
 * the peers every filter of it accepts, and `[]` selects every peer. With the peer P gone:
 * - `peer is P` accepts nobody, so the list selects nobody and what it belongs to goes, with a
 *   notice: the connection (it linked nobody), the endpoint (it applied to nobody), the rule (it
 *   let nothing in; rules only allow, so removing one that matches nothing changes nothing).
 *   The filter itself is never dropped alone: `to: [peer is P]` would become `to: []`, every peer.
 * - `peer not P` accepts every remaining peer, so it is dropped and the list selects the same
 *   peers as before (an emptied list is `[]`, every peer, which is what `not P` selected). In a
 *   rule this is said in a notice: a new peer of the same name would now be selected.
 * - In rules, a group or subnet that existed only through P (not declared, and no other peer
 *   lists it or is a member of it) is gone too, as rules name only what exists: its `is` and
 *   `not` filters are treated as P's, and a rule whose `subnets` were all such goes (it never
 *   becomes `subnets: []`).
 * - `rules` keeps its key even when its last rule goes: `rules: []` lets nothing in, as the
 *   rules that matched only P did, while no `rules` key would let everything in.
 * Policy tests: a test `from: P` goes; a target naming P (`P`, `P.subnet`, with or without a
 * service) goes from `reaches` and `notReaches` (an assertion about a peer that does not exist
 * proves nothing); a test left with no target goes. A routed target (`192.168.10.0/24`) names a
 * network, not the peer: it stays when another peer's routes hold it, with a notice saying which;
 * when P was its only router it goes too, with a notice, as the ACL's parser reads a test's target
 * only where some peer routes it (the removed line says to write it again with the next router). Other peers' `exitNode: P` goes, and so
 * does a subnet's `relay: P`.
 */

import { type PathSegment, type Result, renderPath } from "../core/diagnostics.js";
import { didYouMean } from "../core/did-you-mean.js";
import { addressRange, rangeHolds } from "../network/cidr.js";
import type { Network } from "../network/model.js";
import { splitService } from "../network/service.js";
import { type Data, failure, isRecord, list, named } from "./acl-data.js";
import type { AclChange } from "./acl-file.js";
import type { EditOp } from "./ops.js";

const q = JSON.stringify;

function namesPeer(filter: unknown, peer: string, rule: "is" | "not"): boolean {
  return (
    isRecord(filter) && filter.type === "peer" && filter.rule === rule && filter.value === peer
  );
}

/** Orders paths last-first, so that removing one never moves another still to be edited. */
function comparePaths(x: readonly PathSegment[], y: readonly PathSegment[]): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const a = x[i] as PathSegment;
    const b = y[i] as PathSegment;
    if (a === b) continue;
    if (typeof a === "number" && typeof b === "number") return b - a;
    return String(b).localeCompare(String(a));
  }
  return y.length - x.length;
}

function pathOf(op: EditOp): readonly PathSegment[] {
  return op.kind === "remove" ? op.path : op.kind === "append" ? op.list : op.map;
}

/**
 * What P's removal does to a filter list: `dead` when a `peer is P` makes it select nobody
 * (its owner must go), else the indexes of its `peer not P` filters, which are dropped.
 */
function filterEdits(filters: unknown, peer: string): { dead: boolean; dropped: number[] } {
  const items = list(filters);
  if (items.some((f) => namesPeer(f, peer, "is"))) return { dead: true, dropped: [] };
  return {
    dead: false,
    dropped: items.flatMap((f, i) => (namesPeer(f, peer, "not") ? [i] : [])),
  };
}

/** The peers other than `peer` whose routes hold all of the routed target `text`. */
function otherRouters(network: Network, text: string, peer: string): string[] {
  const range = addressRange(splitService(text).name);
  if (!range) return [];
  return network.peers
    .filter(
      (p) =>
        p.name !== peer &&
        p.memberships.some((m) =>
          (m.routes ?? []).some(
            (route) =>
              rangeHolds(route.range, range.family, range.start) &&
              rangeHolds(route.range, range.family, range.end),
          ),
        ),
    )
    .map((p) => p.name);
}

/** Collects the edits and what to say about them. */
class Plan {
  readonly ops: EditOp[] = [];
  readonly notices: string[] = [];

  remove(path: readonly PathSegment[], why?: string): void {
    this.ops.push({ kind: "remove", path });
    if (why !== undefined) this.notices.push(`removed ${renderPath(path)}: ${why}`);
  }
}

function endpointEdits(plan: Plan, owner: readonly PathSegment[], value: unknown, peer: string) {
  list(value).forEach((endpoint, e) => {
    if (!isRecord(endpoint) || endpoint.match === undefined) return;
    const path = [...owner, "endpoints", e];
    const edits = filterEdits(endpoint.match, peer);
    if (edits.dead) plan.remove(path, `its match selected only peer ${q(peer)}`);
    else for (const i of edits.dropped) plan.remove([...path, "match", i]);
  });
}

function connectionEdits(plan: Plan, connections: unknown, peer: string) {
  list(connections).forEach((c, i) => {
    if (!isRecord(c)) return;
    const a = filterEdits(c.a, peer);
    const b = filterEdits(c.b, peer);
    if (a.dead || b.dead)
      plan.remove(
        ["connections", i],
        `its side ${a.dead ? "a" : "b"} selected only peer ${q(peer)}, so it linked nobody`,
      );
    else {
      for (const f of a.dropped) plan.remove(["connections", i, "a", f]);
      for (const f of b.dropped) plan.remove(["connections", i, "b", f]);
    }
  });
}

/**
 * What rules may no longer name once the peer is gone: the peer, and the groups and subnets
 * that exist only through it (rules name only what exists: a group is declared or some peer
 * lists it, a subnet is declared or some peer is a member of it).
 */
interface Gone {
  peer: string;
  group: ReadonlySet<string>;
  subnet: ReadonlySet<string>;
}

function goneWith(data: Data, peers: readonly unknown[], index: number, peer: string): Gone {
  const declared = (value: unknown) => new Set(list(value).map(named));
  const groupsOf = (p: unknown) =>
    isRecord(p) ? list(p.groups).filter((g): g is string => typeof g === "string") : [];
  const subnetsOf = (p: unknown) =>
    isRecord(p) && isRecord(p.subnets) ? Object.keys(p.subnets) : [];
  const others = peers.filter((_, i) => i !== index);
  const keptGroups = new Set([...declared(data.groups), ...others.flatMap(groupsOf)]);
  const keptSubnets = new Set([...declared(data.subnets), ...others.flatMap(subnetsOf)]);
  const own = peers[index];
  return {
    peer,
    group: new Set(groupsOf(own).filter((g) => !keptGroups.has(g))),
    subnet: new Set(subnetsOf(own).filter((n) => !keptSubnets.has(n))),
  };
}

/** The name a rule's filter uses that is gone (`peer "P"`, `group "G"`), if any. */
function goneIn(filter: unknown, gone: Gone): string | undefined {
  if (!isRecord(filter) || typeof filter.value !== "string") return undefined;
  const { type, value } = filter;
  const isGone =
    (type === "peer" && value === gone.peer) ||
    (type === "group" && gone.group.has(value)) ||
    (type === "subnet" && gone.subnet.has(value));
  return isGone ? `${type} ${q(value)}` : undefined;
}

function ruleEdits(plan: Plan, rules: unknown, gone: Gone) {
  const { peer } = gone;
  const through = (what: string) =>
    what.startsWith("peer ") ? what : `${what}, which existed only through peer ${q(peer)}`;
  list(rules).forEach((r, i) => {
    if (!isRecord(r)) return;
    for (const side of ["from", "to"] as const) {
      // `is` a name that is gone: the side selects nobody, and the rule lets nothing in.
      const dead = list(r[side]).find((f) => isRecord(f) && f.rule === "is" && goneIn(f, gone));
      if (dead === undefined) continue;
      plan.remove(
        ["rules", i],
        `its ${side} selected only ${through(goneIn(dead, gone) as string)}, so it let nothing in`,
      );
      return;
    }
    const subnets = list(r.subnets);
    const goneSubnets = subnets.flatMap((s, k) =>
      typeof s === "string" && gone.subnet.has(s) ? [k] : [],
    );
    if (goneSubnets.length > 0 && goneSubnets.length === subnets.length) {
      // Never `subnets: []`: the rule applied on nothing, so it goes.
      plan.remove(
        ["rules", i],
        `it applied only on ${through(`subnet ${q(subnets[0])}`)}, so it let nothing in`,
      );
      return;
    }
    for (const k of goneSubnets)
      plan.remove(
        ["rules", i, "subnets", k],
        `${through(`subnet ${q(subnets[k])}`)} is gone (the rule applies where it did)`,
      );
    for (const side of ["from", "to"] as const)
      list(r[side]).forEach((f, k) => {
        const what = isRecord(f) && f.rule === "not" ? goneIn(f, gone) : undefined;
        if (what === undefined || !isRecord(f)) return;
        const later =
          f.type === "peer"
            ? `a new peer named ${q(f.value)}`
            : `a peer later in ${f.type} ${q(f.value)}`;
        plan.remove(
          ["rules", i, side, k],
          `"${f.type} not ${f.value}" excludes nobody once ${q(peer)} is gone (the rule selects the same peers; ${later} would be selected)`,
        );
      });
  });
}

/** The policy tests' edits: read from the network, whose parser resolved every target. */
function testEdits(plan: Plan, network: Network, peer: string) {
  for (const test of network.policyTests ?? []) {
    if (test.from === peer) {
      plan.remove(["tests", test.index], `it tested what peer ${q(peer)} reaches`);
      continue;
    }
    const gone: { path: PathSegment[]; why: string }[] = [];
    let left = 0;
    for (const { path, text, target } of [...test.reaches, ...test.notReaches]) {
      // `peer` or `peer.subnet`: the target goes with the peer.
      if (target.peer === peer && target.network === undefined) {
        gone.push({ path: [...path], why: `peer ${q(peer)} is gone` });
        continue;
      }
      if (target.peer !== peer) {
        left++;
        continue;
      }
      // A network that P's route delivered: it stays while another peer routes it (see the
      // module's comment); routed by nobody, it could not be read any more, so it goes.
      const routers = otherRouters(network, text, peer);
      if (routers.length === 0) {
        gone.push({
          path: [...path],
          why: `${q(text)} names a network only ${q(peer)} routed, and a test may name only what some peer routes (write it again once another peer routes it)`,
        });
        continue;
      }
      left++;
      plan.notices.push(
        `kept ${renderPath(path)} (${q(text)}): it names a network, not a peer; ${q(peer)} routed it, and now the routes of ${routers.map((r) => q(r)).join(", ")} hold it`,
      );
    }
    if (gone.length === 0) continue;
    if (left === 0) {
      const routed = gone.some(({ why }) => why !== `peer ${q(peer)} is gone`);
      plan.remove(
        ["tests", test.index],
        `every target of it was peer ${q(peer)}${routed ? " or a network only it routed" : ""}`,
      );
      continue;
    }
    for (const { path, why } of gone) plan.remove(path, why);
  }
}

/** The edits that remove peer `name` and every reference to it from the ACL `data`. */
export function planRemovePeer(data: unknown, network: Network, name: string): Result<AclChange> {
  if (!isRecord(data)) return failure([], "expected the ACL to be an object", "invalid-value");
  const peers = list(data.peers);
  const index = peers.findIndex((p) => named(p) === name);
  if (index < 0) {
    const known = peers.map(named).filter((n) => n !== undefined) as string[];
    return failure(
      ["peers"],
      `no peer ${q(name)}${didYouMean(name, known)} (peers: ${
        known
          .slice(0, 10)
          .map((n) => q(n))
          .join(", ") || "none"
      }${known.length > 10 ? ", ..." : ""})`,
      "unknown-peer",
    );
  }
  const plan = new Plan();
  plan.remove(["peers", index]);
  list(data.subnets).forEach((s, i) => {
    if (!isRecord(s)) return;
    endpointEdits(plan, ["subnets", i], s.endpoints, name);
    if (s.relay === name)
      plan.remove(
        ["subnets", i, "relay"],
        `subnet ${q(named(s) ?? "")} has no relay now (set one, or peers without an endpoint no longer reach each other)`,
      );
  });
  list(data.groups).forEach((g, i) => {
    if (isRecord(g)) endpointEdits(plan, ["groups", i], g.endpoints, name);
  });
  peers.forEach((p, i) => {
    if (i === index || !isRecord(p)) return;
    endpointEdits(plan, ["peers", i], p.endpoints, name);
    if (!isRecord(p.subnets)) return;
    for (const [subnet, entry] of Object.entries(p.subnets))
      if (isRecord(entry) && entry.exitNode === name)
        plan.remove(
          ["peers", i, "subnets", subnet, "exitNode"],
          `peer ${q(named(p) ?? "")} no longer sends its traffic through ${q(name)}`,
        );
  });
  connectionEdits(plan, data.connections, name);
  ruleEdits(plan, data.rules, goneWith(data, peers, index, name));
  testEdits(plan, network, name);
  const ops = [...plan.ops].sort((x, y) => comparePaths(pathOf(x), pathOf(y)));
  return { ok: true, value: { ops, notices: plan.notices }, warnings: [] };
}
