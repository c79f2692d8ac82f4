/**
 * The addresses of a subnet's members, with the blocks they stand for as hosts and as
 * AllowedIPs: the fact the address lints (src/analysis/lints/) share.
 */
import type { PathSegment } from "../core/diagnostics.js";
import type { Address } from "../network/address.js";
import type { AddressRange } from "../network/cidr.js";
import type { NetPeer, Network } from "../network/model.js";

/** One address of one member of a subnet. */
export interface MemberAddress {
  peer: NetPeer;
  address: Address;
  /** As the address itself (host part). */
  host: AddressRange;
  /** As AllowedIPs on the other members: a bare address is one host. */
  allowed: AddressRange;
}

export function membersAddresses(network: Network, subnet: string): MemberAddress[] {
  const out: MemberAddress[] = [];
  for (const name of network.subnet(subnet)?.members ?? []) {
    const peer = network.peer(name) as NetPeer;
    const membership = peer.memberships.find((m) => m.subnet === subnet);
    for (const address of membership?.addresses ?? [])
      out.push({ peer, address, host: address.host.range, allowed: address.range });
  }
  return out;
}

export function addressPath(peer: NetPeer, subnet: string): PathSegment[] {
  return ["peers", peer.index, "subnets", subnet, "ipAddresses"];
}
