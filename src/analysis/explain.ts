/**
 * `explain`: why two peers are (or are not) linked, read off the resolved network. For each
 * subnet they share: every connection's verdict, the addresses each uses, and the endpoint each
 * dials with the ACL endpoint entries it was merged from.
 */
import { AccessRules } from "../network/access.js";
import type {
  Link,
  NetConnection,
  NetEndpoint,
  NetFilter,
  NetPeer,
  Network,
  ResolvedEndpoint,
  RuleFilter,
  Target,
} from "../network/model.js";
import { sameFamily, siteOrigins } from "../network/named-networks.js";
import { allowedIPTexts } from "../network/routing.js";
import { filterSelects, type SelectablePeer } from "../network/select.js";
import { targetAddresses } from "../network/targets.js";
import { type Hop, noHandshakeText, type Trace, tracePacket } from "./packet-trace.js";

/** One ACL endpoint entry that took part in a merge. */
export interface EndpointSource {
  /** `subnets[0].endpoints[1]`, as `ResolvedEndpoint.sources` has it. */
  path: string;
  owner: "subnet" | "group" | "peer";
  name: string;
  /** The entry as written, without `match`. */
  fields: Omit<NetEndpoint, "match">;
  match?: readonly NetFilter[];
}

/** What one peer dials to reach the other on one subnet. */
export interface Dial {
  from: string;
  to: string;
  /** `ip:port`, absent when the merge left no ip or no port. */
  address?: string;
  endpoint: Omit<ResolvedEndpoint, "sources" | "address">;
  sources: EndpointSource[];
}

/** How one connection bears on the pair on one subnet. */
export interface ConnectionVerdict {
  index: number;
  /** Absent where the ACL leaves the side out. */
  a?: readonly NetFilter[];
  b?: readonly NetFilter[];
  subnets?: readonly string[];
  applies: boolean;
  links: boolean;
  reason: string;
}

/** One peer's side of a shared subnet. */
export interface MemberView {
  peer: string;
  listenPort: number;
  addresses: readonly string[];
  /** Its AllowedIPs on the other peer: addresses, then routed networks and default routes. */
  allowedIPs: readonly string[];
}

export interface SubnetExplanation {
  subnet: string;
  linked: boolean;
  /** Linked, but neither has an endpoint for the other: no handshake can ever start. */
  noHandshake?: true;
  /** The subnet's relay their packets go through instead (then their direct link is left out). */
  relay?: string;
  connections: ConnectionVerdict[];
  members: [MemberView, MemberView];
  /** A's dial to B, then B's to A; only when linked. */
  dials: Dial[];
}

export interface Explanation {
  a: string;
  b: string;
  linked: boolean;
  /** The subnets both are members of, in subnet-name order. */
  shared: SubnetExplanation[];
  onlyA: string[];
  onlyB: string[];
}

const q = JSON.stringify;

/** `peer is central`, the way the ACL reads. */
export function filterText(filter: NetFilter | RuleFilter): string {
  const part = (value: string | undefined, key: string) => value ?? `(no ${key})`;
  return `${part(filter.type, "type")} ${part(filter.rule, "rule")} ${part(filter.value, "value")}`;
}

/** `[group is servers, peer not laptop]`, or `[] (everyone)`. */
export function filtersText(filters: readonly (NetFilter | RuleFilter)[] | undefined): string {
  if (filters === undefined) return "(not written: nobody)";
  return filters.length === 0 ? "[] (everyone)" : `[${filters.map(filterText).join(", ")}]`;
}

function selectable(peer: NetPeer): SelectablePeer {
  return { name: peer.name, groups: peer.groups, subnets: peer.memberships.map((m) => m.subnet) };
}

/** Where `peer` stands in a connection, with the filter that keeps it off a side. */
function standing(c: NetConnection, peer: NetPeer): { a: boolean; b: boolean; text: string } {
  const p = selectable(peer);
  // A side not written selects nobody.
  const failing = (side: "a" | "b") => c[side]?.findIndex((f) => !filterSelects(p, f)) ?? 0;
  const fa = failing("a");
  const fb = failing("b");
  const a = fa < 0;
  const b = fb < 0;
  const why = (side: "a" | "b", i: number) => {
    const filter = c[side]?.[i];
    return filter ? `${side}[${i}] ${filterText(filter)} excludes it` : `${side} is not written`;
  };
  let text: string;
  if (a && b) text = `${q(peer.name)} is on both sides`;
  else if (a) text = `${q(peer.name)} is on side a only (${why("b", fb)})`;
  else if (b) text = `${q(peer.name)} is on side b only (${why("a", fa)})`;
  else text = `${q(peer.name)} is on neither side (${why("a", fa)}; ${why("b", fb)})`;
  return { a, b, text };
}

