/**
 * Access rules (`rules`): what each host lets in over each of its WireGuard interfaces, decided
 * once here so that the firewall every configurer writes (render/configurers/nft-rules.ts) and the
 * policy tests that follow packets (analysis/packet-trace.ts) read the same decision.
 *
 * A rule `{ from, to, allow, subnets? }` lets a packet in on an interface of subnet S when S is
 * one the rule applies to, its source is an address on S of a peer `from` selects, and
 *   - on the receiving host (input): that host is one `to` selects;
 *   - on a router or exit node (forward): its destination is an address of a peer `to` selects
 *     on a subnet the rule applies to, or a network such a peer routes there;
 * where a peer's address is always the one host it names (`10.0.0.2/24` is 10.0.0.2 here, its
 * prefix only the interface's), so a rule is never wider than the peers it names.
 * and the packet is one of `allow`'s services. Replies to allowed packets pass. An exit node
 * also forwards what its exit clients send outside every WireGuard address and routed network
 * (that is what an exit node is for), unless some rule names the `internet` as a target: then
 * its exit clients reach only what such rules allow. Without `rules` nothing is filtered.
 *
 * Named networks (`networks`, see named-networks.ts) widen both sides:
 *   - a side of networks as `from`: the sources are the networks' prefixes, on the subnets their
 *     routers route them on; the router itself filters what its networks send into the tunnel
 *     (forward, out of its WireGuard device: `into`), every host on the way as for any source;
 *   - a side of networks as `to`: the destinations are the prefixes (forward on every host that
 *     forwards, the router's included; input on the router for its own addresses inside them);
 *   - `internet` as `to`: destinations outside every known address, on exit nodes, from their
 *     exit clients (and the networks those route).
 * What no rule allows is dropped, or refused (`reject`) when `rulesAction` says so; a rule's
 * `action` decides instead for packets from its `from` to its `to`.
 */
import type { Address, Prefix } from "./address.js";
import { rangesOverlap } from "./cidr.js";
import type { NetInterface, NetPeer, NetRule, Network, RuleAction } from "./model.js";
import { rulesNameInternet, selectedNetworks } from "./named-networks.js";
import { interfaceForwards } from "./routing.js";
import { filterSelects } from "./select.js";
import type { PacketService, Service } from "./service.js";

/** The packets one rule concerns on one interface: from these sources (to these destinations). */
export interface RuleMatch {
  /** Index of the rule in `rules`. */
  rule: number;
  /**
   * Host addresses of the peers `from` selects on the subnet (never a member's prefix), or the
   * prefixes of the networks it selects.
   */
  sources: readonly Address[];
  /**
   * Forward (and input on a network's router): host addresses and routed networks of the peers
   * `to` selects, or the prefixes of the networks it selects. Absent on input: the host itself.
   */
  destinations?: readonly Address[];
  /** To the internet: destinations outside every known address (`InterfaceAccess.known`). */
  outside?: true;
}

/** What a rule lets in on one interface. */
export interface Allow extends RuleMatch {
  services: readonly Service[];
}

/** Packets of a rule no rule allows, met with the rule's `action` instead of the network's. */
export interface Refusal extends RuleMatch {
  action: RuleAction;
}

/** What a router lets its named networks send into the tunnel on one interface (forward). */
export interface IntoTunnel {
  /** The prefixes of named networks the host routes on this interface's subnet. */
  sites: readonly Address[];
  allow: Allow[];
  refuse: Refusal[];
}

/** What one host lets in over one of its interfaces. */
export interface InterfaceAccess {
  subnet: string;
  /** Packets for the host itself. */
  input: Allow[];
  /** Packets the host forwards (it routes networks or is an exit node). */
  forward: Allow[];
  /** Addresses of this host's exit clients on the subnet: their packets may leave. */
  exitSources: Address[];
  /** Every WireGuard address and routed network: what leaving means not reaching. */
  known: Address[];
  /** What happens to what no rule allows, unless a refusal says otherwise. */
  action: RuleAction;
  /** Rules whose `action` differs from `action`: what they refuse, in rule order. */
  refuse: { input: Refusal[]; forward: Refusal[] };
  /** Present on a router of named networks on this subnet: what they may send into the tunnel. */
  into?: IntoTunnel;
}

