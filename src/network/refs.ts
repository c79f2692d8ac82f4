/**
 * How rules and path search read references between model objects (a link's remote peer, an
 * interface's subnet): by name, through these two functions (the model holds the objects).
 */
import type { Link, NetInterface } from "./model.js";

/** The name of the remote peer a link leads to. */
export function linkPeer(link: Link): string {
  return link.peer.name;
}

/** The name of the subnet an interface is on. */
export function interfaceSubnet(iface: NetInterface): string {
  return iface.subnet.name;
}