function verdict(c: NetConnection, subnet: string, A: NetPeer, B: NetPeer): ConnectionVerdict {
  const base: ConnectionVerdict = {
    index: c.index,
    ...(c.a ? { a: c.a } : {}),
    ...(c.b ? { b: c.b } : {}),
    applies: c.subnets === undefined || c.subnets.includes(subnet),
    links: false,
    reason: "",
  };
  if (c.subnets) base.subnets = c.subnets;
  if (!base.applies) {
    base.reason = `applies only to subnet${c.subnets?.length === 1 ? "" : "s"} ${(c.subnets ?? []).map((s) => q(s)).join(", ") || "(none)"}`;
    return base;
  }
  const sa = standing(c, A);
  const sb = standing(c, B);
  base.links = (sa.a && sb.b) || (sa.b && sb.a);
  base.reason = base.links
    ? `links them: ${sa.text}, ${sb.text}`
    : `does not link them: ${sa.text}, ${sb.text}; a link needs one on side a and the other on side b`;
  return base;
}

const OWNER = { subnets: "subnet", groups: "group", peers: "peer" } as const;

function endpointSource(network: Network, path: string): EndpointSource | undefined {
  const m = /^(subnets|groups|peers)\[(\d+)\]\.endpoints\[(\d+)\]$/.exec(path);
  if (!m) return undefined;
  const kind = m[1] as keyof typeof OWNER;
  const owner = network[kind][Number(m[2])];
  const entry = owner?.endpoints[Number(m[3])];
  if (!owner || !entry) return undefined;
  const { match, ...fields } = entry;
  const source: EndpointSource = { path, owner: OWNER[kind], name: owner.name, fields };
  if (match) source.match = match;
  return source;
}

function dial(network: Network, from: string, to: string, e: ResolvedEndpoint): Dial {
  const { sources, address, ...endpoint } = e;
  const out: Dial = {
    from,
    to,
    endpoint,
    sources: sources.flatMap((s) => endpointSource(network, s) ?? []),
  };
  if (address !== undefined) out.address = address;
  return out;
}

/** Explains the pair; both names must be peers of the network. */
export function explainPair(network: Network, a: string, b: string): Explanation {
  const A = network.peer(a) as NetPeer;
  const B = network.peer(b) as NetPeer;
  const subnetsOf = (p: NetPeer) => p.memberships.map((m) => m.subnet);
  const inB = new Set(subnetsOf(B));
  const inA = new Set(subnetsOf(A));
  const shared: SubnetExplanation[] = [];
  for (const m of A.memberships) {
    if (!inB.has(m.subnet)) continue;
    const mine = network.interfaceOn(a, m.subnet);
    const theirs = network.interfaceOn(b, m.subnet);
    if (!mine || !theirs) continue;
    // A pair the subnet's relay carries has no direct link: it is on the link to the relay.
    const through = (iface: typeof mine, peer: NetPeer) =>
      iface.links.find((l) => l.relayed?.some((r) => r.peer === peer));
    const relayA = through(mine, B);
    const relayB = through(theirs, A);
    const toB = mine.links.find((l) => l.peer === B) ?? relayA?.relayed?.find((r) => r.peer === B);
    const toA =
      theirs.links.find((l) => l.peer === A) ?? relayB?.relayed?.find((r) => r.peer === A);
    // What the other side's link holds: routed networks and default routes included.
    const view = (peer: string, iface: typeof mine, seen: Link | undefined): MemberView => ({
      peer,
      listenPort: iface.listenPort,
      addresses: iface.addresses.map((a) => a.text),
      allowedIPs: seen ? allowedIPTexts(seen) : iface.addresses.map((a) => a.allowedIP),
    });
    const dials: Dial[] = [];
    if (toB) dials.push(dial(network, a, b, toB.endpoint));
    if (toA) dials.push(dial(network, b, a, toA.endpoint));
    const relay = relayA?.peer.name;
    shared.push({
      subnet: m.subnet,
      linked: toB !== undefined,
      ...(toB?.noHandshake ? { noHandshake: true as const } : {}),
      ...(relay !== undefined ? { relay } : {}),
      connections: network.connections.map((c) => verdict(c, m.subnet, A, B)),
      members: [view(a, mine, toA), view(b, theirs, toB)],
      dials,
    });
  }
  return {
    a,
    b,
    linked: shared.some((s) => s.linked),
    shared,
    onlyA: subnetsOf(A).filter((s) => !inB.has(s)),
    onlyB: subnetsOf(B).filter((s) => !inA.has(s)),
  };
}

