/**
 * The pairs of peers whose services differ between two versions of a network, found without
 * following every pair (a thousand-peer mesh has a million). A packet's fate is decided by what
 * the hosts on its way hold, and nothing else (reachability.ts reads only that): so the hosts
 * of the two versions are compared first, part by part, and only the pairs a differing part
 * can touch are followed, on both sides. The parts, and the pairs each one touches:
 *
 * - a host's own part (its interfaces, addresses, routed networks, forwarding, platform, what
 *   it forwards, the addresses it is reached at): every pair it sends from, and every pair
 *   whose target address can reach it at all, i.e. lies in the AllowedIPs of some link toward it;
 * - one link of a host (its AllowedIPs, whether a handshake can start, exit client): the pairs
 *   the host routes over it (target address in those AllowedIPs, on either side; sent by the
 *   host, or by anyone when it forwards), and the pairs that arrive over it from the other
 *   peer (target address in the AllowedIPs the other peer has for the host; sent by that peer,
 *   or by anyone when it forwards);
 * - what a host lets in from one source address: the pairs whose target address is the host's
 *   and whose source is that address (its owner's, or anyone's when the owner forwards, since
 *   an exit node sends others' packets with its own address).
 *
 * A pair no differing part touches takes the same way through hosts that hold the same on both
 * sides, hop by hop, so it arrives with the same services on both.
 */

import { compareNames } from "../core/order.js";
import { Address } from "../network/address.js";
import type { AddressRange } from "../network/cidr.js";
import type { Link, NetInterface, Network } from "../network/model.js";
import { allowedIPs } from "../network/routing.js";
import { AddressIds, type HostView, Tracer } from "./reachability.js";
import type { ServiceSpace } from "./services.js";

/** One pair whose services differ: masks of `ServiceSpace` pieces, 0n where a peer is absent. */
export interface PairChange {
  from: string;
  to: string;
  before: bigint;
  after: bigint;
}

/** One version of the network, with what its hosts are compared and traced by. */
interface Side {
  /** As given: comparing the hosts resolves each one's interfaces and keeps none. */
  network: Network;
  tracer: Tracer;
  /** The addresses each peer is reached at (a packet reaches it at any of them). */
  targets: Map<string, Address[]>;
}

/** The pairs to follow: whole rows (senders), whole columns (targets), and single pairs. */
class Touched {
  readonly rows = new Set<number>();
  readonly columns = new Set<number>();
  readonly pairs = new Map<number, Set<number>>();

  pair(from: number, to: number): void {
    const row = this.pairs.get(from);
    if (row) row.add(to);
    else this.pairs.set(from, new Set([to]));
  }
}

const rangeKey = (family: 4 | 6, value: bigint) => `${family}:${value}`;

/** Which peers are reached at an address, by exact address and by range. */
class TargetIndex {
  readonly #exact = new Map<string, number[]>();
  readonly #sorted: { 4: { value: bigint; who: number }[]; 6: { value: bigint; who: number }[] } = {
    4: [],
    6: [],
  };

  constructor(entries: Iterable<[Address, number]>) {
    for (const [address, who] of entries) {
      const key = rangeKey(address.family, address.value);
      const list = this.#exact.get(key);
      if (list) list.push(who);
      else this.#exact.set(key, [who]);
      this.#sorted[address.family].push({ value: address.value, who });
    }
    for (const list of Object.values(this.#sorted))
      list.sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
  }

  /** The peers with an address in `range`. */
  within(range: AddressRange): readonly number[] {
    if (range.start === range.end)
      return this.#exact.get(rangeKey(range.family, range.start)) ?? [];
    return this.entriesWithin(range).map((e) => e.who);
  }

  /** The addresses in `range`, each with the peer reached at it. */
  entriesWithin(range: AddressRange): readonly { value: bigint; who: number }[] {
    const list = this.#sorted[range.family];
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((list[middle] as { value: bigint }).value < range.start) low = middle + 1;
      else high = middle;
    }
    const out: { value: bigint; who: number }[] = [];
    for (let i = low; i < list.length; i++) {
      const entry = list[i] as { value: bigint; who: number };
      if (entry.value > range.end) break;
      out.push(entry);
    }
    return out;
  }
}

/**
 * The longest AllowedIPs entry holding an address among the links of one interface but one:
 * `longest(family, value, except)` is its prefix length, undefined when none holds it.
 */
