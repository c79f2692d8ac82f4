/**
 * Links: which peers a local peer connects to on one subnet. For each connection that applies
 * to the subnet, a local peer selected by one side links to every peer the other side selects.
 * Selections are computed once per distinct filter list (see select.ts), so the cost of one
 * interface is the number of peers it could link to, not a rescan of the ACL per peer.
 */
import { type Diagnostic, diagnostic } from "../diagnostics.js";
import type { EndpointResolver } from "./endpoints.js";
import type { ExtraArgs, Link, Membership, NetConnection, NetPeer } from "./model.js";
import { linkRoutes, roamingEndpoint } from "./routing.js";
import type { PeerSelector } from "./select.js";

interface Found {
  /** Connections where the local peer is on side b and the remote one on side a. */
  viaB: number[];
  /** Connections where the local peer is on side a and the remote one on side b. */
  viaA: number[];
}

function pushOnce(list: number[], value: number): void {
  if (list[list.length - 1] !== value) list.push(value);
}

function mergeSorted(x: readonly number[], y: readonly number[]): number[] {
  if (y.length === 0) return x as number[];
  if (x.length === 0) return y as number[];
  return [...new Set([...x, ...y])].sort((m, n) => m - n);
}

export class LinkResolver {
  readonly #peers: readonly NetPeer[];
  readonly #connections: readonly NetConnection[];
  readonly #selector: PeerSelector;
  readonly #endpoints: EndpointResolver;
  readonly #rank: Int32Array;
  readonly #membership: ReadonlyMap<string, readonly (Membership | undefined)[]>;
  readonly #connectionsOn = new Map<string, NetConnection[]>();
  readonly #skipped = new Map<string, { connection: number; subnet: string; peers: Set<string> }>();
  readonly #stamp: Int32Array;
  readonly #found: (Found | undefined)[];
  #generation = 0;

  constructor(
    peers: readonly NetPeer[],
    connections: readonly NetConnection[],
    selector: PeerSelector,
    endpoints: EndpointResolver,
    rank: Int32Array,
    membership: ReadonlyMap<string, readonly (Membership | undefined)[]>,
  ) {
    this.#peers = peers;
    this.#connections = connections;
    this.#selector = selector;
    this.#endpoints = endpoints;
    this.#rank = rank;
    this.#membership = membership;
    this.#stamp = new Int32Array(peers.length);
    this.#found = new Array(peers.length);
  }

  /** Connections with no `subnets` list or one that names the subnet. */
  connectionsOn(subnet: string): readonly NetConnection[] {
    let list = this.#connectionsOn.get(subnet);
    if (!list) {
      list = this.#connections.filter((c) => c.subnets === undefined || c.subnets.includes(subnet));
      this.#connectionsOn.set(subnet, list);
    }
    return list;
  }

  /**
   * A connection may select a peer that is not on the subnet. The original fails the whole
   * evaluation there; we leave that peer out and say so once per connection and subnet.
   */
  #skip(connection: number, subnet: string, peer: string): void {
    const key = `${connection}\u0000${subnet}`;
    let entry = this.#skipped.get(key);
    if (!entry) {
      entry = { connection, subnet, peers: new Set() };
      this.#skipped.set(key, entry);
    }
    entry.peers.add(peer);
  }

  /** Warnings about peers left out because they are not members, in connection order. */
  warnings(): Diagnostic[] {
    return [...this.#skipped.values()]
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

  /** The links of peer `local` (ACL index) on `subnet`, sorted by remote peer name. */
  links(subnet: string, local: number): Link[] {
    const members = this.#membership.get(subnet);
    if (!members?.[local]) return [];
    const generation = ++this.#generation;
    const order: number[] = [];
    const touch = (remote: number, connection: number, viaA: boolean) => {
      if (remote === local) return;
      if (!members[remote]) {
        this.#skip(connection, subnet, (this.#peers[remote] as NetPeer).name);
        return;
      }
      let found = this.#found[remote];
      if (this.#stamp[remote] !== generation || !found) {
        this.#stamp[remote] = generation;
        found = { viaA: [], viaB: [] };
        this.#found[remote] = found;
        order.push(remote);
      }
      pushOnce(viaA ? found.viaA : found.viaB, connection);
    };
    for (const connection of this.connectionsOn(subnet)) {
      const a = this.#selector.select(connection.a);
      const b = this.#selector.select(connection.b);
      if (a.has[local]) for (const remote of b.indices) touch(remote, connection.index, true);
      if (b.has[local]) for (const remote of a.indices) touch(remote, connection.index, false);
    }
    order.sort((x, y) => (this.#rank[x] as number) - (this.#rank[y] as number));
    return order.map((remote) => {
      const found = this.#found[remote] as Found;
      const localPeer = this.#peers[local] as NetPeer;
      const remotePeer = this.#peers[remote] as NetPeer;
      const localMember = members[local] as Membership;
      const remoteMember = members[remote] as Membership;
      const link: Link = {
        peer: remotePeer.name,
        addresses: remoteMember.addresses,
        endpoint: roamingEndpoint(
          this.#endpoints.resolve(subnet, local, remote),
          localPeer,
          remotePeer,
        ),
        connections: mergeSorted(found.viaA, found.viaB),
      };
      const extraArgs = this.#extraArgs([...found.viaB, ...found.viaA]);
      if (extraArgs) link.extraArgs = extraArgs;
      const routes = linkRoutes(localMember, remoteMember, remotePeer.name);
      if (routes) link.routes = routes;
      if (localMember.exitNode === remotePeer.name) link.exitNode = true;
      if (remoteMember.exitNode === localPeer.name) link.exitClient = true;
      this.#found[remote] = undefined;
      return link;
    });
  }

  #extraArgs(connections: readonly number[]): ExtraArgs | undefined {
    let merged: ExtraArgs | undefined;
    for (const index of connections) {
      const extra = this.#connections[index]?.extraArgs;
      if (extra) merged = { ...merged, ...extra };
    }
    return merged && Object.keys(merged).length > 0 ? merged : undefined;
  }
}
