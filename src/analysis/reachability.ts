/**
 * Who reaches whom with which services, for every pair of peers at once: the answer
 * `tracePacket` (paths.ts) gives pair by pair, computed for a whole network in one pass. The
 * path a packet takes does not depend on its service, only the rules on the way do; so each
 * (sender, address) pair is followed once, and each host's verdict is a mask of service pieces
 * (services.ts) looked up in tables built once per host and interface, instead of one trace per
 * pair and service that scans every link and rule. It follows the same steps as `tracePacket`,
 * and a test holds the two to the same answers; `explain` stays the one that says why.
 */

import { AccessRules, hostForwards } from "../network/access.js";
import type { Address } from "../network/address.js";
import type { AddressRange } from "../network/cidr.js";
import type { Link, NetInterface, NetPeer, Network } from "../network/model.js";
import { enforcesRules } from "../network/platform.js";
import { allowedIPs } from "../network/routing.js";
import type { ServiceSpace } from "./services.js";

/** The services each peer reaches on each other peer (by index in `peers`). */
export interface Reachability {
  peers: readonly string[];
  space: ServiceSpace;
  /** `masks[from * n + to]`: the service pieces a packet from `from` arrives at `to` with. */
  masks: readonly bigint[];
}

/**
 * Addresses as small numbers: each distinct (family, value) once, so the tables below are
 * keyed by integers instead of 128-bit numbers turned to text on every lookup. Two networks
 * compared share one, so an address has the same number in both.
 */
export class AddressIds {
  readonly #byValue = new Map<string, number>();
  readonly #byObject = new WeakMap<Address, number>();

  of(a: Address): number {
    let id = this.#byObject.get(a);
    if (id === undefined) {
      id = this.ofRange(a.family, a.value);
      this.#byObject.set(a, id);
    }
    return id;
  }

  ofRange(family: 4 | 6, value: bigint): number {
    const text = `${family}:${value}`;
    let id = this.#byValue.get(text);
    if (id === undefined) {
      id = this.#byValue.size;
      this.#byValue.set(text, id);
    }
    return id;
  }
}

interface RouteEntry {
  iface: number;
  kind: "iface" | "link" | "own";
  link: number | undefined;
  prefix: number;
  range: AddressRange;
}

/** A host's routes (its interface prefixes, AllowedIPs and own networks), for fast lookup. */
interface RouteTables {
  /** Entries of one host each (a /32 or /128), by address. */
  exact: Map<number, RouteEntry[]>;
  /** Wider entries, scanned. */
  wide: RouteEntry[];
}

/** What a trace reads of one host. */
export interface HostView {
  peer: NetPeer;
  ifaces: readonly NetInterface[];
  forwards: boolean;
  /** The network has rules, but this host's platform does not apply them. */
  unenforced: boolean;
  owned: Set<number>;
  /** Built when the host first routes a packet (comparing two networks may never need them). */
  routes?: RouteTables;
  /** Per interface: the link to each peer, by name. */
  linkTo: Map<string, Link>[];
  /** Interface index by subnet name. */
  subnetIndex: Map<string, number>;
  /** What the host lets in, by subnet (built when first asked). */
  access: Map<string, AccessView>;
}

export interface AccessView {
  /** Pieces let in for the host itself, by source address. */
  input: Map<number, bigint>;
  forward: { sources: Set<number>; destinations: readonly Address[]; mask: bigint }[];
  exitSources: Set<number>;
  known: readonly Address[];
}

function holdsRange(range: AddressRange, dst: Address): boolean {
  return range.family === dst.family && range.start <= dst.value && dst.value <= range.end;
}

function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** The tables of one network, built as hosts are met. */
export class Tracer {
  readonly #network: Network;
  readonly #space: ServiceSpace;
  readonly #rules: AccessRules;
  /**
   * Hosts met on the way of a packet (hops and targets) that traces come back to: those `#keep`
   * says will be met again (every one by default). Hosts that forward are kept in
   * `#forwarders`, all of them: they are the hubs and routers most ways pass. The last host met
   * and not kept stays in `#last` (a target is met once for each of its addresses).
   */
  readonly #hosts = new Map<string, HostView>();
  readonly #forwarders = new Map<string, HostView>();
  #last: HostView | undefined;
  #keep: (name: string) => boolean = () => true;
  /**
   * The last sender met only as a sender: a row of traces starts at it again and again, but
   * once the row is done it is not met again (keeping a thousand senders' route tables is what
   * filled the memory of comparing two thousand-peer meshes).
   */
  #sender: HostView | undefined;
  readonly #allowed = new WeakMap<Link, { exact: Set<number>; wide: AddressRange[] }>();
  readonly #ids: AddressIds;
  readonly #hostAddresses = new WeakMap<Address, Address>();
  readonly #seen: string[] = [];