export type Verdict =
  | { allowed: true; rule?: number; why: string }
  | { allowed: false; why: string; action: RuleAction; rule?: number };

function selectable(peer: NetPeer) {
  return { name: peer.name, groups: peer.groups, subnets: peer.memberships.map((m) => m.subnet) };
}

function selects(filters: NetRule["from"], peer: NetPeer): boolean {
  const p = selectable(peer);
  return filters.every((f) => filterSelects(p, f));
}

function appliesTo(rule: NetRule, subnet: string): boolean {
  return rule.subnets === undefined || rule.subnets.includes(subnet);
}

/**
 * A member's addresses as rules see them: each the one host it names. `10.0.0.2/24` is the
 * interface's address and prefix everywhere the original uses it (the interface, AllowedIPs),
 * but as a rule's source or destination it is the host 10.0.0.2, never the whole /24: a rule
 * never admits more than the peers it names.
 */
function hosts(addresses: readonly Address[]): Address[] {
  return addresses.map((a) => a.host);
}

/** Every host address of the subnet's members: to tell relay routes from networks. */
function subnetAddresses(network: Network, subnet: string): Address[] {
  const out: Address[] = [];
  for (const peer of network.peers)
    for (const m of peer.memberships) if (m.subnet === subnet) out.push(...hosts(m.addresses));
  return out;
}

/**
 * The networks a peer routes on a subnet that are destinations of their own: a route that holds
 * WireGuard addresses of the subnet (a hub routing the whole tunnel network) relays to those
 * peers, and reaching them is their own rules' business, not the router's.
 */
function ownedNetworks(peer: NetPeer, subnet: string, members: readonly Address[]): Prefix[] {
  const routes = peer.memberships.find((m) => m.subnet === subnet)?.routes ?? [];
  return routes.filter((route) => !members.some((m) => rangesOverlap(route.range, m.range)));
}

/**
 * What forwarding one interface needs, per IP family: `interface` when everything it forwards
 * arrives and leaves on this WireGuard interface (a hub relaying between the peers of its
 * subnet: its route holds their addresses), `host` when packets go on to other interfaces (a
 * network it routes, the internet for its exit clients). A family it forwards nothing of is
 * absent. The one place that decides it: every output that turns forwarding on reads this.
 */
export interface ForwardingNeed {
  ipv4?: "interface" | "host";
  ipv6?: "interface" | "host";
}

export function interfaceForwarding(iface: NetInterface): ForwardingNeed {
  const need: ForwardingNeed = {};
  const widen = (family: 4 | 6, scope: "interface" | "host") => {
    const key = family === 4 ? "ipv4" : "ipv6";
    if (need[key] !== "host") need[key] = scope;
  };
  const tunnel = [...iface.addresses, ...iface.links.flatMap((l) => l.addresses)];
  for (const route of iface.routes ?? []) {
    const relay = tunnel.some((a) => rangesOverlap(route.range, a.range));
    widen(route.family, relay ? "interface" : "host");
  }
  for (const link of iface.links)
    if (link.exitClient) for (const a of link.addresses) widen(a.family, "host");
  // The subnet's relay forwards between its members: in and out of this interface.
  if (iface.relays) for (const a of iface.addresses) widen(a.family, "interface");
  return need;
}

/**
 * Whether a host forwards between interfaces: it routes networks for others or is an exit node
 * (the forwarding sysctl it gets is host-wide, so then every interface forwards).
 */
export function hostForwards(interfaces: readonly NetInterface[]): boolean {
  return interfaces.some(interfaceForwards);
}

/** The peers one side of a rule selects on one subnet, and their host addresses there. */
interface Selected {
  /** Each selected peer's addresses: `addresses.slice(start, end)`. */
  spans: ReadonlyMap<string, readonly [number, number]>;
  addresses: readonly Address[];
}