function longestEntries(links: readonly Link[]) {
  const exact = new Map<string, Link[]>();
  const wide: { link: Link; range: AddressRange }[] = [];
  for (const link of links)
    for (const { range } of allowedIPs(link)) {
      if (range.start === range.end) {
        const key = rangeKey(range.family, range.start);
        const list = exact.get(key);
        if (list) list.push(link);
        else exact.set(key, [link]);
      } else wide.push({ link, range });
    }
  return (family: 4 | 6, value: bigint, except: Link): number | undefined => {
    if (exact.get(rangeKey(family, value))?.some((l) => l !== except))
      return family === 4 ? 32 : 128;
    let best: number | undefined;
    for (const { link, range } of wide)
      if (
        link !== except &&
        range.family === family &&
        range.start <= value &&
        value <= range.end &&
        (best === undefined || range.prefix > best)
      )
        best = range.prefix;
    return best;
  };
}

const linkKey = (iface: NetInterface, link: Link) => `${iface.subnet.name}\u0000${link.peer.name}`;

/** What a trace reads of one link. */
function linkPart(link: Link): string {
  const ips = allowedIPs(link)
    .map((a) => a.allowedIP)
    .join(",");
  return `${ips}|${link.noHandshake ? 1 : 0}${link.exitClient ? 1 : 0}`;
}

/** The AllowedIPs of `from`'s link to `to` on `subnet`, on one side (none when absent). */
function linkRanges(side: Side | undefined, from: string, subnet: string, to: string) {
  if (!side?.network.peer(from)) return [];
  // Resolved and let go: a peer added to a mesh changes a link at every host, and keeping each
  // host's view for this is what filled the memory.
  const link = side.network.interfaceOn(from, subnet)?.links.find((l) => l.peer.name === to);
  return link ? allowedIPs(link).map((a) => a.range) : [];
}

/**
 * The pairs whose services differ from `a` to `b`. `eachHost` is called with every peer's name
 * (either side), in name order, right after its interfaces were resolved on both sides: a caller
 * that compares hosts too does so in the same pass (see `interfacesOnce`).
 */
export function reachabilityChanges(
  a: Network,
  b: Network,
  space: ServiceSpace,
  eachHost: (name: string) => void = () => {},
): PairChange[] {
  const ids = new AddressIds();
  const side = (network: Network): Side => ({
    network,
    // The tracer keeps the hosts traces come back to (hops and targets), not every sender.
    tracer: new Tracer(network, space, ids),
    targets: new Map(
      network.peers.map((p) => [
        p.name,
        p.memberships.flatMap((m) => m.addresses.map((x) => x.host)),
      ]),
    ),
  });
  const sa = side(a);
  const sb = side(b);
  const names = [...new Set([...sa.targets.keys(), ...sb.targets.keys()])].sort(compareNames);
  const indexOf = new Map(names.map((name, i) => [name, i]));
  const touched = new Touched();
  // Rules on one side only: every packet is judged anew.
  if (sa.tracer.enforced !== sb.tracer.enforced)
    names.forEach((name, i) => {
      touched.rows.add(i);
      eachHost(name);
    });
  else compareHosts(sa, sb, names, indexOf, touched, eachHost);

  // A target is kept for the traces that come back to it: met by more than one row (every
  // whole row meets every target; the other rows meet the columns and their own pairs). A
  // peer added to a thousand-peer mesh makes one whole row and one column: keeping each target
  // its row met once is what filled the memory; a column of every target (an exit node's
  // rules changed) is met by every row, and resolving each target again for each row is what
  // took minutes.
  const metByRows = new Map<number, number>();
  names.forEach((_, x) => {
    if (touched.rows.has(x)) return;
    for (const t of new Set([...touched.columns, ...(touched.pairs.get(x) ?? [])]))
      metByRows.set(t, (metByRows.get(t) ?? 0) + 1);
  });
  const again = (name: string) =>
    touched.rows.size + (metByRows.get(indexOf.get(name) ?? -1) ?? 0) > 1;
  for (const s of [sa, sb]) s.tracer.keepHosts(again);
  // Every pair touched, in name order, with its services on each side.
  const columns = [...touched.columns].sort((x, y) => x - y);
  const maskOf = (s: Side, from: string, to: string) => {
    const targets = s.targets.get(to);
    if (!targets || !s.targets.has(from)) return 0n;
    let mask = 0n;
    for (const address of targets) {
      mask |= s.tracer.reach(from, address);
      if (mask === space.all) break;
    }
    return mask;
  };
  const out: PairChange[] = [];
  names.forEach((from, x) => {
    let targets: Iterable<number>;
    if (touched.rows.has(x)) targets = names.keys();
    else {
      const single = touched.pairs.get(x);
      targets = single ? [...new Set([...columns, ...single])].sort((i, j) => i - j) : columns;
    }
    for (const t of targets) {
      if (t === x) continue;
      const to = names[t] as string;
      const before = maskOf(sa, from, to);
      const after = maskOf(sb, from, to);
      if (before !== after) out.push({ from, to, before, after });
    }
  });
  return out;
}

