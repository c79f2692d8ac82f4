/**
 * What Wirenix adds beyond the original, decided once in the model so every configurer agrees:
 * routed subnets (a peer's `routes` become AllowedIPs of the peers linked to it), exit nodes
 * (the default routes toward one linked peer, with a routing table and firewall mark so the
 * tunnel's own packets keep the normal route to the endpoint) and roaming peers (never dialled;
 * they keep their links alive). ACLs without these keys resolve exactly as the original's.
 */
import { type Diagnostic, diagnostic } from "../core/diagnostics.js";
import { Address, type Prefix } from "./address.js";
import type {
  Link,
  Membership,
  NetInterface,
  NetPeer,
  Network,
  ResolvedEndpoint,
} from "./model.js";

/** The default routes an exit node carries, IPv4 then IPv6. */
export const DEFAULT_ROUTES: readonly Prefix[] = [
  Address.made("0.0.0.0/0", 4) as Prefix,
  Address.made("::/0", 6) as Prefix,
];

/** The PersistentKeepalive a roaming peer sends when its ACL gives none (NAT mappings last ~30 s). */
export const ROAMING_KEEPALIVE = 25;

/** The extra AllowedIPs of a link to `remote`, or undefined when there are none. */
export function linkRoutes(local: Membership, remote: Membership, remoteName: string) {
  const routes = [...(remote.routes ?? [])];
  if (local.exitNode === remoteName) routes.push(...DEFAULT_ROUTES);
  return routes.length > 0 ? routes : undefined;
}

/**
 * The endpoint as the local peer uses it. A roaming remote is not dialled (its address changes),
 * so whatever address the merge found is dropped; a roaming local peer keeps a NAT mapping open
 * toward the peers it does dial.
 */
export function roamingEndpoint(
  endpoint: ResolvedEndpoint,
  local: NetPeer,
  remote: NetPeer,
): ResolvedEndpoint {
  if (remote.roaming === true && (endpoint.ip !== undefined || endpoint.port !== undefined)) {
    const { ip: _ip, port: _port, address: _address, ...rest } = endpoint;
    return rest;
  }
  if (
    local.roaming === true &&
    endpoint.address !== undefined &&
    endpoint.persistentKeepalive === undefined
  )
    return { ...endpoint, persistentKeepalive: ROAMING_KEEPALIVE };
  return endpoint;
}

/**
 * Every AllowedIPs entry of a link: the remote's addresses, then the addresses of the peers it
 * relays to (on the link to the subnet's relay), then its routes; each as WireGuard takes it is
 * its `allowedIP` (a bare address: that one host).
 */
export function allowedIPs(link: Link): Address[] {
  const out = [...link.addresses];
  for (const relayed of link.relayed ?? []) out.push(...relayed.addresses);
  if (link.routes) out.push(...link.routes);
  return out;
}

/** The AllowedIPs of a link as a configuration writes them. */
export function allowedIPTexts(link: Link): string[] {
  return allowedIPs(link).map((a) => a.allowedIP);
}

/**
 * Whether the host forwards packets for others on this interface: it routes networks, is an
 * exit node for a linked peer, or is the subnet's relay. Every output that turns forwarding on,
 * and the policy tests that follow packets, ask this one question.
 */
export function interfaceForwards(iface: NetInterface): boolean {
  return (
    (iface.routes?.length ?? 0) > 0 ||
    iface.relays === true ||
    iface.links.some((l) => l.exitClient)
  );
}

/**
 * Exit nodes that are not linked: the default route would point at a peer the interface has no
 * tunnel to. Only the peers that name an exit node have their links resolved.
 */
export function exitNodeProblems(network: Network): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const peer of network.peers)
    for (const m of peer.memberships) {
      if (m.exitNode === undefined) continue;
      const links = network.interfaceOn(peer.name, m.subnet)?.links ?? [];
      if (!links.some((l) => l.peer.name === m.exitNode))
        out.push(
          diagnostic(
            "error",
            "invalid-exit-node",
            ["peers", peer.index, "subnets", m.subnet, "exitNode"],
            `exit node ${JSON.stringify(m.exitNode)} is not linked to ${JSON.stringify(peer.name)} on subnet ${JSON.stringify(m.subnet)}: add a connection between them`,
          ),
        );
    }
  return out;
}
