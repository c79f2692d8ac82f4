/**
 * Targets of policy tests and `explain` (`peer`, `peer.subnet`, an address or prefix a peer
 * routes, each optionally with `:tcp/22`), resolved against a network.
 */
import { didYouMean } from "../core/did-you-mean.js";
import { knownAddresses } from "./access.js";
import { Address } from "./address.js";
import { addressRange, rangeHolds } from "./cidr.js";
import type { Network, Target } from "./model.js";
import { shortList } from "./named.js";
import {
  firstHost,
  firstHostText,
  INTERNET,
  internetAddresses,
  namedNetwork,
} from "./named-networks.js";
import { type PacketService, splitService } from "./service.js";
import { hasZoneId, ZONE_ID_EXPECTED } from "./values.js";

const q = JSON.stringify;

/** The peer routing a network or address (longest route wins), with the address to send to. */
function routedTarget(network: Network, text: string): Target | string | undefined {
  const r = addressRange(text);
  if (!r) return undefined;
  // A prefix is tried at its first host address (its network address for /31, /32 and the like).
  const address = firstHostText(r);
  let best: { peer: string; subnet: string; length: number } | undefined;
  for (const peer of network.peers)
    for (const m of peer.memberships)
      for (const route of m.routes ?? []) {
        const rr = route.range;
        // The route must hold the whole target, not just its first address.
        const holds = rangeHolds(rr, r.family, r.start) && rangeHolds(rr, r.family, r.end);
        if (holds && (!best || rr.prefix > best.length))
          best = { peer: peer.name, subnet: m.subnet, length: rr.prefix };
      }
  if (!best) return `no peer routes ${q(text)} (no peer's routes hold it)`;
  return { peer: best.peer, subnet: best.subnet, network: Address.made(address, r.family) };
}

/**
 * Peer and subnet names may both contain dots, so "a.b.c" is tried as every split; a whole peer
 * name wins, and two possible splits are reported as ambiguous.
 */
export function resolveTarget(
  network: Network,
  written: { name: string; service?: PacketService },
): Target | string {
  const { name: text, service } = written;
  if (hasZoneId(text)) return `${q(text)}: ${ZONE_ID_EXPECTED}`;
  const found = resolveName(network, text);
  return typeof found === "string" || service === undefined ? found : { ...found, service };
}

/** `resolveTarget` for a target given as text (`hub.lan:tcp/22`), as `explain` takes it. */
export function resolveTargetText(network: Network, text: string): Target | string {
  return resolveTarget(network, splitService(text));
}

/**
 * A named network as a target: its first prefix, at its first router (every prefix counts: see
 * `targetAddresses`); the internet at no router, an address outside every known one.
 */
function namedTarget(network: Network, text: string): Target | undefined {
  if (text === INTERNET) {
    const [address] = internetAddresses(knownAddresses(network));
    return address && { peer: "", named: INTERNET, network: address };
  }
  const named = namedNetwork(network, text);
  const first = named?.prefixes[0];
  const router = first?.routers[0];
  if (!first || !router) return undefined;
  return {
    peer: router.peer,
    subnet: router.subnet,
    network: firstHost(first.prefix),
    named: text,
  };
}

function resolveName(network: Network, text: string): Target | string {
  if (network.peer(text)) return { peer: text };
  const named = namedTarget(network, text);
  if (named) return named;
  const routed = routedTarget(network, text);
  if (routed !== undefined) return routed;
  const found: Target[] = [];
  for (let i = text.indexOf("."); i >= 0; i = text.indexOf(".", i + 1)) {
    const peer = text.slice(0, i);
    const subnet = text.slice(i + 1);
    if (network.peer(peer) && network.subnet(subnet)) found.push({ peer, subnet });
  }
  if (found.length > 1)
    return `${q(text)} is ambiguous: it can be read as ${found.map((t) => `peer ${q(t.peer)} on subnet ${q(t.subnet)}`).join(" or ")}`;
  const target = found[0];
  if (target) {
    const member = network.peer(target.peer)?.memberships.some((m) => m.subnet === target.subnet);
    if (!member)
      return `peer ${q(target.peer)} is not a member of subnet ${q(target.subnet)}, so ${q(text)} can never be reached`;
    return target;
  }
  const dot = text.indexOf(".");
  if (dot > 0 && network.peer(text.slice(0, dot)))
    return `unknown subnet ${q(text.slice(dot + 1))} in ${q(text)} (expected "peer" or "peer.subnet")`;
  const known = shortList(
    network.peers.map((p) => p.name),
    8,
  );
  const close = didYouMean(
    text,
    network.peers.map((p) => p.name),
  );
  return `unknown peer ${q(text)}${close} (expected "peer" or "peer.subnet"; peers: ${known || "none"})`;
}

/**
 * The addresses a target stands for: a named network's (the first host of each prefix; for the
 * internet an address of each family outside every known one), a routed address's, or the
 * peer's (on the subnet given).
 */
export function targetAddresses(network: Network, target: Target): Address[] {
  if (target.named === INTERNET) return internetAddresses(knownAddresses(network));
  const named = target.named === undefined ? undefined : namedNetwork(network, target.named);
  if (named) return named.prefixes.map((p) => firstHost(p.prefix));
  if (target.network !== undefined) return [target.network];
  const peer = network.peer(target.peer);
  return (peer?.memberships ?? [])
    .filter((m) => target.subnet === undefined || m.subnet === target.subnet)
    .flatMap((m) => m.addresses.map((a) => a.host));
}
