/**
 * The addresses members of a subnet have written, parsed once as hosts and as AllowedIPs: the
 * fact the address lints (src/check/lints/) share.
 */
import type { PathSegment } from "../diagnostics.js";
import { allowedIP, hostAddress } from "../network/addresses.js";
import { type AddressRange, addressRange } from "../network/cidr.js";
import type { NetPeer, Network } from "../network/model.js";

/** One address of one member of a subnet. */
export interface MemberAddress {
  peer: NetPeer;
  written: string;
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
    for (const written of membership?.addresses ?? []) {
      const host = addressRange(hostAddress(written));
      const allowed = addressRange(allowedIP(written));
      if (host && allowed) out.push({ peer, written, host, allowed });
    }
  }
  return out;
}

export function addressPath(peer: NetPeer, subnet: string): PathSegment[] {
  return ["peers", peer.index, "subnets", subnet, "ipAddresses"];
}
