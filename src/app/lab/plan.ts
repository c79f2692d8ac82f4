/**
 * The lab's layout for one network, decided before anything is created: one namespace per peer
 * on a shared underlay bridge, the underlay addresses each peer is dialled at (the endpoint
 * addresses the ACL writes, host names resolved to the peer's own underlay address), a
 * masquerading NAT router in front of every peer no other peer dials, a namespace behind each
 * network a peer routes (the first address of the network lives there, and every address in
 * it that a policy test names), and "the internet" behind the exit nodes. The lab's own
 * addresses come from ranges the ACL must not use.
 */

import { AccessRules } from "../../network/access.js";
import { Address, type Prefix } from "../../network/address.js";
import { type AddressRange, addressRange, rangeHolds, rangesOverlap } from "../../network/cidr.js";
import type { NamedNetwork, Network } from "../../network/model.js";
import { firstHostText, internetAddresses } from "../../network/named-networks.js";

/** The underlay of the lab: the benchmark range (RFC 2544) and a ULA block, for v4 and v6. */
export const UNDERLAY_V4 = "198.18.0.0/15";
export const UNDERLAY_V6 = "fd00:1ab::/32";
/** The most peers one lab holds (namespaces, underlay addresses). */
export const LAB_CAPACITY = 250;
/** Where endpoint names of peers outside the lab resolve: on the bridge, held by no namespace. */
export const NOWHERE_V4 = "198.18.255.254";

/** A point-to-point link between two lab namespaces, with both ends' addresses. */
export interface LabLink {
  /** Device names at each end. */
  devA: string;
  devB: string;
  v4A: string;
  v4B: string;
  v6A: string;
  v6B: string;
}

/** An address a LAN namespace owns, with the name probes show for it. */
export interface LabLanAddress {
  address: string;
  /**
   * The named network it is the first address of (`office-lan`, `printer`), else the routed
   * network (`192.168.10.0/24`) for the network's first address, else the address itself.
   */
  name: string;
  /** Whether probes are sent from it (the network's and each named network's first address). */
  source: boolean;
}

/**
 * A network a peer routes, emulated by a namespace behind it holding addresses of the network:
 * its first address (where packets from the network come from, and what a policy test naming
 * the whole network is sent to), then every single address in it a policy test names.
 */
export interface LabLan {
  ns: string;
  network: string;
  /** Its first address first: the source of the probes sent from the network. */
  addresses: LabLanAddress[];
  link: LabLink;
}

export interface LabHost {
  peer: string;
  ns: string;
  /** Its address on the bridge (for a peer behind NAT: its router's). */
  v4: string;
  v6: string;
  /** Endpoint addresses the ACL writes for this peer, added to its bridge device. */
  endpointAddresses: string[];
  /** Endpoint host names the ACL writes for this peer, resolved to `v4` inside the lab. */
  endpointNames: string[];
  /** The NAT router in front of a peer no other peer dials. */
  nat?: { ns: string; link: LabLink };
  lans: LabLan[];
  /** A link to the internet namespace, for exit nodes. */
  internet?: LabLink;
}

export interface LabPlan {
  /** Every namespace name starts with this (`wnl-<run>-`). */
  prefix: string;
  bridge: string;
  /** The internet's namespace, behind the exit nodes (when the ACL has any). */
  internet?: string;
  /**
   * Its addresses: those `check` sends a packet to the target `internet` to (one per family,
   * outside every WireGuard address and routed network).
   */
  internetAddresses?: string[];
  hosts: LabHost[];
  /**
   * Endpoint host names the lab's peers dial peers outside the lab at (probed from a few
   * peers): they resolve to `NOWHERE_V4`, so wg-quick can bring the link up, and nothing answers.
   */
  outside: string[];
}

/** Why a network cannot be emulated; the CLI prints it as one line. */
export class LabPlanError extends Error {}

