/**
 * The hosts entries every configurer emits: each linked peer's addresses named `peer.subnet`.
 * Subnets and peers are walked in name order and a later name for an address replaces an
 * earlier one, as in the original.
 */
import { shareSubtree } from "../config-tree.js";
import { memoize } from "../memo.js";
import { hostAddress } from "../network/addresses.js";
import type { NetInterface, Network } from "../network/model.js";
import { compareNames, keysInOrder } from "../order.js";

/** `peer.subnet`, kept per subnet: every peer linked to `peer` on `subnet` writes the same name. */
const namesOn = new Map<string, (peer: string) => string>();

function hostNames(subnet: string): (peer: string) => string {
  let named = namesOn.get(subnet);
  if (!named) {
    if (namesOn.size >= 1000) namesOn.clear();
    named = memoize((p) => `${p}.${subnet}`);
    namesOn.set(subnet, named);
  }
  return named;
}

/** `[name]`, one list per name: every host that lists the address holds the same one. */
const nameLists = new Map<string, readonly string[]>();

function nameList(name: string): string[] {
  let list = nameLists.get(name);
  if (!list) {
    if (nameLists.size >= 100_000) nameLists.clear();
    list = shareSubtree([name]);
    nameLists.set(name, list);
  }
  return list as string[];
}

/**
 * Every host address of a network in Nix order, computed once per network. With it, a peer's
 * entries are put in order by sorting integers instead of strings: in a 1000-peer mesh that is
 * a thousand entries per peer, and sorting their strings was the largest single cost of
 * printing all hosts.
 */
interface AddressOrder {
  /** By address as written in the model (several may share one host address). */
  rank: Map<string, number>;
  sorted: string[];
  /** Scratch space for one call: the name kept for each rank, and which call last wrote it. */
  names: string[];
  stamp: Int32Array;
  generation: number;
}

const orders = new WeakMap<Network, AddressOrder>();

function addressOrder(network: Network): AddressOrder {
  let order = orders.get(network);
  if (!order) {
    const written = new Set<string>();
    for (const peer of network.peers)
      for (const m of peer.memberships) for (const a of m.addresses) written.add(a);
    const sorted = [...new Set([...written].map(hostAddress))].sort(compareNames);
    const position = new Map(sorted.map((address, i) => [address, i]));
    order = {
      rank: new Map([...written].map((a) => [a, position.get(hostAddress(a)) as number])),
      sorted,
      names: new Array(sorted.length),
      stamp: new Int32Array(sorted.length),
      generation: 0,
    };
    orders.set(network, order);
  }
  return order;
}

/** The entries with keys already in Nix order, or undefined if an address is not the network's. */
function orderedEntries(
  interfaces: readonly NetInterface[],
  order: AddressOrder,
): Record<string, string[]> | undefined {
  const generation = ++order.generation;
  const found: number[] = [];
  for (const iface of interfaces) {
    const named = hostNames(iface.subnet);
    for (const link of iface.links)
      for (const address of link.addresses) {
        const rank = order.rank.get(address);
        if (rank === undefined) return undefined;
        if (order.stamp[rank] !== generation) {
          order.stamp[rank] = generation;
          found.push(rank);
        }
        order.names[rank] = named(link.peer);
      }
  }
  const ranks = Int32Array.from(found).sort();
  const hosts: Record<string, string[]> = {};
  for (const rank of ranks)
    hosts[order.sorted[rank] as string] = nameList(order.names[rank] as string);
  return keysInOrder(hosts);
}

/**
 * address → [name]; one name per address. Given the network, the keys come in Nix order, which
 * saves the printer sorting them, and the result is frozen (the lists are shared by every host
 * that has them): copy it to change it.
 */
export function hostsEntries(
  interfaces: readonly NetInterface[],
  network?: Network,
): Record<string, string[]> {
  const ordered = network && orderedEntries(interfaces, addressOrder(network));
  if (ordered) return ordered;
  const hosts: Record<string, string[]> = {};
  for (const iface of interfaces) {
    const named = hostNames(iface.subnet);
    for (const link of iface.links)
      for (const address of link.addresses) hosts[hostAddress(address)] = [named(link.peer)];
  }
  return hosts;
}