/** A value of the access tables as text: address ids, masks, addresses as AllowedIPs write them. */
function valueText(value: unknown): string {
  if (value instanceof Set) return `{${[...value].map(valueText).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map(valueText).join(",")}]`;
  if (value instanceof Address) return value.allowedIP;
  if (typeof value === "object" && value !== null)
    return `(${Object.entries(value)
      .map(([k, v]) => `${k}:${valueText(v)}`)
      .join(" ")})`;
  return String(value);
}

/** What a trace reads of a host itself, links and what it lets in apart, as one text. */
function ownPart(s: Side, view: HostView): string {
  const parts: string[] = [
    `${view.forwards ? 1 : 0}${view.unenforced ? 1 : 0}`,
    (s.targets.get(view.peer.name) ?? []).map((a) => a.ip).join(","),
  ];
  for (const iface of view.ifaces) {
    parts.push(
      `${iface.subnet.name}:${iface.relays ? 1 : 0}`,
      iface.addresses.map((a) => `${a.ip} ${a.interfaceCidr}`).join(","),
      (iface.routes ?? []).map((r) => r.allowedIP).join(","),
    );
    if (!s.tracer.enforced || view.unenforced) continue;
    // Everything the host's access tables hold but what it lets in (compared source by
    // source), field by field: a field added to them is compared without a word here.
    const { input: _, ...rest } = s.tracer.access(view, iface);
    parts.push(valueText(rest));
  }
  // Masks are of one service space, and address ids shared between the sides: text compares.
  return parts.join("\n");
}