/** Every range the ACL itself uses: interface addresses, routes, endpoint addresses. */
function aclRanges(network: Network): { text: string; range: AddressRange }[] {
  const out: { text: string; range: AddressRange }[] = [];
  const add = (text: string) => {
    const range = addressRange(text);
    if (range) out.push({ text, range });
  };
  for (const peer of network.peers) {
    for (const m of peer.memberships) {
      for (const a of m.addresses) add(a.interfaceCidr);
      for (const r of m.routes ?? []) add(r.text);
    }
    for (const e of peer.endpoints) if (e.ip) add(e.ip);
  }
  return out;
}

/** Endpoint addresses and names a peer is dialled at. */
interface Dialled {
  addresses: Set<string>;
  names: Set<string>;
}

/**
 * The endpoint addresses and names the peers of the lab dial each other at, as the generated
 * files write them, by dialled peer: one pass over the lab peers' links.
 */
function dialledAt(
  network: Network,
  peers: ReadonlySet<string>,
  outside: Set<string>,
): Map<string, Dialled> {
  const out = new Map<string, Dialled>();
  for (const other of network.peers) {
    if (!peers.has(other.name)) continue;
    for (const iface of network.interfaces(other.name))
      for (const link of iface.links) {
        const ip = link.endpoint.ip;
        const peer = link.peer.name;
        if (ip === undefined || link.endpoint.port === undefined) continue;
        if (!peers.has(peer)) {
          if (!Address.parse(ip)) outside.add(ip);
          continue;
        }
        let dialled = out.get(peer);
        if (!dialled) {
          dialled = { addresses: new Set(), names: new Set() };
          out.set(peer, dialled);
        }
        if (Address.parse(ip)) dialled.addresses.add(Address.of(ip).ip);
        else dialled.names.add(ip);
      }
  }
  return out;
}

/** Exit nodes: the peers some membership names as its exitNode. */
function exitNodes(network: Network): Set<string> {
  const out = new Set<string>();
  for (const peer of network.peers)
    for (const m of peer.memberships) if (m.exitNode !== undefined) out.add(m.exitNode);
  return out;
}

/** The addresses in routed networks that the ACL's policy tests send to. */
function testedAddresses(network: Network): Address[] {
  const out: Address[] = [];
  for (const test of network.policyTests ?? [])
    for (const t of [...test.reaches, ...test.notReaches])
      if (t.target.network !== undefined) out.push(t.target.network);
  return out;
}

/**
 * The addresses a LAN namespace owns: the network's first address (named by the most specific
 * named network whose prefix starts there, else by the route), the first address of every
 * named network inside it, then the addresses policy tests name in it. The first address and
 * the named networks' are sources too.
 */
function lanAddresses(
  route: Prefix,
  named: readonly NamedNetwork[],
  tested: readonly Address[],
): LabLanAddress[] {
  const out: (LabLanAddress & { length: number })[] = [
    { address: firstHostText(route.range), name: route.text, source: true, length: -1 },
  ];
  for (const n of named)
    for (const { prefix } of n.prefixes) {
      const r = prefix.range;
      if (!rangeHolds(route.range, r.family, r.start) || !rangeHolds(route.range, r.family, r.end))
        continue;
      const address = firstHostText(r);
      const known = out.find((o) => o.address === address);
      if (!known) out.push({ address, name: n.name, source: true, length: r.prefix });
      else if (r.prefix > known.length) Object.assign(known, { name: n.name, length: r.prefix });
    }
  for (const a of tested)
    if (rangeHolds(route.range, a.family, a.value) && !out.some((o) => o.address === a.text))
      out.push({ address: a.text, name: a.text, source: false, length: -1 });
  return out.map(({ length: _, ...a }) => a);
}

/**
 * The layout of the lab for `network`, with a namespace for each of `peers` (every peer when
 * not given; see `ProbePlan.peers`). `run` makes the namespace names of this lab unique (a few
 * hex digits), so labs of several runs can be up side by side.
 */