function fieldsText(fields: Omit<NetEndpoint, "match">): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}`);
  return parts.length > 0 ? parts.join(", ") : "nothing";
}

function dialText(d: Dial, handshake: boolean): string[] {
  const extras = Object.entries(d.endpoint)
    .filter(([k, v]) => v !== undefined && k !== "ip" && k !== "port")
    .map(([k, v]) => `${k} ${v}`);
  const head = d.address
    ? `${q(d.from)} dials ${q(d.to)} at ${d.address}${extras.length ? ` (${extras.join(", ")})` : ""}`
    : `${q(d.from)} has no endpoint for ${q(d.to)} (merged: ${d.endpoint.ip === undefined ? "no ip" : `ip ${d.endpoint.ip}`}, ${d.endpoint.port === undefined ? "no port" : `port ${d.endpoint.port}`})${handshake ? `; it waits for ${q(d.to)} to dial` : ""}`;
  const lines = [`  ${head}`];
  if (d.sources.length === 0) lines.push("    merged from: no endpoint entries");
  else {
    lines.push("    merged from (later wins):");
    for (const s of d.sources)
      lines.push(
        `      ${s.path} (${s.owner} ${q(s.name)}${s.match ? `, match ${filtersText(s.match)}` : ""}): ${fieldsText(s.fields)}`,
      );
  }
  return lines;
}

/** The peers that forward the packets of `p` that arrive, quoted, in the order met. */
function gatewaysOf(p: PathExplanation): string[] {
  return [
    ...new Set(
      p.traces
        .filter((t) => t.reached)
        .flatMap((t) => t.hops.filter((h) => h.action === "forward").map((h) => q(h.peer))),
    ),
  ];
}

/**
 * The explanation as text for a terminal; with the packets' `paths`, two peers that are not
 * linked but reach each other through a gateway are said to, in the first line.
 */
export function explanationText(e: Explanation, paths?: PathExplanation): string {
  const linkedOn = e.shared.filter((s) => s.linked).map((s) => q(s.subnet));
  const lines: string[] = [];
  if (e.shared.length === 0)
    lines.push(
      `${q(e.a)} and ${q(e.b)} are not linked: they share no subnet (${q(e.a)}: ${e.onlyA.join(", ") || "none"}; ${q(e.b)}: ${e.onlyB.join(", ") || "none"})`,
    );
  else if (e.linked) {
    const dead = e.shared.filter((s) => s.linked && s.noHandshake && s.relay === undefined);
    lines.push(
      `${q(e.a)} and ${q(e.b)} are linked on ${linkedOn.length === 1 ? "subnet" : "subnets"} ${linkedOn.join(", ")}${dead.length > 0 ? `, but no handshake is possible on ${dead.map((s) => q(s.subnet)).join(", ")}` : ""}`,
    );
  } else
    lines.push(
      `${q(e.a)} and ${q(e.b)} are not linked: no connection selects one on each side on ${e.shared.length === 1 ? "their shared subnet" : "any of their shared subnets"}`,
    );
  const gateways = paths && !e.linked && paths.reached ? gatewaysOf(paths) : [];
  if (gateways.length > 0)
    lines[0] += `; packets from ${q(e.a)} reach ${q(e.b)} through ${gateways.join(", ")} (see below)`;
  for (const s of e.shared) {
    lines.push("", `subnet ${q(s.subnet)}: ${s.linked ? "linked" : "not linked"}`);
    if (s.noHandshake)
      lines.push(
        `  ${noHandshakeText(e.a, e.b)}; ${s.relay === undefined ? "the link carries nothing (give one of them an endpoint, or the subnet a relay)" : `their packets go through the subnet's relay ${q(s.relay)}, which both dial (each has the other's addresses in its AllowedIPs for ${q(s.relay)})`}`,
      );
    if (s.connections.length === 0) lines.push("  the ACL has no connections");
    for (const c of s.connections) {
      const scope = c.subnets ? ` subnets [${c.subnets.join(", ")}]` : "";
      lines.push(
        `  connections[${c.index}] a ${filtersText(c.a)} b ${filtersText(c.b)}${scope}: ${c.reason}`,
      );
    }
    for (const m of s.members)
      lines.push(
        `  ${q(m.peer)}: listens on ${m.listenPort}, addresses ${m.addresses.join(", ")} (AllowedIPs on the other side: ${m.allowedIPs.join(", ")})`,
      );
    for (const d of s.dials) lines.push(...dialText(d, s.noHandshake !== true));
  }
  if (e.shared.length > 0) {
    const only: string[] = [];
    if (e.onlyA.length) only.push(`subnets of ${q(e.a)} only: ${e.onlyA.join(", ")}`);
    if (e.onlyB.length) only.push(`subnets of ${q(e.b)} only: ${e.onlyB.join(", ")}`);
    if (only.length) lines.push("", ...only);
  }
  return `${lines.join("\n")}\n`;
}

/** Where packets from one peer to a target go: one trace per address of the target. */
export interface PathExplanation {
  from: string;
  /** The target as given (`hub`, `hub.office`, a routed network), without the service. */
  target: string;
  /** `tcp/22`, `udp/53`, `icmp`; absent: any service a rule allows. */
  service?: string;
  /** Whether the ACL has rules (without them nothing on the way filters). */
  rules: boolean;
  reached: boolean;
  traces: Trace[];
}

/**
 * Follows a packet from `from` to every address of `target` (see packet-trace.ts); from a named
 * network (`fromNetwork`), from each of its prefixes, entering the tunnel at its router.
 */
export function explainPaths(
  network: Network,
  from: string,
  written: string,
  target: Target,
  fromNetwork = false,
): PathExplanation {
  const rules = new AccessRules(network);
  const origins = fromNetwork ? siteOrigins(network, from) : [from];
  const traces = origins.flatMap((origin) =>
    targetAddresses(network, target)
      .filter((address) => sameFamily(origin, address))
      .map((address) => tracePacket(network, rules, origin, address, target.service)),
  );
  const out: PathExplanation = {
    from,
    target: written,
    rules: rules.enforced,
    reached: traces.some((t) => t.reached),
    traces,
  };
  if (target.service)
    out.service =
      target.service.port === undefined
        ? target.service.protocol
        : `${target.service.protocol}/${target.service.port}`;
  return out;
}

function hopText(hop: Hop): string {
  const on = hop.subnet === undefined ? "" : ` on subnet ${q(hop.subnet)}`;
  switch (hop.action) {
    case "send":
    case "forward":
      return `${q(hop.peer)} ${hop.action === "send" ? "sends" : "forwards"} it${on} to ${q(hop.to)} (${(hop.connections ?? []).map((c) => `connections[${c}]`).join(", ")}): ${hop.why}`;
    case "deliver":
      return `${q(hop.peer)} lets it in${on}: ${hop.why}`;
    default:
      return `${q(hop.peer)} ${hop.rejected ? "rejects" : "drops"} it${on}: ${hop.why}`;
  }
}

/** The paths as text for a terminal. */
export function pathsText(p: PathExplanation): string {
  const what = p.service ?? "any service";
  // Who forwards them on the way, so that "not linked" is not read as "cut off".
  const gateways = gatewaysOf(p);
  const through = gateways.length > 0 ? ` through ${gateways.join(", ")}` : "";
  const lines = [
    `packets from ${q(p.from)} to ${q(p.target)} (${what}): ${p.reached ? `arrive${through}` : "do not arrive"}${p.rules ? "" : " (the ACL has no rules: links carry everything)"}`,
  ];
  if (p.traces.length === 0) lines.push("  the target has no address");
  for (const t of p.traces) {
    lines.push(
      `  to ${t.destination}${t.source ? ` from ${t.source}` : ""}: ${t.reached ? "arrives" : t.hops.at(-1)?.rejected ? "rejected" : "dropped"}`,
    );
    for (const hop of t.hops) lines.push(`    ${hopText(hop)}`);
  }
  return `${lines.join("\n")}\n`;
}