/** Compares every host of the two sides and marks the pairs a difference can touch. */
function compareHosts(
  sa: Side,
  sb: Side,
  names: readonly string[],
  indexOf: ReadonlyMap<string, number>,
  touched: Touched,
  eachHost: (name: string) => void,
): void {
  const targetIndex = new TargetIndex(
    [sa, sb].flatMap((s) =>
      [...s.targets].flatMap(([name, list]) =>
        list.map((address): [Address, number] => [address, indexOf.get(name) as number]),
      ),
    ),
  );
  const within = (ranges: readonly AddressRange[]) => [
    ...new Set(ranges.flatMap((r) => targetIndex.within(r))),
  ];
  // Gathered host by host (each host's interfaces are resolved once and let go), used after.
  const forwarding = new Set<string>();
  /** Hosts on both sides whose own part differs: reached over any link toward them. */
  const dirty = new Set<string>();
  /** Links that differ: the host, the peer at the other end, the AllowedIPs of both sides. */
  const changedLinks: { host: string; subnet: string; peer: string; ranges: AddressRange[] }[] = [];
  /** Source addresses each host lets in differently. */
  const sourcesChanged = new Map<string, Set<number>>();
  /** Who sends with each address (interface addresses, either side). */
  const owners = new Map<number, Set<string>>();
  /** Each host's own addresses, either side. */
  const ownRanges = new Map<string, AddressRange[]>();
  const viewOf = (s: Side, name: string) =>
    s.network.peer(name) ? s.tracer.view(name, s.network.interfaces(name)) : undefined;
  for (const name of names) {
    const x = indexOf.get(name) as number;
    const va = viewOf(sa, name);
    const vb = viewOf(sb, name);
    eachHost(name);
    for (const view of [va, vb]) {
      if (!view) continue;
      if (view.forwards) forwarding.add(name);
      for (const id of view.owned) addTo(owners, id, name);
    }
    if (!va || !vb) {
      // On one side only: every pair with it. Packets for others can pass through it only
      // over a link toward it, which is on one side only too (compared at its host).
      touched.rows.add(x);
      touched.columns.add(x);
    } else if (ownPart(sa, va) !== ownPart(sb, vb)) {
      touched.rows.add(x);
      touched.columns.add(x);
      dirty.add(name);
    }
    // Links: each that differs, or is on one side only.
    const links = new Map<string, { iface: NetInterface; link: Link; part: string }>();
    for (const iface of va?.ifaces ?? [])
      for (const link of iface.links)
        links.set(linkKey(iface, link), { iface, link, part: linkPart(link) });
    for (const iface of vb?.ifaces ?? [])
      for (const link of iface.links) {
        const key = linkKey(iface, link);
        const before = links.get(key);
        links.delete(key);
        if (before?.part === linkPart(link)) continue;
        const ranges = allowedIPs(link).map((r) => r.range);
        if (before) ranges.push(...allowedIPs(before.link).map((r) => r.range));
        changedLinks.push({ host: name, subnet: iface.subnet.name, peer: link.peer.name, ranges });
      }
    for (const { iface, link } of links.values())
      changedLinks.push({
        host: name,
        subnet: iface.subnet.name,
        peer: link.peer.name,
        ranges: allowedIPs(link).map((r) => r.range),
      });
    // What it lets in, source by source.
    if (!va || !vb || !sa.tracer.enforced || va.unenforced || vb.unenforced) continue;
    for (const iface of va.ifaces) {
      const other = vb.ifaces[vb.subnetIndex.get(iface.subnet.name) ?? -1];
      if (!other) continue;
      const ia = sa.tracer.access(va, iface).input;
      const ib = sb.tracer.access(vb, other).input;
      let differs = false;
      for (const [source, mask] of ia)
        if (ib.get(source) !== mask) {
          addTo(sourcesChanged, name, source);
          differs = true;
        }
      for (const [source, mask] of ib)
        if (ia.get(source) !== mask) {
          addTo(sourcesChanged, name, source);
          differs = true;
        }
      if (differs)
        ownRanges.set(name, [
          ...va.ifaces.flatMap((i) => i.addresses.map((a) => a.host.range)),
          ...vb.ifaces.flatMap((i) => i.addresses.map((a) => a.host.range)),
        ]);
    }
  }
  /** Pairs to `targets` sent by `sender`, or by anyone when it forwards. */
  const from = (sender: string, targets: readonly number[]) => {
    if (forwarding.has(sender)) for (const t of targets) touched.columns.add(t);
    else {
      const x = indexOf.get(sender) as number;
      for (const t of targets) touched.pair(x, t);
    }
  };
  for (const c of changedLinks) {
    // Packets the host routes over the link.
    from(c.host, within(c.ranges));
    // Packets that arrive over it from the other peer.
    const back = [
      ...linkRanges(sa, c.peer, c.subnet, c.host),
      ...linkRanges(sb, c.peer, c.subnet, c.host),
    ];
    from(c.peer, within(back));
  }
  // A differing host: every pair whose target address lies in some link's AllowedIPs toward it,
  // but where another link of that interface holds the address in a longer entry (the host
  // never routes it over this link: the peers of a mesh with an exit node, each held by its
  // own link and by the exit node's 0.0.0.0/0), and but the host's own addresses (delivered
  // to itself, never routed).
  if (dirty.size > 0)
    for (const s of [sa, sb])
      for (const peer of s.network.peers) {
        const self = indexOf.get(peer.name);
        for (const iface of s.network.interfaces(peer.name)) {
          if (!iface.links.some((l) => dirty.has(l.peer.name))) continue;
          const longest = longestEntries(iface.links);
          for (const link of iface.links) {
            if (!dirty.has(link.peer.name)) continue;
            for (const { range } of allowedIPs(link))
              for (const { value, who } of targetIndex.entriesWithin(range)) {
                if (who === self) continue;
                const other = longest(range.family, value, link);
                if (other === undefined || other <= range.prefix) touched.columns.add(who);
              }
          }
        }
      }
  for (const [host, sources] of sourcesChanged) {
    // Its targets: the peers reached at one of its addresses, on either side.
    const targets = within(ownRanges.get(host) ?? []);
    for (const source of sources)
      for (const sender of owners.get(source) ?? []) from(sender, targets);
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