/**
 * The access rules of a network, resolved per host and interface. Build one per network (it
 * keeps what it resolved for the hosts asked about).
 */
export class AccessRules {
  readonly #network: Network;
  readonly #rules: readonly NetRule[];
  readonly #members = new Map<string, Address[]>();
  readonly #selections = new Map<string, Selected>();
  readonly #targetPeers = new Map<number, NetPeer[]>();
  /**
   * The destinations of each rule for the last host asked: a host on many subnets (a core
   * router) asks once per interface, and the same list lets the printers reuse its set.
   */
  readonly #lastDestinations = new Map<number, { self: string; list: Address[] }>();
  /** Some rule names the internet: exit clients reach only what such rules allow. */
  readonly #internetRules: boolean;
  #known: Address[] | undefined;

  constructor(network: Network) {
    this.#network = network;
    this.#rules = network.rules ?? [];
    this.#internetRules = rulesNameInternet(network);
  }

  /** Whether the network has rules at all (without them nothing is filtered). */
  get enforced(): boolean {
    return this.#network.rules !== undefined;
  }

  get rules(): readonly NetRule[] {
    return this.#rules;
  }

  #membersOf(subnet: string): Address[] {
    let found = this.#members.get(subnet);
    if (!found) {
      found = subnetAddresses(this.#network, subnet);
      this.#members.set(subnet, found);
    }
    return found;
  }

