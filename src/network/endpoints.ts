/**
 * Endpoints: what peer P dials to reach R on subnet S. The merge (later keys win) of the
 * subnet's endpoints, the endpoints of the groups P and R share (in P's group order, as the
 * original does), and R's own endpoints; each entry only if its `match` selects P.
 */

import type { NetEndpoint, NetGroup, NetPeer, NetSubnet, ResolvedEndpoint } from "./model.js";
import type { PeerSelector } from "./select.js";
import { looksLikeIPv6 } from "./values.js";

/** An endpoint entry of the ACL with where it stands, so a merge can say what it came from. */
interface Entry {
  id: number;
  path: string;
  endpoint: NetEndpoint;
}

const FIELDS = [
  "ip",
  "port",
  "persistentKeepalive",
  "dynamicEndpointRefreshSeconds",
  "dynamicEndpointRefreshRestartSeconds",
] as const;

/** `ip:port`, with an IPv6 address in brackets so the port stays readable. */
export function endpointAddress(ip: string, port: number): string {
  const host = looksLikeIPv6(ip) && !ip.startsWith("[") ? `[${ip}]` : ip;
  return `${host}:${port}`;
}

function merge(entries: readonly Entry[]): ResolvedEndpoint {
  const merged: Record<string, unknown> = {};
  for (const { endpoint } of entries)
    for (const field of FIELDS) if (endpoint[field] !== undefined) merged[field] = endpoint[field];
  // Fields are added in one fixed order, so endpoints with the same fields share one shape in
  // the engine: configurers read them a million times for a 1000-peer mesh, and reads from
  // objects of a thousand different shapes are many times slower.
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) if (merged[field] !== undefined) out[field] = merged[field];
  out.sources = entries.map((e) => e.path);
  const { ip, port } = out as Omit<ResolvedEndpoint, "sources">;
  if (ip !== undefined && port !== undefined) out.address = endpointAddress(ip, port);
  return out as unknown as ResolvedEndpoint;
}

export class EndpointResolver {
  readonly #selector: PeerSelector;
  readonly #peers: readonly NetPeer[];
  readonly #groups: ReadonlyMap<string, NetGroup>;
  readonly #subnetEntries = new Map<string, Entry[]>();
  readonly #groupEntries = new Map<string, Entry[]>();
  readonly #peerEntries: Entry[][];
  /** Subnets, and peers (by index), with an endpoint whose `match` depends on the dialer. */
  readonly #subnetMatches = new Set<string>();
  readonly #peerMatches: Uint8Array;
  readonly #merged = new Map<string, ResolvedEndpoint>();
  /** Per subnet, per remote peer: the endpoint when nothing depends on the dialing peer. */
  readonly #common = new Map<string, (ResolvedEndpoint | undefined)[]>();
  #nextId = 0;

  constructor(
    selector: PeerSelector,
    subnets: readonly NetSubnet[],
    groups: readonly NetGroup[],
    peers: readonly NetPeer[],
  ) {
    this.#selector = selector;
    this.#peers = peers;
    this.#groups = new Map(groups.map((g) => [g.name, g]));
    for (const s of subnets)
      this.#subnetEntries.set(s.name, this.#entries(s.endpoints, `subnets[${s.index}]`));
    for (const g of groups)
      this.#groupEntries.set(g.name, this.#entries(g.endpoints, `groups[${g.index}]`));
    this.#peerEntries = peers.map((p) => this.#entries(p.endpoints, `peers[${p.index}]`));
    const matches = (entries: readonly Entry[]) =>
      entries.some((e) => e.endpoint.match !== undefined);
    for (const [name, entries] of this.#subnetEntries)
      if (matches(entries)) this.#subnetMatches.add(name);
    this.#peerMatches = Uint8Array.from(this.#peerEntries, (entries) => (matches(entries) ? 1 : 0));
  }

  #entries(endpoints: readonly NetEndpoint[], owner: string): Entry[] {
    return endpoints.map((endpoint, i) => ({
      id: this.#nextId++,
      path: `${owner}.endpoints[${i}]`,
      endpoint,
    }));
  }

  #selects(entry: Entry, local: number): boolean {
    const match = entry.endpoint.match;
    return match === undefined || this.#selector.select(match).has[local] === 1;
  }

  #sharesGroups(local: NetPeer, remote: NetPeer): boolean {
    if (local.groups.length === 0 || remote.groups.length === 0) return false;
    return local.groups.some((g) => remote.groups.includes(g));
  }

  /** The endpoint `local` dials for `remote` on `subnet` (indices are ACL peer indices). */
  resolve(subnet: string, local: number, remote: number): ResolvedEndpoint {
    const localPeer = this.#peers[local] as NetPeer;
    const remotePeer = this.#peers[remote] as NetPeer;
    const subnetEntries = this.#subnetEntries.get(subnet) ?? [];
    const remoteEntries = this.#peerEntries[remote] ?? [];
    const independent =
      !this.#sharesGroups(localPeer, remotePeer) &&
      !this.#subnetMatches.has(subnet) &&
      this.#peerMatches[remote] === 0;
    if (independent) {
      let row = this.#common.get(subnet);
      if (!row) {
        row = new Array(this.#peers.length);
        this.#common.set(subnet, row);
      }
      let found = row[remote];
      if (!found) {
        found = this.#mergeOnce([...subnetEntries, ...remoteEntries]);
        row[remote] = found;
      }
      return found;
    }
    const chosen: Entry[] = subnetEntries.filter((e) => this.#selects(e, local));
    for (const group of localPeer.groups) {
      if (!remotePeer.groups.includes(group) || !this.#groups.has(group)) continue;
      for (const e of this.#groupEntries.get(group) ?? [])
        if (this.#selects(e, local)) chosen.push(e);
    }
    for (const e of remoteEntries) if (this.#selects(e, local)) chosen.push(e);
    return this.#mergeOnce(chosen);
  }

  #mergeOnce(entries: Entry[]): ResolvedEndpoint {
    const key = entries.map((e) => e.id).join(",");
    let endpoint = this.#merged.get(key);
    if (!endpoint) {
      endpoint = merge(entries);
      this.#merged.set(key, endpoint);
    }
    return endpoint;
  }
}