export function planLab(
  network: Network,
  run: string,
  peers: readonly string[] = network.peers.map((p) => p.name),
): LabPlan {
  const v4 = addressRange(UNDERLAY_V4) as AddressRange;
  const v6 = addressRange(UNDERLAY_V6) as AddressRange;
  const used = aclRanges(network);
  for (const u of used)
    if (rangesOverlap(u.range, v4) || rangesOverlap(u.range, v6))
      throw new LabPlanError(
        `the ACL uses ${u.text}, inside the lab's own underlay (${UNDERLAY_V4}, ${UNDERLAY_V6})`,
      );
  const tunnelAddresses = network.peers.flatMap((p) =>
    p.memberships.flatMap((m) => m.addresses.map((a) => a.host)),
  );
  if (peers.length > LAB_CAPACITY)
    throw new LabPlanError(
      `the lab holds at most ${LAB_CAPACITY} peers, and this one would hold ${peers.length}; probed from a few peers, it holds only those, the targets of their policy tests and the peers on the way`,
    );
  const prefix = `wnl-${run}-`;
  let links = 0;
  // Point-to-point links take /30s from 198.19.0.0/16 and /64s from fd00:1ab:1::/48.
  const link = (devA: string, devB: string): LabLink => {
    const k = links++;
    if (k > 16_383) throw new LabPlanError("the lab has room for 16384 links");
    const third = Math.floor((k * 4) / 256);
    const fourth = (k * 4) % 256;
    return {
      devA,
      devB,
      v4A: `198.19.${third}.${fourth + 1}/30`,
      v4B: `198.19.${third}.${fourth + 2}/30`,
      v6A: `fd00:1ab:1:${k.toString(16)}::1/64`,
      v6B: `fd00:1ab:1:${k.toString(16)}::2/64`,
    };
  };
  const exits = exitNodes(network);
  const tested = testedAddresses(network);
  const inLab = new Set(peers);
  const outside = new Set<string>();
  const dialled = dialledAt(network, inLab, outside);
  const members = network.peers.filter((p) => inLab.has(p.name));
  const hosts = members.map((peer, i): LabHost => {
    const ns = `${prefix}${i}`;
    const at = dialled.get(peer.name);
    const host: LabHost = {
      peer: peer.name,
      ns,
      v4: `198.18.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`,
      v6: `fd00:1ab::${(i + 1).toString(16)}`,
      endpointAddresses: [...(at?.addresses ?? [])],
      endpointNames: [...(at?.names ?? [])],
      lans: [],
    };
    if (host.endpointAddresses.length === 0 && host.endpointNames.length === 0)
      host.nat = { ns: `${ns}n`, link: link("lan0", "eth0") };
    const routed = peer.memberships.flatMap((m) => m.routes ?? []);
    for (const [j, route] of routed.entries()) {
      const range = route.range;
      // A route over the tunnel network itself (a hub routing its subnet) is no LAN, nor is a
      // default route.
      if (range.prefix === 0) continue;
      if (tunnelAddresses.some((a) => rangesOverlap(a.range, range))) continue;
      host.lans.push({
        ns: `${ns}l${j}`,
        network: route.text,
        addresses: lanAddresses(route, network.namedNetworks ?? [], tested),
        link: link(`lan${j + 1}`, "eth0"),
      });
    }
    if (exits.has(peer.name)) host.internet = link("inet0", `x${i}`);
    return host;
  });
  // A name a peer of the lab is dialled at too resolves to that peer.
  const named = new Set(hosts.flatMap((h) => h.endpointNames));
  const plan: LabPlan = {
    prefix,
    bridge: `${prefix}br`,
    hosts,
    outside: [...outside].filter((name) => !named.has(name)),
  };
  if (exits.size > 0) {
    plan.internet = `${prefix}inet`;
    plan.internetAddresses = internetAddresses(new AccessRules(network).known()).map((a) => a.text);
  }
  return plan;
}

/** Every namespace of the plan, bridge first (the order they are made in). */
export function planNamespaces(plan: LabPlan): string[] {
  const out = [plan.bridge];
  if (plan.internet) out.push(plan.internet);
  for (const h of plan.hosts) {
    if (h.nat) out.push(h.nat.ns);
    out.push(h.ns);
    for (const lan of h.lans) out.push(lan.ns);
  }
  return out;
}
