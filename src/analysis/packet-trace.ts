/**
 * Where a packet goes: from a sender to one destination address, hop by hop, as the deployed
 * hosts would carry it. The sender's routes (its AllowedIPs and interface prefixes, longest
 * match first) pick the interface and WireGuard the peer; the receiving peer's WireGuard keeps
 * it only if its AllowedIPs for the sender hold the source address; a host that owns the
 * destination address lets it in by its rules (input), a router, exit node or relay forwards it
 * by its rules (forward) and its own routes, and a network a host routes itself ends the path
 * there. A link no handshake can start on (neither side has an endpoint) carries nothing.
 * A host seen twice is a routing loop. Policy tests and `explain` read the same trace.
 */

import {
  type AccessRules,
  decideForward,
  decideInput,
  decideIntoTunnel,
  hostForwards,
  knownAddresses,
  type Verdict,
} from "../network/access.js";
import type { Address } from "../network/address.js";
import { type AddressRange, rangeHolds } from "../network/cidr.js";
import type { Link, NetInterface, NetPeer, Network } from "../network/model.js";
import { type SiteOrigin, sameFamily } from "../network/named-networks.js";
import { enforcesRules, platformOf } from "../network/platform.js";
import { allowedIPs } from "../network/routing.js";
import type { PacketService } from "../network/service.js";

/** One step of a packet's way. */
export interface Hop {
  /** The host the packet is at. */
  peer: string;
  /** What happens there: sent on, delivered, or dropped. */
  action: "send" | "forward" | "deliver" | "drop";
  /** The subnet it leaves on (send, forward) or arrived on (deliver, drop). */
  subnet?: string;
  /** The peer it is sent to (send, forward). */
  to?: string;
  /** The connections behind the link used (send, forward). */
  connections?: readonly number[];
  /** The rule that let it in or through (or whose `action` refused it), when rules decide. */
  rule?: number;
  /** Dropped by a `reject`: the sender is told at once (TCP reset, ICMP admin-prohibited). */
  rejected?: true;
  /** Why, in words. */
  why: string;
}

export interface Trace {
  destination: string;
  /** The source address the sender chose, when it sent the packet at all. */
  source?: string;
  reached: boolean;
  hops: Hop[];
}

const q = JSON.stringify;

/** The longest prefix of `ranges` that holds `dst`, or -1. */
function longest(ranges: Iterable<AddressRange>, dst: Address): number {
  let best = -1;
  for (const r of ranges)
    if (r.prefix > best && rangeHolds(r, dst.family, dst.value)) best = r.prefix;
  return best;
}

/** The blocks of AllowedIPs entries (or routed networks). */
function* ranges(addresses: readonly Address[]): Iterable<AddressRange> {
  for (const a of addresses) yield a.range;
}

function owns(ifaces: readonly NetInterface[], dst: Address): boolean {
  return ifaces.some((i) =>
    i.addresses.some((a) => a.family === dst.family && a.value === dst.value),
  );
}

/** The host's address of the family, on `iface` first (as the kernel picks a source). */
function sourceOf(
  iface: NetInterface,
  all: readonly NetInterface[],
  family: 4 | 6,
): Address | undefined {
  for (const i of [iface, ...all])
    for (const a of i.addresses) if (a.family === family) return a.host;
  return undefined;
}

interface Route {
  iface: NetInterface;
  link?: Link;
  /** The prefix length of the host's own routed network that holds the destination, if longer. */
  ownNetwork: boolean;
}

/**
 * The route of a host toward `dst`: the interface with the longest matching prefix (AllowedIPs
 * and the interface's own prefix), then the link with the longest AllowedIPs on it; or the
 * host's own routed network when that is the longer match.
 */
function routeOf(ifaces: readonly NetInterface[], dst: Address): Route | undefined {
  let best: { iface: NetInterface; length: number } | undefined;
  for (const iface of ifaces) {
    let length = longest(
      iface.addresses.map((a) => a.interfaceRange),
      dst,
    );
    for (const l of iface.links) length = Math.max(length, longest(ranges(allowedIPs(l)), dst));
    if (length >= 0 && (!best || length > best.length)) best = { iface, length };
  }
  let own: { iface: NetInterface; length: number } | undefined;
  for (const iface of ifaces) {
    const length = longest(ranges(iface.routes ?? []), dst);
    if (length >= 0 && (!own || length > own.length)) own = { iface, length };
  }
  if (own && (!best || own.length >= best.length)) return { iface: own.iface, ownNetwork: true };
  if (!best) return undefined;
  let link: Link | undefined;
  let linkLength = -1;
  for (const l of best.iface.links) {
    const length = longest(ranges(allowedIPs(l)), dst);
    if (length > linkLength) {
      link = l;
      linkLength = length;
    }
  }
  return link
    ? { iface: best.iface, link, ownNetwork: false }
    : { iface: best.iface, ownNetwork: false };
}

