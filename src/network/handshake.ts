/**
 * Links no handshake can start on: neither side has an endpoint (ip and port) for the other,
 * and WireGuard learns an endpoint only from a handshake, so the link never carries a packet
 * (links.ts marks them `noHandshake`; a subnet's relay carries such pairs instead). `check` and
 * `generate` warn about them in the same words.
 */
import { type Diagnostic, diagnostic } from "../core/diagnostics.js";
import type { NetInterface, NetPeer } from "./model.js";

const q = JSON.stringify;

/** `"a", "b", "c", ... (12 in all)`. */
function shortList(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).map((n) => q(n));
  return `${shown.join(", ")}${names.length > max ? `, ... (${names.length} in all)` : ""}`;
}

/**
 * The warning (`no-usable-endpoint`) for `local`'s links on `iface` no handshake can start on,
 * leaving out the remotes `skip` says were reported already (from the other side); undefined
 * when none is left.
 */
export function noHandshakeWarning(
  local: NetPeer,
  iface: NetInterface,
  skip: (remote: NetPeer) => boolean,
): Diagnostic | undefined {
  const stuck = iface.links
    .filter((l) => l.noHandshake === true && !skip(l.peer))
    .map((l) => l.peer.name);
  if (stuck.length === 0) return undefined;
  const subnet = iface.subnet;
  const fix =
    subnet.relay === undefined
      ? "give one side an endpoint, or the subnet a relay both can dial"
      : `give one side an endpoint (the relay ${q(subnet.relay)} carries only pairs it is linked to and can handshake with)`;
  return diagnostic(
    "warning",
    "no-usable-endpoint",
    ["peers", local.index, "subnets", subnet.name],
    `on subnet ${q(subnet.name)}, peer ${q(local.name)} has no endpoint (ip and port) for ${shortList(stuck)}, nor the other way round, so neither side can start a handshake; ${fix}`,
  );
}