  constructor(network: Network, space: ServiceSpace, ids = new AddressIds()) {
    this.#network = network;
    this.#space = space;
    this.#rules = new AccessRules(network);
    this.#ids = ids;
  }

  /** Whether the network has rules (without them every packet that arrives passes). */
  get enforced(): boolean {
    return this.#rules.enforced;
  }

  /**
   * Keep only the hosts met on the way for which `again` holds (every one by default). The
   * whole matrix meets every host in every row and needs them all; the rows and columns a diff
   * follows may meet most targets once, and keeping them all is what filled the memory.
   */
  keepHosts(again: (name: string) => boolean): void {
    this.#keep = again;
  }

  /** The host as traces see it, kept for the next packet through it. */
  host(name: string): HostView {
    let view = this.#forwarders.get(name) ?? this.#hosts.get(name);
    if (view) return view;
    if (this.#last?.peer.name === name) return this.#last;
    if (this.#sender?.peer.name === name) {
      view = this.#sender;
      this.#sender = undefined;
    } else view = this.view(name, this.#network.interfaces(name));
    if (view.forwards) this.#forwarders.set(name, view);
    else if (this.#keep(name)) this.#hosts.set(name, view);
    else this.#last = view;
    return view;
  }

  /** The host a packet starts from: kept only until the next sender, unless met on a way. */
  #senderView(name: string): HostView {
    const kept = this.#forwarders.get(name) ?? this.#hosts.get(name) ?? this.#last;
    if (kept?.peer.name === name) return kept;
    if (this.#sender?.peer.name !== name)
      this.#sender = this.view(name, this.#network.interfaces(name));
    return this.#sender;
  }

  /** The host as traces see it, with its interfaces given, not kept (to compare hosts). */
  view(name: string, ifaces: readonly NetInterface[]): HostView {
    const peer = this.#network.peer(name) as NetPeer;
    const owned = new Set<number>();
    for (const iface of ifaces) for (const a of iface.addresses) owned.add(this.#ids.of(a));
    return {
      peer,
      ifaces,
      forwards: hostForwards(ifaces),
      unenforced: this.#rules.enforced && !enforcesRules(peer),
      owned,
      linkTo: ifaces.map((iface) => new Map(iface.links.map((l) => [l.peer.name, l]))),
      subnetIndex: new Map(ifaces.map((iface, i) => [iface.subnet.name, i])),
      access: new Map(),
    };
  }

  #routeTables(view: HostView): RouteTables {
    if (view.routes) return view.routes;
    const exact = new Map<number, RouteEntry[]>();
    const wide: RouteEntry[] = [];
    const add = (
      iface: number,
      kind: RouteEntry["kind"],
      link: number | undefined,
      a: Address,
      range: AddressRange,
    ) => {
      const entry: RouteEntry = { iface, kind, link, prefix: range.prefix, range };
      if (range.prefix === bitsOf(range.family)) {
        // A full-length entry is its own address: keyed as the address is.
        const k = this.#ids.of(a);
        const list = exact.get(k);
        if (list) list.push(entry);
        else exact.set(k, [entry]);
      } else wide.push(entry);
    };
    view.ifaces.forEach((iface, i) => {
      for (const a of iface.addresses) add(i, "iface", undefined, a, a.interfaceRange);
      iface.links.forEach((l, j) => {
        for (const a of allowedIPs(l)) add(i, "link", j, a, a.range);
      });
      for (const r of iface.routes ?? []) add(i, "own", undefined, r, r.range);
    });
    view.routes = { exact, wide };
    return view.routes;
  }

  // The route `route` found last: read right after the call (no object per lookup).
  #routeIface = -1;
  #routeLink: Link | undefined;
  #routeOwn = false;

  /**
   * `routeOf` of paths.ts, from the tables: the longest entry (the first interface on a tie),
   * a routed network of the host's own when it is as long, else the longest AllowedIPs on that
   * interface (the first link on a tie). False when nothing holds `dst`.
   */
  route(view: HostView, dst: Address, dstId: number): boolean {
    const tables = this.#routeTables(view);
    const exact = tables.exact.get(dstId);
    let bestIface = -1;
    let bestLength = -1;
    let ownIface = -1;
    let ownLength = -1;
    // Two passes over the matching entries (exact ones, then wide ones that hold dst).
    const wide = tables.wide;
    const count = (exact?.length ?? 0) + wide.length;
    for (let i = 0; i < count; i++) {
      const e =
        exact && i < exact.length
          ? (exact[i] as RouteEntry)
          : (wide[i - (exact?.length ?? 0)] as RouteEntry);
      if (exact && i >= exact.length && !holdsRange(e.range, dst)) continue;
      if (!exact && !holdsRange(e.range, dst)) continue;
      if (e.kind === "own") {
        if (e.prefix > ownLength || (e.prefix === ownLength && e.iface < ownIface)) {
          ownLength = e.prefix;
          ownIface = e.iface;
        }
      } else if (e.prefix > bestLength || (e.prefix === bestLength && e.iface < bestIface)) {
        bestLength = e.prefix;
        bestIface = e.iface;
      }
    }
    this.#routeLink = undefined;
    if (ownIface >= 0 && (bestIface < 0 || ownLength >= bestLength)) {
      this.#routeIface = ownIface;
      this.#routeOwn = true;
      return true;
    }
    if (bestIface < 0) return false;
    this.#routeIface = bestIface;
    this.#routeOwn = false;
    let link = -1;
    let length = -1;
    for (let i = 0; i < count; i++) {
      const e =
        exact && i < exact.length
          ? (exact[i] as RouteEntry)
          : (wide[i - (exact?.length ?? 0)] as RouteEntry);
      if (e.iface !== bestIface || e.kind !== "link" || e.link === undefined) continue;
      if (exact && i >= exact.length && !holdsRange(e.range, dst)) continue;
      if (!exact && !holdsRange(e.range, dst)) continue;
      if (e.prefix > length || (e.prefix === length && e.link < link)) {
        link = e.link;
        length = e.prefix;
      }
    }
    if (link >= 0) this.#routeLink = (view.ifaces[bestIface] as NetInterface).links[link];
    return true;
  }

  access(view: HostView, iface: NetInterface): AccessView {
    let found = view.access.get(iface.subnet.name);
    if (found) return found;
    const access = this.#rules.interfaceAccess(view.peer, iface, view.forwards);
    const id = (a: Address) => this.#ids.of(a);
    const input = new Map<number, bigint>();
    for (const allow of access.input) {
      // A router's own addresses inside a named network it routes: never a WireGuard address.
      if (allow.destinations) continue;
      const mask = this.#space.maskOf(allow.services);
      for (const s of allow.sources) input.set(id(s), (input.get(id(s)) ?? 0n) | mask);
    }
    found = {
      input,
      forward: access.forward.map((allow) => ({
        sources: new Set(allow.sources.map(id)),
        destinations: allow.destinations ?? [],
        mask: this.#space.maskOf(allow.services),
      })),
      exitSources: new Set(access.exitSources.map(id)),
      known: access.known,
    };
    view.access.set(iface.subnet.name, found);
    return found;
  }

  /** `a.host`, made once per address (it is a new object each time for a prefixed one). */
  #hostOf(a: Address): Address {
    let host = this.#hostAddresses.get(a);
    if (!host) {
      host = a.host;
      this.#hostAddresses.set(a, host);
    }
    return host;
  }

  /** Whether the AllowedIPs of `link` hold `src`. */
  allows(link: Link, src: Address, srcId: number): boolean {
    let table = this.#allowed.get(link);
    if (!table) {
      table = { exact: new Set(), wide: [] };
      for (const a of allowedIPs(link)) {
        const r = a.range;
        if (r.prefix === bitsOf(r.family)) table.exact.add(this.#ids.of(a));
        else table.wide.push(r);
      }
      this.#allowed.set(link, table);
    }
    if (table.exact.has(srcId)) return true;
    for (const r of table.wide) if (holdsRange(r, src)) return true;
    return false;
  }

  /** The service pieces a packet from `from` to `dst` arrives with (`tracePacket`'s steps). */
  reach(from: string, dst: Address, dstId = this.#ids.of(dst)): bigint {
    const all = this.#space.all;
    let mask = all;
    let current = from;
    // Where the packet came in, from whom, with the source address this host sees.
    let inIface: NetInterface | undefined;
    let inFrom = "";
    let inSource: Address | undefined;
    let inSourceId = -1;
    // Paths are a few hops long: a list is cheaper than a set.
    const seen = this.#seen;
    seen.length = 0;
    for (;;) {
      if (seen.includes(current)) return 0n;
      seen.push(current);
      const view = inIface ? this.host(current) : this.#senderView(current);
      const access =
        inIface && this.#rules.enforced && !view.unenforced
          ? this.access(view, inIface)
          : undefined;
      const ownsDst = view.owned.has(dstId);
      if (inIface && inSource && ownsDst) {
        if (!access) return mask;
        return mask & (access.input.get(inSourceId) ?? 0n);
      }
      if (!inIface && ownsDst) return 0n;
      const routed = this.route(view, dst, dstId);
      if (inIface && !view.forwards) return 0n;
      if (inIface && inSource) {
        if (access) {
          let passes = 0n;
          const src = inSourceId;
          for (const f of access.forward)
            if (f.sources.has(src) && f.destinations.some((d) => d.holds(dst))) passes |= f.mask;
          if (access.exitSources.has(src) && !access.known.some((d) => d.holds(dst))) passes = all;
          if (passes !== all) mask &= passes;
        }
        if (mask === 0n) return 0n;
        if (routed && this.#routeOwn) return mask;
      } else if (routed && this.#routeOwn) return 0n;
      if (!routed) return 0n;
      const iface = view.ifaces[this.#routeIface] as NetInterface;
      const link = this.#routeLink;
      if (!link || link.noHandshake) return 0n;
      const subnet = iface.subnet.name;
      const from = inFrom;
      const masquerade =
        inIface !== undefined &&
        inIface.subnet.name !== subnet &&
        inIface.links.some((l) => l.peer.name === from && l.exitClient);
      let src = inIface && !masquerade ? inSource : undefined;
      let srcId = inSourceId;
      if (!src) {
        const chosen = sourceOf(iface, view.ifaces, dst.family);
        if (!chosen) return 0n;
        src = this.#hostOf(chosen);
        srcId = this.#ids.of(src);
      }
      const next = link.peer.name;
      const nextView = this.host(next);
      const nextIndex = nextView.subnetIndex.get(subnet) ?? -1;
      const back = nextView.linkTo[nextIndex]?.get(current);
      if (!back || !this.allows(back, src, srcId)) return 0n;
      inIface = nextView.ifaces[nextIndex] as NetInterface;
      inFrom = current;
      inSource = src;
      inSourceId = srcId;
      current = next;
    }
  }
}

/** The host's address of the family, on `iface` first (as paths.ts picks a source). */
function sourceOf(iface: NetInterface, all: readonly NetInterface[], family: 4 | 6) {
  for (const a of iface.addresses) if (a.family === family) return a;
  for (const i of all) for (const a of i.addresses) if (a.family === family) return a;
  return undefined;
}

/**
 * Every peer's reach on every other peer: a packet reaches a peer when it arrives at one of
 * its addresses (any subnet), as policy tests count it.
 */
export function reachability(network: Network, space: ServiceSpace): Reachability {
  const tracer = new Tracer(network, space);
  const peers = network.peers.map((p) => p.name);
  const targets = network.peers.map((p) =>
    p.memberships.flatMap((m) => m.addresses.map((a) => a.host)),
  );
  const n = peers.length;
  const masks: bigint[] = new Array(n * n).fill(0n);
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      let mask = 0n;
      for (const address of targets[b] ?? []) {
        mask |= tracer.reach(peers[a] as string, address);
        if (mask === space.all) break;
      }
      masks[a * n + b] = mask;
    }
  return { peers, space, masks };
}