function verdictHop(peer: string, subnet: string, verdict: Verdict, what: string): Hop {
  const hop: Hop = {
    peer,
    subnet,
    action: verdict.allowed ? (what === "forward" ? "forward" : "deliver") : "drop",
    why: verdict.why,
  };
  if (verdict.rule !== undefined) hop.rule = verdict.rule;
  if (!verdict.allowed && verdict.action === "reject") hop.rejected = true;
  return hop;
}

/**
 * Follows one packet from `from` to the address `destination` (`packet`: its protocol and port;
 * absent, any service a rule allows). `rules` is the network's AccessRules (one per network);
 * undefined follows the packet as if the ACL had none (where it could ever go).
 */
export function tracePacket(
  network: Network,
  rules: AccessRules | undefined,
  from: string | SiteOrigin,
  destination: Address,
  packet?: PacketService,
): Trace {
  const dst = destination.host;
  const shown = q(dst.text);
  const trace: Trace = { destination: dst.text, reached: false, hops: [] };
  const drop = (peer: string, why: string, subnet?: string, verdict?: Verdict): Trace => {
    const hop: Hop = { peer, action: "drop", why, ...(subnet ? { subnet } : {}) };
    if (verdict && !verdict.allowed) {
      if (verdict.rule !== undefined) hop.rule = verdict.rule;
      if (verdict.action === "reject") hop.rejected = true;
    }
    trace.hops.push(hop);
    return trace;
  };
  // A packet from a named network starts on its router, as if it had arrived on its LAN.
  let site = typeof from === "string" ? undefined : from;
  let current = typeof from === "string" ? from : from.router;
  if (site) trace.source = site.source.text;
  // Where the packet came in, from whom, with the source address this host sees (an exit node
  // masquerades it for the next hop).
  let arrived: { iface: NetInterface; from: string; source: Address } | undefined;
  const seen = new Set<string>();
  for (;;) {
    if (seen.has(current))
      return drop(current, `routing loop: the packet is back at ${q(current)}`);
    seen.add(current);
    const peer = network.peer(current) as NetPeer;
    const ifaces = network.interfaces(current);
    const forwards = hostForwards(ifaces);
    // A peer whose platform loads no nftables table lets everything through (rules-not-enforced).
    const unenforced = rules?.enforced === true && !enforcesRules(peer);
    const access =
      arrived && rules?.enforced && !unenforced
        ? rules.interfaceAccess(peer, arrived.iface, forwards)
        : undefined;
    const unfiltered = (verdict: Verdict): Verdict =>
      unenforced
        ? {
            allowed: true,
            why: `${q(current)} runs ${platformOf(peer)}: the rules are not enforced there`,
          }
        : verdict;
    if (arrived && owns(ifaces, dst)) {
      const verdict = unfiltered(decideInput(access, arrived.source, packet, dst));
      trace.hops.push(verdictHop(current, arrived.iface.subnet.name, verdict, "input"));
      trace.reached = verdict.allowed;
      return trace;
    }
    if (site && (owns(ifaces, dst) || routeOf(ifaces, dst)?.ownNetwork)) {
      trace.hops.push({
        peer: current,
        action: "deliver",
        why: `${shown} is reached from network ${q(site.network)} without entering the tunnel (${q(current)} routes both)`,
      });
      trace.reached = true;
      return trace;
    }
    if (!arrived && owns(ifaces, dst))
      return drop(current, `${shown} is an address of ${q(current)} itself`);
    const route = routeOf(ifaces, dst);
    if (arrived && !forwards)
      return drop(
        current,
        `${q(current)} does not forward (it routes no network and is no exit node or relay)`,
        arrived.iface.subnet.name,
      );
    let passed: Verdict | undefined;
    if (arrived) {
      passed = unfiltered(decideForward(access, arrived.source, dst, packet));
      if (!passed.allowed) return drop(current, passed.why, arrived.iface.subnet.name, passed);
      if (route?.ownNetwork) {
        trace.hops.push({
          ...verdictHop(current, arrived.iface.subnet.name, passed, "input"),
          why: `into the network ${q(current)} routes (${passed.why})`,
        });
        trace.reached = true;
        return trace;
      }
    } else if (route?.ownNetwork)
      return drop(current, `${shown} is in a network ${q(current)} routes itself`);
    if (!route && arrived && passed?.allowed && leavesForInternet(network, rules, arrived, dst)) {
      trace.hops.push({
        ...verdictHop(current, arrived.iface.subnet.name, passed, "input"),
        why: `it leaves for the internet through exit node ${q(current)} (${passed.why})`,
      });
      trace.reached = true;
      return trace;
    }
    if (!route) return drop(current, `${q(current)} has no route to ${shown}`);
    const { iface, link } = route;
    const subnet = iface.subnet.name;
    if (!link)
      return drop(
        current,
        `no peer of ${q(current)} on subnet ${q(subnet)} has ${shown} in its AllowedIPs`,
        subnet,
      );
    if (link.noHandshake) return drop(current, noHandshakeText(current, link.peer.name), subnet);
    if (site) {
      // The router filters what its networks send into the tunnel (forward, out of the device).
      const into =
        rules?.enforced && !unenforced ? rules.interfaceAccess(peer, iface, forwards) : undefined;
      passed = unfiltered(decideIntoTunnel(into, site.source, dst, packet));
      if (!passed.allowed)
        return drop(
          current,
          `${passed.why} (from network ${q(site.network)} into the tunnel)`,
          subnet,
          passed,
        );
    }
    // An exit node masquerades what its clients send out of another interface (the NAT rule
    // of nixos-routing.ts and wg-quick's hook): the next hop sees the exit node's address.
    const masquerade =
      arrived !== undefined &&
      arrived.iface.subnet.name !== subnet &&
      arrived.iface.links.some((l) => l.peer.name === arrived?.from && l.exitClient);
    const src = site
      ? site.source
      : arrived && !masquerade
        ? arrived.source
        : sourceOf(iface, ifaces, dst.family);
    if (!src)
      return drop(current, `${q(current)} has no IPv${dst.family} address to send from`, subnet);
    trace.source ??= src.text;
    const next = link.peer.name;
    const back = network.interfaceOn(next, subnet)?.links.find((l) => l.peer.name === current);
    const hop: Hop = {
      peer: current,
      action: arrived || site ? "forward" : "send",
      subnet,
      to: next,
      connections: link.connections,
      why: `${shown} is in its AllowedIPs for ${q(next)}${passed ? ` (${passed.why})` : ""}${masquerade ? `; masqueraded to ${src.text}` : ""}`,
    };
    if (passed?.allowed && passed.rule !== undefined) hop.rule = passed.rule;
    trace.hops.push(hop);
    if (!back || longest(ranges(allowedIPs(back)), src) < 0)
      return drop(
        next,
        `${q(next)}'s WireGuard drops it: the source ${src.text} is not in its AllowedIPs for ${q(current)}`,
        subnet,
      );
    arrived = {
      iface: network.interfaceOn(next, subnet) as NetInterface,
      from: current,
      source: src,
    };
    site = undefined;
    current = next;
  }
}

