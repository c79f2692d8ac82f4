/**
 * Links: which peers a local peer connects to on one subnet. For each connection that applies
 * to the subnet, a local peer selected by one side links to every peer the other side selects.
 * Selections are computed once per distinct filter list (see select.ts), so the cost of one
 * interface is the number of peers it links to (plus, for an interface linked to a large share
 * of all peers, one walk over the peers in name order instead of a sort).
 */
import { type Diagnostic, diagnostic } from "../core/diagnostics.js";
import type { EndpointResolver } from "./endpoints.js";
import type { ExtraArgs, Link, Membership, NetConnection, NetPeer } from "./model.js";
import { linkRoutes, roamingEndpoint } from "./routing.js";
import type { PeerSelector } from "./select.js";

/** The connections that apply to one subnet, and whether any of them carries extraArgs. */
interface SubnetConnections {
  connections: readonly NetConnection[];
  withExtraArgs: boolean;
}

/** Above this share of all peers, walking every peer in name order beats sorting the few. */
const DENSE = 1 / 8;

export class LinkResolver {
  readonly #peers: readonly NetPeer[];
  readonly #connections: readonly NetConnection[];
  readonly #selector: PeerSelector;
  readonly #endpoints: EndpointResolver;
  /** ACL index → position in name order, and back. */
  readonly #rank: Int32Array;
  readonly #byName: Int32Array;
  readonly #membership: ReadonlyMap<string, readonly (Membership | undefined)[]>;
  /** Subnet name → ACL index of its relay, for the subnets that have one. */
  readonly #relays: ReadonlyMap<string, number>;
  readonly #connectionsOn = new Map<string, SubnetConnections>();
  #warnings: Diagnostic[] | undefined;
  /**
   * Scratch space of one `links()` call, indexed by remote peer: `#stamp` marks the remotes
   * found in the current call (so nothing needs clearing between calls), `#found` holds the
   * connections linking them (ascending: connections are walked in index order), and, only
   * when some connection carries extraArgs, `#viaA`/`#viaB` which side each came from.
   */
  readonly #stamp: Int32Array;
  readonly #found: number[][];
  readonly #viaA: number[][];
  readonly #viaB: number[][];
  #generation = 0;

  constructor(
    peers: readonly NetPeer[],
    connections: readonly NetConnection[],
    selector: PeerSelector,
    endpoints: EndpointResolver,
    rank: Int32Array,
    membership: ReadonlyMap<string, readonly (Membership | undefined)[]>,
    relays: ReadonlyMap<string, number> = new Map(),
  ) {
    this.#relays = relays;
    this.#peers = peers;
    this.#connections = connections;
    this.#selector = selector;
    this.#endpoints = endpoints;
    this.#rank = rank;
    this.#byName = new Int32Array(peers.length);
    rank.forEach((position, index) => {
      this.#byName[position] = index;
    });
    this.#membership = membership;
    this.#stamp = new Int32Array(peers.length);
    this.#found = new Array(peers.length);
    this.#viaA = new Array(peers.length);
    this.#viaB = new Array(peers.length);
  }

