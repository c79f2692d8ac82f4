/**
 * Lint `nat-keepalive`. Reports: missing-keepalive (warning).
 * Checks: a peer that dials another (it has an endpoint for it) which has no endpoint for it in
 * return, and sends no keepalive on that link.
 * Why: such a peer is reached only through the way its own packets opened; behind NAT that way
 * closes when it is silent (UDP mappings last tens of seconds), and then the other side's
 * packets are lost until it sends again. `roaming: true` (a keepalive every 25 s) or a
 * `persistentKeepalive` keeps it open.
 */
import type { NetPeer } from "../../network/model.js";
import { type Lint, shortList } from "../lint.js";

const q = JSON.stringify;

export const natKeepalive: Lint = {
  name: "nat-keepalive",
  codes: ["missing-keepalive"],
  description:
    "peers nobody can dial that send no keepalive toward the peers they dial (behind NAT they become unreachable)",
  run(ctx) {
    const { network, report } = ctx;
    const all = ctx.interfaces();
    // Directions with an endpoint: "subnet\0dialer\0dialed" (names are unique).
    const dials = new Set<string>();
    all.forEach((interfaces, index) => {
      const local = network.peers[index] as NetPeer;
      for (const iface of interfaces)
        for (const link of iface.links)
          if (link.endpoint.address !== undefined)
            dials.add(`${iface.subnet.name}\u0000${local.name}\u0000${link.peer.name}`);
    });
    all.forEach((interfaces, index) => {
      const local = network.peers[index] as NetPeer;
      for (const iface of interfaces) {
        const silent = iface.links
          .filter(
            (link) =>
              link.endpoint.address !== undefined &&
              link.endpoint.persistentKeepalive === undefined &&
              !dials.has(`${iface.subnet.name}\u0000${link.peer.name}\u0000${local.name}`),
          )
          .map((link) => link.peer.name);
        if (silent.length > 0)
          report.warn(
            "missing-keepalive",
            ["peers", local.index, "subnets", iface.subnet.name],
            `on subnet ${q(iface.subnet.name)}, peer ${q(local.name)} dials ${shortList(silent)}, which ${silent.length === 1 ? "has" : "have"} no endpoint for it, and sends no keepalive: behind NAT the way back closes once ${q(local.name)} is silent, and ${silent.length === 1 ? "that peer no longer reaches" : "those peers no longer reach"} it; set roaming: true on ${q(local.name)} (a keepalive every 25 s), or a persistentKeepalive in the endpoints it dials`,
          );
      }
    });
  },
};
