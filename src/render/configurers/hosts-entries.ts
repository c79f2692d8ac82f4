/**
 * The hosts entries every configurer emits: each linked peer's addresses named `peer.subnet`.
 * Subnets and peers are walked in name order and a later name for an address replaces an
 * earlier one, as in the original.
 */

import { compareNames } from "../../core/order.js";
import type { RunContext } from "../../core/run-context.js";
import type { Address } from "../../network/address.js";
import type { Link, NetInterface, NetSubnet, Network } from "../../network/model.js";

/**
 * Every host address of a network in Nix order, with what one run keeps for it. With it, a
 * peer's entries are put in order by sorting integers instead of strings: in a 1000-peer mesh
 * that is a thousand entries per peer, and sorting their strings was the largest single cost
 * of printing all hosts.
 */
interface AddressOrder {
  network: Network;
  /** By the model's address (several may share one host address). */
  rank: Map<Address, number>;
  sorted: string[];
  /**
   * Per member of a subnet (by its addresses there, the list every link to it holds): the ranks
   * of those addresses and the `[peer.subnet]` list, made once for the run; every host that
   * lists the member holds the same list. Undefined: an address outside the network's members
   * (interfaces made by the caller).
   */
  members: WeakMap<readonly Address[], Member | undefined>;
  /** Scratch space for one call: the list kept for each rank, and which call last wrote it. */
  lists: (readonly string[])[];
  stamp: Int32Array;
  generation: number;
}

interface Member {
  ranks: readonly number[];
  list: readonly string[];
}

function makeAddressOrder(network: Network): AddressOrder {
  const all: Address[] = [];
  for (const peer of network.peers) for (const m of peer.memberships) all.push(...m.addresses);
  const sorted = [...new Set(all.map((a) => a.ip))].sort(compareNames);
  const position = new Map(sorted.map((ip, i) => [ip, i]));
  return {
    network,
    rank: new Map(all.map((a) => [a, position.get(a.ip) as number])),
    sorted,
    members: new WeakMap(),
    lists: new Array(sorted.length),
    stamp: new Int32Array(sorted.length),
    generation: 0,
  };
}

function addressOrder(network: Network, run: RunContext): AddressOrder {
  const order = run.share("configurers/hosts", () => makeAddressOrder(network));
  // One run is one network; a caller that mixes them pays for the order again.
  return order.network === network ? order : makeAddressOrder(network);
}

/** The member a link leads to, as `AddressOrder.members` keeps it. */
function memberOf(
  order: AddressOrder,
  run: RunContext,
  link: Link,
  subnet: NetSubnet,
): Member | undefined {
  if (order.members.has(link.addresses)) return order.members.get(link.addresses);
  const ranks: number[] = [];
  let member: Member | undefined;
  for (const address of link.addresses) {
    const rank = order.rank.get(address);
    if (rank === undefined) break;
    ranks.push(rank);
  }
  if (ranks.length === link.addresses.length)
    member = { ranks, list: run.shareSubtree([`${link.peer.name}.${subnet.name}`]) };
  order.members.set(link.addresses, member);
  return member;
}

/**
 * address → [name]; one name per address, keys in Nix order. Given the network and the run
 * (a configurer has both in its context), the order is the network's, so no strings are
 * sorted, and the name lists are shared by every host of the run that has them (see
 * RunContext.shareSubtree): copy one to change it.
 */
export function hostsEntries(
  interfaces: readonly NetInterface[],
  network?: Network,
  run?: RunContext,
): Record<string, string[]> {
  if (!network || !run) return sortedHosts(hostsLines(interfaces));
  const order = addressOrder(network, run);
  const generation = ++order.generation;
  const { stamp, lists } = order;
  const found: number[] = [];
  for (const iface of interfaces) {
    for (const link of namedLinks(iface)) {
      const member = memberOf(order, run, link, iface.subnet);
      // Not an address of the network's members: interfaces made by the caller.
      if (member === undefined) return sortedHosts(hostsLines(interfaces));
      for (const rank of member.ranks) {
        if (stamp[rank] !== generation) {
          stamp[rank] = generation;
          found.push(rank);
        }
        lists[rank] = member.list;
      }
    }
  }
  const hosts: Record<string, string[]> = {};
  for (const rank of Int32Array.from(found).sort())
    hosts[order.sorted[rank] as string] = lists[rank] as string[];
  return hosts;
}

function sortedHosts(lines: Map<string, string>): Record<string, string[]> {
  const hosts: Record<string, string[]> = {};
  for (const address of [...lines.keys()].sort(compareNames))
    hosts[address] = [lines.get(address) as string];
  return hosts;
}

/** address → name as the links list them, a later name for an address replacing an earlier one. */
export function hostsLines(interfaces: readonly NetInterface[]): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const iface of interfaces)
    for (const link of namedLinks(iface))
      for (const address of link.addresses)
        hosts.set(address.ip, `${link.peer.name}.${iface.subnet.name}`);
  return hosts;
}

/**
 * The links whose peers the hosts lines name: every link, and after the link to the subnet's
 * relay the peers reached through it (no [Peer] of their own, but reachable by name all the same).
 */
export function* namedLinks(iface: NetInterface): Iterable<Link> {
  for (const link of iface.links) {
    yield link;
    if (link.relayed) yield* link.relayed;
  }
}