  #on(subnet: string): SubnetConnections {
    let on = this.#connectionsOn.get(subnet);
    if (!on) {
      const connections = this.#connections.filter(
        (c) => c.subnets === undefined || c.subnets.includes(subnet),
      );
      on = { connections, withExtraArgs: connections.some((c) => c.extraArgs !== undefined) };
      this.#connectionsOn.set(subnet, on);
    }
    return on;
  }

  /** Connections with no `subnets` list or one that names the subnet. */
  connectionsOn(subnet: string): readonly NetConnection[] {
    return this.#on(subnet).connections;
  }

  /**
   * A connection may select a peer that is not on the subnet. The original fails the whole
   * evaluation there; we leave that peer out and say so once per connection and subnet. The
   * whole network is looked at, whichever peers are configured, so every run of one ACL warns
   * alike; peers are visited in name order (as `generate` makes them), each side of a
   * connection on a subnet once: a side's non-members are left out as soon as one member on
   * the other side links through it.
   */
  warnings(): Diagnostic[] {
    this.#warnings ??= this.#nonMembersSelected();
    return this.#warnings;
  }

  #nonMembersSelected(): Diagnostic[] {
    const skipped = new Map<string, { connection: number; subnet: string; peers: Set<string> }>();
    const sidesDone = new Set<string>();
    for (const local of this.#byName) {
      for (const { subnet } of (this.#peers[local] as NetPeer).memberships) {
        const members = this.#membership.get(subnet);
        if (!members?.[local]) continue;
        for (const connection of this.#on(subnet).connections) {
          const a = this.#selector.select(connection.a);
          const b = this.#selector.select(connection.b);
          for (const [mine, other, side] of [
            [a, b, "b"],
            [b, a, "a"],
          ] as const) {
            if (!mine.has[local]) continue;
            const key = `${connection.index}\u0000${subnet}`;
            if (sidesDone.has(`${key}\u0000${side}`)) continue;
            sidesDone.add(`${key}\u0000${side}`);
            for (const remote of other.indices) {
              if (remote === local || members[remote] !== undefined) continue;
              let entry = skipped.get(key);
              if (!entry) {
                entry = { connection: connection.index, subnet, peers: new Set() };
                skipped.set(key, entry);
              }
              entry.peers.add((this.#peers[remote] as NetPeer).name);
            }
          }
        }
      }
    }
    return [...skipped.values()]
      .sort((x, y) => x.connection - y.connection)
      .map(({ connection, subnet, peers }) => {
        const names = [...peers];
        const shown =
          names.slice(0, 5).join(", ") + (names.length > 5 ? `, ... (${names.length} in all)` : "");
        return diagnostic(
          "warning",
          "non-member-selected",
          ["connections", connection],
          `selects ${shown} on subnet ${JSON.stringify(subnet)}, which ${names.length === 1 ? "is not a member" : "are not members"}; left out of that subnet's links (add a subnet filter or a \`subnets\` list to the connection)`,
        );
      });
  }

  /**
   * Records that `connection` links `local` to each of `remotes` (`viaA`: local on side a);
   * remotes seen for the first time in this call are added to `touched`.
   */
  #collect(
    remotes: readonly number[],
    local: number,
    members: readonly (Membership | undefined)[],
    connection: number,
    viaA: boolean,
    withExtraArgs: boolean,
    touched: number[],
  ): void {
    const generation = this.#generation;
    for (const remote of remotes) {
      if (remote === local) continue;
      // Not on the subnet: left out (see warnings).
      if (members[remote] === undefined) continue;
      if (this.#stamp[remote] !== generation) {
        this.#stamp[remote] = generation;
        touched.push(remote);
        this.#found[remote] = [connection];
        if (withExtraArgs) {
          this.#viaA[remote] = viaA ? [connection] : [];
          this.#viaB[remote] = viaA ? [] : [connection];
        }
        continue;
      }
      const found = this.#found[remote] as number[];
      if (found[found.length - 1] !== connection) found.push(connection);
      if (withExtraArgs)
        (viaA ? (this.#viaA[remote] as number[]) : (this.#viaB[remote] as number[])).push(
          connection,
        );
    }
  }

  /** The remotes found in this call, in name order. */
  #inNameOrder(touched: number[]): ArrayLike<number> {
    const count = touched.length;
    if (count > this.#peers.length * DENSE) {
      const ordered = new Int32Array(count);
      let next = 0;
      const generation = this.#generation;
      for (const remote of this.#byName)
        if (this.#stamp[remote] === generation) ordered[next++] = remote;
      return ordered;
    }
    const ranks = new Int32Array(count);
    for (let i = 0; i < count; i++) ranks[i] = this.#rank[touched[i] as number] as number;
    ranks.sort();
    for (let i = 0; i < count; i++) ranks[i] = this.#byName[ranks[i] as number] as number;
    return ranks;
  }

  /** The links of peer `local` (ACL index) on `subnet`, sorted by remote peer name. */
  links(subnet: string, local: number): Link[] {
    const members = this.#membership.get(subnet);
    if (!members?.[local]) return [];
    this.#generation++;
    const { connections, withExtraArgs } = this.#on(subnet);
    const touched: number[] = [];
    for (const connection of connections) {
      const a = this.#selector.select(connection.a);
      const b = this.#selector.select(connection.b);
      const index = connection.index;
      if (a.has[local])
        this.#collect(b.indices, local, members, index, true, withExtraArgs, touched);
      if (b.has[local])
        this.#collect(a.indices, local, members, index, false, withExtraArgs, touched);
    }
    const ordered = this.#inNameOrder(touched);
    const localPeer = this.#peers[local] as NetPeer;
    const localMember = members[local] as Membership;
    let links: Link[] = new Array(ordered.length);
    for (let i = 0; i < ordered.length; i++) {
      const remote = ordered[i] as number;
      const remotePeer = this.#peers[remote] as NetPeer;
      const remoteMember = members[remote] as Membership;
      const link: Link = {
        peer: remotePeer,
        addresses: remoteMember.addresses,
        endpoint: this.#dial(subnet, local, remote),
        connections: this.#found[remote] as number[],
      };
      if (withExtraArgs) {
        // Side b first, then side a, as the original merges them; later wins.
        const extraArgs = this.#extraArgs(this.#viaB[remote] ?? [], this.#viaA[remote] ?? []);
        if (extraArgs) link.extraArgs = extraArgs;
      }
      const routes = linkRoutes(localMember, remoteMember, remotePeer.name);
      if (routes) link.routes = routes;
      if (localMember.exitNode === remotePeer.name) link.exitNode = true;
      if (remoteMember.exitNode === localPeer.name) link.exitClient = true;
      if (link.endpoint.address === undefined && !this.#handshake(subnet, remote, local, false))
        link.noHandshake = true;
      links[i] = link;
    }
    const relay = this.#relays.get(subnet);
    if (relay !== undefined && relay !== local) links = this.#throughRelay(links, subnet, relay);
    return links;
  }

  /** The endpoint `local` dials for `remote` on `subnet`, a roaming peer's taken into account. */
  #dial(subnet: string, local: number, remote: number) {
    return roamingEndpoint(
      this.#endpoints.resolve(subnet, local, remote),
      this.#peers[local] as NetPeer,
      this.#peers[remote] as NetPeer,
    );
  }

  /**
   * Whether a handshake can start between two linked peers: one of them has an endpoint (ip and
   * port) for the other. `both`: ask both directions (else only `from`'s dial to `to`).
   */
  #handshake(subnet: string, from: number, to: number, both = true): boolean {
    if (this.#dial(subnet, from, to).address !== undefined) return true;
    return both && this.#dial(subnet, to, from).address !== undefined;
  }

  /** Whether a connection on `subnet` links the two peers (both members of it). */
  #linked(subnet: string, x: number, y: number): boolean {
    for (const connection of this.#on(subnet).connections) {
      const a = this.#selector.select(connection.a);
      const b = this.#selector.select(connection.b);
      if ((a.has[x] && b.has[y]) || (b.has[x] && a.has[y])) return true;
    }
    return false;
  }

  /**
   * The links of a peer on a subnet with a relay: each link no handshake can start on whose
   * remote the relay can also carry (linked to it, a handshake possible) moves onto the link to
   * the relay, which then holds the remote's addresses in its AllowedIPs. The direct link leaves
   * the interface: it could never carry a packet, and its AllowedIPs would take the remote's
   * addresses away from the relay's entry.
   */
  #throughRelay(links: Link[], subnet: string, relay: number): Link[] {
    const toRelay = links.find((l) => l.peer.index === relay);
    if (!toRelay || toRelay.noHandshake) return links;
    const relayed = links.filter(
      (l) =>
        l.noHandshake === true &&
        l !== toRelay &&
        this.#linked(subnet, l.peer.index, relay) &&
        this.#handshake(subnet, l.peer.index, relay),
    );
    if (relayed.length === 0) return links;
    toRelay.relayed = relayed;
    const moved = new Set(relayed);
    return links.filter((l) => !moved.has(l));
  }

  #extraArgs(first: readonly number[], then: readonly number[]): ExtraArgs | undefined {
    let merged: ExtraArgs | undefined;
    for (const list of [first, then])
      for (const index of list) {
        const extra = this.#connections[index]?.extraArgs;
        if (extra) merged = { ...merged, ...extra };
      }
    return merged && Object.keys(merged).length > 0 ? merged : undefined;
  }
}
