/**
 * The pairs with a named network at one end (a site as the sender, a site or a host in it as
 * the target) or the internet as the target, whose services differ between two versions of a
 * network: what reach-changes.ts finds between peers, for the ends `networks` and `internet`
 * add. Named networks are few, so every such pair is followed on both sides, one piece of the
 * service space at a time, as policy tests and `explain` follow them (`traceTarget`'s steps:
 * from each prefix's first host at its routers, to the first host of each prefix, or to an
 * address of the internet).
 */
import { compareNames } from "../core/order.js";
import { AccessRules, type InterfaceAccess } from "../network/access.js";
import type { Address } from "../network/address.js";
import { rangesOverlap } from "../network/cidr.js";
import type { NamedNetwork, NetInterface, NetPeer, Network } from "../network/model.js";
import { INTERNET, namedNetwork, type SiteOrigin, siteOrigins } from "../network/named-networks.js";
import type { PacketService } from "../network/service.js";
import { resolveTarget, targetAddresses } from "../network/targets.js";
import { firstArriving, type Trace } from "./packet-trace.js";
import type { PairChange } from "./reach-changes.js";
import type { ServiceSpace } from "./services.js";

const q = JSON.stringify;

/**
 * The access rules of one network, each host's resolved once per subnet: a thousand senders
 * to the internet all pass the exit node, whose tables would otherwise be made for each packet.
 */
class AccessOnce extends AccessRules {
  readonly #resolved = new Map<string, InterfaceAccess>();

  override interfaceAccess(peer: NetPeer, iface: NetInterface, forwards: boolean): InterfaceAccess {
    const key = `${peer.name}\u0000${iface.subnet.name}\u0000${forwards ? 1 : 0}`;
    let found = this.#resolved.get(key);
    if (!found) {
      found = super.interfaceAccess(peer, iface, forwards);
      this.#resolved.set(key, found);
    }
    return found;
  }
}

/** One version of the network as this module follows packets in it (and `diff` explains them). */
export class EndsSide {
  readonly network: Network;
  readonly rules: AccessRules;
  readonly exits: boolean;
  /** The addresses each target stands for (the internet's are found among every known one). */
  readonly #addresses = new Map<string, Address[] | undefined>();

  constructor(network: Network) {
    this.network = network;
    this.rules = new AccessOnce(network);
    this.exits = network.peers.some((p) => p.memberships.some((m) => m.exitNode !== undefined));
  }

  addresses(to: string): Address[] | undefined {
    if (!this.#addresses.has(to)) {
      const target = resolveTarget(this.network, { name: to });
      this.#addresses.set(
        to,
        typeof target === "string" ? undefined : targetAddresses(this.network, target),
      );
    }
    return this.#addresses.get(to);
  }

  /**
   * Where a packet from `from` to `to` starts and the addresses it is sent to, or why it is
   * never sent (an end absent, the internet without exit nodes, two networks that overlap).
   */
  #ends(
    from: string,
    to: string,
  ): { origins: (string | SiteOrigin)[]; addresses: Address[] } | string {
    const network = this.network;
    const source = namedNetwork(network, from);
    if (!source && !network.peer(from)) return `there is no peer or network ${q(from)}`;
    const destination = namedNetwork(network, to);
    if (to === INTERNET && !this.exits) return "no peer has an exit node to the internet";
    if (to !== INTERNET && !destination && !network.peer(to))
      return `there is no peer or network ${q(to)}`;
    // Networks that overlap are one LAN (a printer in the office LAN): what passes between
    // them never meets the tunnel, as the lab does not probe a router's own LAN.
    if (source && destination && overlap(source, destination))
      return `${q(from)} and ${q(to)} overlap: one LAN, no tunnel between them`;
    const addresses = this.addresses(to);
    if (!addresses || addresses.length === 0) return `${q(to)} has no address`;
    return { origins: source ? siteOrigins(network, from) : [from], addresses };
  }

  /** The packet `packet` from `from` to `to`: the first trace that arrives, else the last. */
  trace(from: string, to: string, packet: PacketService): Trace | string {
    const ends = this.#ends(from, to);
    if (typeof ends === "string") return ends;
    const trace = firstArriving(this.network, this.rules, ends.origins, ends.addresses, packet);
    return trace ?? `${q(to)} has no address of the family ${q(from)} sends from`;
  }

  /** The services a packet from `from` arrives at `to` with (0n where it is never sent). */
  mask(from: string, to: string, space: ServiceSpace): bigint {
    const ends = this.#ends(from, to);
    if (typeof ends === "string") return 0n;
    let mask = 0n;
    for (let i = 0; i < space.atoms.length; i++) {
      const packet = space.probe(i);
      if (firstArriving(this.network, this.rules, ends.origins, ends.addresses, packet)?.reached)
        mask |= 1n << BigInt(i);
    }
    return mask;
  }
}

function overlap(x: NamedNetwork, y: NamedNetwork): boolean {
  return x.prefixes.some((p) =>
    y.prefixes.some((q) => rangesOverlap(p.prefix.range, q.prefix.range)),
  );
}

/**
 * Every pair with a named network or the internet at one end, either side, whose services
 * differ: senders in name order, then targets. A network is not paired with itself, nor with
 * one it overlaps; the internet is an end where some peer has an exit node.
 */
export function networkReachChanges(sa: EndsSide, sb: EndsSide, space: ServiceSpace): PairChange[] {
  const a = sa.network;
  const b = sb.network;
  const networks = [...new Set([a, b].flatMap((n) => (n.namedNetworks ?? []).map((x) => x.name)))];
  const internet = sa.exits || sb.exits ? [INTERNET] : [];
  if (networks.length === 0 && internet.length === 0) return [];
  const peers = [...new Set([a, b].flatMap((n) => n.peers.map((p) => p.name)))];
  const ends = [...new Set([...networks, ...internet])];
  const pairs: [string, string][] = [];
  // Peers to networks and the internet; networks to peers, other networks and the internet.
  for (const from of peers) for (const to of ends) pairs.push([from, to]);
  for (const from of networks) {
    for (const to of peers) pairs.push([from, to]);
    for (const to of ends) if (to !== from) pairs.push([from, to]);
  }
  pairs.sort(([f1, t1], [f2, t2]) => compareNames(f1, f2) || compareNames(t1, t2));
  const out: PairChange[] = [];
  for (const [from, to] of pairs) {
    const before = sa.mask(from, to, space);
    const after = sb.mask(from, to, space);
    if (before !== after) out.push({ from, to, before, after });
  }
  return out;
}