  /**
   * The peers a rule's `from` selects, in ACL order, each with the host addresses of its
   * membership of `subnet` (those that are members): computed once per rule and subnet,
   * so that each interface pays only for the addresses it gets, not for a walk over all peers.
   */
  #selected(rule: NetRule, subnet: string): Selected {
    const key = `${rule.index}\u0000${subnet}`;
    let found = this.#selections.get(key);
    if (!found) {
      const spans = new Map<string, [number, number]>();
      const addresses: Address[] = [];
      for (const peer of this.#network.peers) {
        if (!selects(rule.from, peer)) continue;
        const m = peer.memberships.find((x) => x.subnet === subnet);
        if (!m) continue;
        const start = addresses.length;
        for (const a of m.addresses) addresses.push(a.host);
        spans.set(peer.name, [start, addresses.length]);
      }
      found = { spans, addresses };
      this.#selections.set(key, found);
    }
    return found;
  }

  /** Host addresses of the peers `rule.from` selects on `subnet`, but `self`. */
  #addresses(rule: NetRule, subnet: string, self: string): readonly Address[] {
    const { spans, addresses } = this.#selected(rule, subnet);
    const span = spans.get(self);
    // Without self's own addresses; a list self is not in stays shared between interfaces.
    if (!span) return addresses;
    return [...addresses.slice(0, span[0]), ...addresses.slice(span[1])];
  }

  /** The peers `rule.to` selects, with their memberships of the subnets the rule applies to. */
  #targets(rule: NetRule): readonly NetPeer[] {
    let found = this.#targetPeers.get(rule.index);
    if (!found) {
      found = this.#network.peers.filter((peer) => selects(rule.to, peer));
      this.#targetPeers.set(rule.index, found);
    }
    return found;
  }

  /**
   * Host addresses (every subnet the rule applies to) and owned networks of the peers `to`
   * selects.
   */
  #destinations(rule: NetRule, self: string): Address[] {
    const last = this.#lastDestinations.get(rule.index);
    if (last?.self === self) return last.list;
    const list = this.#destinationsOf(rule, self);
    this.#lastDestinations.set(rule.index, { self, list });
    return list;
  }

  #destinationsOf(rule: NetRule, self: string): Address[] {
    const out: Address[] = [];
    for (const peer of this.#targets(rule)) {
      for (const m of peer.memberships) {
        if (!appliesTo(rule, m.subnet)) continue;
        if (peer.name !== self) out.push(...hosts(m.addresses));
        out.push(...ownedNetworks(peer, m.subnet, this.#membersOf(m.subnet)));
      }
    }
    return distinct(out);
  }

  /** Every WireGuard address and routed network of the network. */
  known(): Address[] {
    this.#known ??= knownAddresses(this.#network);
    return this.#known;
  }

  /** The prefixes of the networks `rule.from` selects that enter the tunnel on `subnet`. */
  #networkSources(rule: NetRule, subnet: string, self: string): Address[] | undefined {
    const selected = selectedNetworks(this.#network, rule.from);
    if (!selected) return undefined;
    const out: Address[] = [];
    for (const n of selected.networks)
      for (const { prefix, routers } of n.prefixes) {
        const here = routers.filter((r) => r.subnet === subnet);
        // Self's own networks arrive on its LAN, never over this interface.
        if (here.length > 0 && !here.every((r) => r.peer === self)) out.push(prefix);
      }
    return distinct(out);
  }

  /** The sources of `rule` on `subnet` as `self` sees them (never its own addresses). */
  #sources(rule: NetRule, subnet: string, self: string): readonly Address[] {
    return this.#networkSources(rule, subnet, self) ?? this.#addresses(rule, subnet, self);
  }

  /**
   * What `rule.to` selects as destinations: host addresses and owned networks of peers, or the
   * prefixes of networks (each with a router on a subnet the rule applies to), and whether the
   * internet.
   */
  #targetsOf(rule: NetRule, self: string): { destinations: Address[]; internet: boolean } {
    const selected = selectedNetworks(this.#network, rule.to);
    if (!selected) return { destinations: this.#destinations(rule, self), internet: false };
    const out: Address[] = [];
    for (const n of selected.networks)
      for (const { prefix, routers } of n.prefixes)
        if (routers.some((r) => appliesTo(rule, r.subnet))) out.push(prefix);
    return { destinations: distinct(out), internet: selected.internet };
  }

  /** The prefixes of named networks `self` routes on `subnet`: its sites there. */
  #sitesOf(self: string, subnet: string): Address[] {
    const out: Address[] = [];
    for (const n of this.#network.namedNetworks ?? [])
      for (const { prefix, routers } of n.prefixes)
        if (routers.some((r) => r.peer === self && r.subnet === subnet)) out.push(prefix);
    return distinct(out);
  }

  /**
   * What `peer` lets in over its interface `iface`; `forwards` says whether the host forwards
   * at all (else its forward lists stay empty: nothing passes through it anyway).
   */
  interfaceAccess(peer: NetPeer, iface: NetInterface, forwards: boolean): InterfaceAccess {
    const subnet = iface.subnet.name;
    const action = this.#network.rulesAction ?? "drop";
    const input: Allow[] = [];
    const forward: Allow[] = [];
    const refuse: InterfaceAccess["refuse"] = { input: [], forward: [] };
    // What an exit node's clients (and the networks they route) send from.
    const exitClients = forwards ? iface.links.filter((l) => l.exitClient) : [];
    const exitBlocks = exitClients.flatMap((l) => [...hosts(l.addresses), ...(l.routes ?? [])]);
    let outside = false;
    for (const rule of this.#rules) {
      if (!appliesTo(rule, subnet)) continue;
      const sources = this.#sources(rule, subnet, peer.name);
      if (sources.length === 0) continue;
      const services = rule.allow;
      const refused = rule.action !== undefined && rule.action !== action ? rule.action : undefined;
      const matches: RuleMatch[] = [];
      const toNetworks = selectedNetworks(this.#network, rule.to);
      if (!toNetworks && selects(rule.to, peer)) {
        input.push({ rule: rule.index, sources, services });
        if (refused) refuse.input.push({ rule: rule.index, sources, action: refused });
      }
      // A host that does not forward needs the destinations only of rules to networks (its own
      // addresses inside them); resolving them for every spoke of a hub made this quadratic.
      if (!forwards && !toNetworks) continue;
      const { destinations, internet } = this.#targetsOf(rule, peer.name);
      // The router's own addresses inside a network it routes are the host itself.
      const own = toNetworks ? destinations.filter((d) => routesOwn(peer, d)) : [];
      if (own.length > 0) {
        input.push({ rule: rule.index, sources, destinations: own, services });
        if (refused)
          refuse.input.push({ rule: rule.index, sources, destinations: own, action: refused });
      }
      if (forwards && destinations.length > 0)
        matches.push({ rule: rule.index, sources, destinations });
      if (internet && exitBlocks.length > 0) {
        const leaving = sources.filter((s) =>
          exitBlocks.some((b) => rangesOverlap(b.range, s.range)),
        );
        if (leaving.length > 0) {
          matches.push({ rule: rule.index, sources: leaving, outside: true });
          outside = true;
        }
      }
      for (const match of matches) {
        forward.push({ ...match, services });
        if (refused) refuse.forward.push({ ...match, action: refused });
      }
    }
    // An exit client's packets leave with its own host address as their source; once a rule
    // names the internet, only as such rules allow.
    const exitSources = this.#internetRules ? [] : exitClients.flatMap((l) => hosts(l.addresses));
    const access: InterfaceAccess = {
      subnet,
      input,
      forward,
      exitSources,
      known: exitSources.length > 0 || outside ? this.known() : [],
      action,
      refuse,
    };
    const into = this.#into(peer, iface, action);
    if (into) {
      access.into = into;
      if (into.allow.some((a) => a.outside) && access.known.length === 0)
        access.known = this.known();
    }
    return access;
  }

  /** What the named networks `peer` routes on the interface's subnet may send into the tunnel. */
  #into(peer: NetPeer, iface: NetInterface, action: RuleAction): IntoTunnel | undefined {
    const subnet = iface.subnet.name;
    const sites = this.#sitesOf(peer.name, subnet);
    if (sites.length === 0) return undefined;
    const siteKeys = new Set(sites.map((a) => a.allowedIP));
    const allow: Allow[] = [];
    const refuse: Refusal[] = [];
    for (const rule of this.#rules) {
      if (!appliesTo(rule, subnet)) continue;
      const from = selectedNetworks(this.#network, rule.from);
      if (!from) continue;
      const sources = distinct(
        from.networks.flatMap((n) => n.prefixes.map((p) => p.prefix)),
      ).filter((p) => siteKeys.has(p.allowedIP));
      if (sources.length === 0) continue;
      const refused = rule.action !== undefined && rule.action !== action ? rule.action : undefined;
      const { destinations, internet } = this.#targetsOf(rule, peer.name);
      const matches: RuleMatch[] = [];
      if (destinations.length > 0) matches.push({ rule: rule.index, sources, destinations });
      // Its networks reach the internet through the router's own exit node.
      if (internet && iface.exit) matches.push({ rule: rule.index, sources, outside: true });
      for (const match of matches) {
        allow.push({ ...match, services: rule.allow });
        if (refused) refuse.push({ ...match, action: refused });
      }
    }
    return { sites, allow, refuse };
  }
}

/** Whether `peer` routes `prefix` itself (it is a router of that network). */
function routesOwn(peer: NetPeer, prefix: Address): boolean {
  return peer.memberships.some((m) =>
    (m.routes ?? []).some(
      (r) =>
        r.family === prefix.family &&
        r.range.start <= prefix.range.start &&
        prefix.range.end <= r.range.end,
    ),
  );
}

/** Every WireGuard address and routed network of `network`: what the internet is not. */
export function knownAddresses(network: Network): Address[] {
  const out: Address[] = [];
  for (const peer of network.peers)
    for (const m of peer.memberships) out.push(...m.addresses, ...(m.routes ?? []));
  return distinct(out);
}

/** The first of each AllowedIPs entry (`10.0.0.2` and `10.0.0.2/32` are one), in order. */
function distinct(addresses: readonly Address[]): Address[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    if (seen.has(a.allowedIP)) return false;
    seen.add(a.allowedIP);
    return true;
  });
}