/**
 * Whether a packet an exit node forwards with no route in the tunnel leaves for the internet:
 * it came from one of its exit clients and is for no WireGuard address or routed network.
 */
function leavesForInternet(
  network: Network,
  rules: AccessRules | undefined,
  arrived: { iface: NetInterface; from: string },
  dst: Address,
): boolean {
  const fromClient = arrived.iface.links.some((l) => l.peer.name === arrived.from && l.exitClient);
  if (!fromClient) return false;
  const known = rules?.known() ?? knownAddresses(network);
  return !known.some((k) => k.holds(dst));
}

/** Why a link with `noHandshake` carries nothing, in the words explain and policy tests use. */
export function noHandshakeText(a: string, b: string): string {
  return `no handshake possible between ${q(a)} and ${q(b)}: neither has an endpoint (ip and port) for the other`;
}

/** A path in one line: `"a" -[office]-> "hub" -[office]-> "b": allowed by rules[0]`. */
export function traceText(trace: Trace): string {
  const parts: string[] = [];
  for (const hop of trace.hops) {
    if (hop.action === "send" || hop.action === "forward") {
      if (hop.to === undefined) continue;
      if (parts.length === 0) parts.push(q(hop.peer));
      parts.push(`-[${hop.subnet}]-> ${q(hop.to)}`);
    }
  }
  const last = trace.hops[trace.hops.length - 1];
  const end = last
    ? `${last.action === "drop" ? `${last.rejected ? "rejected" : "dropped"} at ${q(last.peer)}: ` : ""}${last.why}`
    : "";
  return `${parts.length > 0 ? `${parts.join(" ")}: ` : ""}${end}`;
}

/**
 * One packet from each origin to each address of a target, of the same family: the first trace
 * that arrives, else the last; undefined when no origin and address share a family. Policy
 * tests, `explain` of a network and `diff` count a target reached when any of its addresses is.
 */
export function firstArriving(
  network: Network,
  rules: AccessRules | undefined,
  origins: readonly (string | SiteOrigin)[],
  addresses: readonly Address[],
  packet?: PacketService,
): Trace | undefined {
  let last: Trace | undefined;
  for (const origin of origins)
    for (const address of addresses) {
      if (!sameFamily(origin, address)) continue;
      last = tracePacket(network, rules, origin, address, packet);
      if (last.reached) return last;
    }
  return last;
}
