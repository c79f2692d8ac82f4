/**
 * How rules and path search read references between model objects (a link's remote peer, an
 * interface's subnet): by name, through these two functions only, so a change of the model's
 * shape (names becoming objects) touches this file alone.
 */
import type { Link, NetInterface } from "./model.js";

/** The name of the remote peer a link leads to. */
export function linkPeer(link: Link): string {
  return link.peer;
}

/** The name of the subnet an interface is on. */
export function interfaceSubnet(iface: NetInterface): string {
  return iface.subnet;
}