/** Whether one of `blocks` holds the single address `address`. */
function holds(blocks: readonly Address[], address: Address): boolean {
  return blocks.some((b) => b.holds(address));
}

function serves(services: readonly Service[], packet: PacketService | undefined): boolean {
  if (packet === undefined) return services.length > 0;
  return services.some((s) => {
    if (s.protocol === "any") return true;
    if (s.protocol !== packet.protocol) return false;
    if (s.protocol === "icmp") return true;
    // A query without a port asks whether any port of the protocol is open.
    return packet.port === undefined || (s.low <= packet.port && packet.port <= s.high);
  });
}

/** Whether `match` concerns a packet from `source` to `destination`. */
function concerns(
  match: RuleMatch,
  known: readonly Address[],
  source: Address,
  destination: Address | undefined,
): boolean {
  if (!holds(match.sources, source)) return false;
  if (match.outside) return destination !== undefined && !holds(known, destination);
  if (match.destinations === undefined) return true;
  return destination !== undefined && holds(match.destinations, destination);
}

const allowedBy = (rule: number): Verdict => ({
  allowed: true,
  rule,
  why: `allowed by rules[${rule}]`,
});

/** What no rule allows meets: the first refusal that concerns it, else the interface's action. */
function refused(
  refusals: readonly Refusal[],
  action: RuleAction,
  known: readonly Address[],
  source: Address,
  destination: Address | undefined,
): Verdict {
  const refusal = refusals.find((r) => concerns(r, known, source, destination));
  if (refusal)
    return {
      allowed: false,
      action: refusal.action,
      rule: refusal.rule,
      why: `no rule allows it (${refusal.action === "reject" ? "refused" : "dropped"} as rules[${refusal.rule}] says)`,
    };
  return { allowed: false, action, why: "no rule allows it" };
}

