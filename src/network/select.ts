/**
 * Filters: which peers a list of `{type, rule, value}` selects. Each distinct filter list is
 * computed once and kept, so resolving links never re-scans all peers per peer.
 */
import type { NetFilter, RuleFilter } from "./model.js";

/** The peers a filter list selects: membership by ACL index, and the indices in ACL order. */
export interface Selection {
  has: Uint8Array;
  indices: readonly number[];
}

/** What a selector needs to know of each peer. */
export interface SelectablePeer {
  name: string;
  groups: readonly string[];
  subnets: readonly string[];
}

/**
 * Whether one filter selects one peer (a list of filters selects the intersection). A filter
 * missing a key selects nobody: a peer whose configuration evaluates it fails before (see
 * needs.ts), so this only keeps it from counting anywhere else. A rule's network filter selects
 * no peer, whatever its `rule`: a side that names networks selects networks (network/access.ts).
 */
export function filterSelects(peer: SelectablePeer, filter: NetFilter | RuleFilter): boolean {
  if (filter.type === undefined || filter.rule === undefined || filter.value === undefined)
    return false;
  if (filter.type === "network") return false;
  let found: boolean;
  if (filter.type === "peer") found = peer.name === filter.value;
  else if (filter.type === "group") found = peer.groups.includes(filter.value);
  else found = peer.subnets.includes(filter.value);
  return filter.rule === "is" ? found : !found;
}

export class PeerSelector {
  readonly #peers: readonly SelectablePeer[];
  readonly #cache = new Map<string, Selection>();
  readonly #nobody: Selection;

  constructor(peers: readonly SelectablePeer[]) {
    this.#peers = peers;
    this.#nobody = { has: new Uint8Array(peers.length), indices: [] };
  }

  /**
   * The intersection of the filters; an empty list selects every peer, a list not written
   * (a connection's missing side) nobody.
   */
  select(filters: readonly NetFilter[] | undefined): Selection {
    if (filters === undefined) return this.#nobody;
    const key = filters.map((f) => `${f.type}\u0000${f.rule}\u0000${f.value}`).join("\u0001");
    let selection = this.#cache.get(key);
    if (selection) return selection;
    const has = new Uint8Array(this.#peers.length);
    const indices: number[] = [];
    this.#peers.forEach((peer, index) => {
      if (filters.every((filter) => filterSelects(peer, filter))) {
        has[index] = 1;
        indices.push(index);
      }
    });
    selection = { has, indices };
    this.#cache.set(key, selection);
    return selection;
  }
}
