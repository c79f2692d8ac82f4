/**
 * The handshakes the lab starts before it probes: each peer of the lab sends one ping to every
 * peer of the lab it links to, so that peers no one can dial (behind a NAT) have dialled out
 * and relays know them. Of each pair, one side pings first and the other only if no handshake
 * came of it: when both start a handshake at once, each answers the other's initiation, which
 * replaces its own, and each drops the answer to the initiation it no longer holds; nothing
 * then happens until WireGuard tries again after five seconds (REKEY_TIMEOUT), after the probes
 * (1 in 35 to 90 runs of a three-peer lab of a mesh, before this).
 */
import { shellQuote } from "../../core/shell-quote.js";
import type { Network } from "../../network/model.js";
import type { LabHost, LabPlan } from "./plan.js";

/** A peer of the lab a host sends its ping to. */
export interface HandshakeTarget {
  peer: string;
  /** The peer's first address on the subnet of the link. */
  address: string;
  /** The peer's public key in the lab. */
  publicKey: string;
  /** This host starts the pair's handshake (else it waits for the other's first). */
  first: boolean;
}

/** Whether `from` has an endpoint to dial `to` at, on `subnet`. */
function dials(network: Network, from: string, to: string, subnet: string): boolean {
  const link = network.interfaceOn(from, subnet)?.links.find((l) => l.peer.name === to);
  return link?.endpoint.address !== undefined;
}

/**
 * The peers of the lab `host` links to directly and can dial, once on each subnet (each
 * interface has its own handshake). The pair's handshake starts on the side that can dial the
 * other; where both can, on the one earlier in the plan.
 */
export function handshakeTargets(
  network: Network,
  plan: LabPlan,
  host: LabHost,
  publicKeys: ReadonlyMap<string, string>,
): HandshakeTarget[] {
  const order = new Map(plan.hosts.map((h, i) => [h.peer, i]));
  const mine = order.get(host.peer) ?? 0;
  const targets = new Map<string, HandshakeTarget>();
  for (const iface of network.interfaces(host.peer))
    for (const link of iface.links) {
      const peer = link.peer.name;
      const theirs = order.get(peer);
      const publicKey = publicKeys.get(peer);
      const key = `${iface.subnet.name}\u0000${peer}`;
      if (theirs === undefined || publicKey === undefined || targets.has(key)) continue;
      const address = network.interfaceOn(peer, iface.subnet.name)?.addresses[0]?.host.text;
      if (address === undefined) continue;
      // Without an endpoint for the peer, WireGuard has nowhere to send an initiation: the
      // peer starts (a ping would only wait out its second).
      if (link.endpoint.address === undefined) continue;
      const theyDial = dials(network, peer, host.peer, iface.subnet.name);
      targets.set(key, { peer, address, publicKey, first: !theyDial || mine < theirs });
    }
  return [...targets.values()];
}

/**
 * The script a host runs in its namespace: pings to the peers it starts with; after up to
 * 0.3 s, to the others that have no handshake yet; then it waits until every peer of its
 * interfaces has a handshake (a ping the rules drop would wait out its second for nothing),
 * or a second at most.
 */
export function handshakeScript(targets: readonly HandshakeTarget[]): string {
  const ping = (t: HandshakeTarget) =>
    `ping -n -c 1 -W 1 ${shellQuote(t.address)} >/dev/null 2>&1 & pids="$pids $!"`;
  // Exit status 0 while one of `keys` has no handshake yet.
  const unshaken = (keys: readonly string[]) =>
    `wg show all latest-handshakes | awk -v keys=${shellQuote(keys.join(" "))} 'BEGIN { n = split(keys, k, " "); for (i = 1; i <= n; i++) want[k[i]] = 1 } ($2 in want) && $3 == 0 { z = 1 } END { exit !z }'`;
  const later = targets.filter((t) => !t.first);
  const lines = ["pids=", ...targets.filter((t) => t.first).map(ping)];
  if (later.length > 0) {
    lines.push(
      "i=0",
      `while [ $i -lt 6 ] && ${unshaken(later.map((t) => t.publicKey))}; do sleep 0.05; i=$((i + 1)); done`,
      ...later.map((t) => `if ${unshaken([t.publicKey])}; then ${ping(t)}; fi`),
    );
  }
  lines.push(
    "i=0",
    "while [ $i -lt 20 ] && wg show all latest-handshakes | awk '$3 == 0 { z = 1 } END { exit !z }'; do sleep 0.05; i=$((i + 1)); done",
    "kill $pids 2>/dev/null",
    "wait",
  );
  return lines.join("\n");
}