/**
 * Whether `access` lets in a packet from `source` for the host itself (`destination`: the
 * address it is for, which only a network's router asks about its own addresses inside it).
 */
export function decideInput(
  access: InterfaceAccess | undefined,
  source: Address,
  packet: PacketService | undefined,
  destination?: Address,
): Verdict {
  if (!access) return { allowed: true, why: "no rules: everything passes" };
  const allow = access.input.find(
    (a) => concerns(a, access.known, source, destination) && serves(a.services, packet),
  );
  if (allow) return allowedBy(allow.rule);
  return refused(access.refuse.input, access.action, access.known, source, destination);
}

/** Whether `access` lets a packet from `source` to `destination` be forwarded. */
export function decideForward(
  access: InterfaceAccess | undefined,
  source: Address,
  destination: Address,
  packet: PacketService | undefined,
): Verdict {
  if (!access) return { allowed: true, why: "no rules: everything passes" };
  const allow = access.forward.find(
    (a) => concerns(a, access.known, source, destination) && serves(a.services, packet),
  );
  if (allow) return allowedBy(allow.rule);
  if (holds(access.exitSources, source) && !holds(access.known, destination))
    return { allowed: true, why: "an exit client's packet leaving through its exit node" };
  return refused(access.refuse.forward, access.action, access.known, source, destination);
}

/**
 * Whether a router lets a packet from its network (`source`, arriving on its LAN) into the
 * tunnel on the interface of `access` toward `destination`. A source that is none of its named
 * networks is not filtered there (the receivers' rules decide).
 */
export function decideIntoTunnel(
  access: InterfaceAccess | undefined,
  source: Address,
  destination: Address,
  packet: PacketService | undefined,
): Verdict {
  const into = access?.into;
  if (!access || !into || !holds(into.sites, source))
    return { allowed: true, why: "not filtered where it enters the tunnel" };
  const allow = into.allow.find(
    (a) => concerns(a, access.known, source, destination) && serves(a.services, packet),
  );
  if (allow) return allowedBy(allow.rule);
  return refused(into.refuse, access.action, access.known, source, destination);
}
