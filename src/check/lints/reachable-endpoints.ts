/**
 * Lint `reachable-endpoints`. Reports: no-usable-endpoint (warning).
 * Checks: a link where neither side has an endpoint (ip and port) for the other.
 * Why: no handshake can ever start on it.
 */
import type { NetPeer } from "../../network/model.js";
import { type Lint, shortList } from "../lint.js";

const q = JSON.stringify;

/** A link where neither side has an endpoint for the other: no handshake can ever start. */
export const reachableEndpoints: Lint = {
  name: "reachable-endpoints",
  codes: ["no-usable-endpoint"],
  description: "links where neither side has a usable endpoint (ip and port) for the other",
  run(ctx) {
    const { network, report } = ctx;
    const all = ctx.interfaces();
    // Directions without an endpoint: "subnet\0dialer\0dialed" (names are unique).
    const missing = new Set<string>();
    all.forEach((interfaces, index) => {
      const local = network.peers[index] as NetPeer;
      for (const iface of interfaces)
        for (const link of iface.links)
          if (link.endpoint.address === undefined)
            missing.add(`${iface.subnet.name}\u0000${local.name}\u0000${link.peer.name}`);
    });
    all.forEach((interfaces, index) => {
      const local = network.peers[index] as NetPeer;
      for (const iface of interfaces) {
        const stuck: string[] = [];
        for (const link of iface.links) {
          const remote = link.peer;
          if (remote.index <= local.index || link.endpoint.address !== undefined) continue;
          if (missing.has(`${iface.subnet.name}\u0000${remote.name}\u0000${local.name}`))
            stuck.push(remote.name);
        }
        if (stuck.length > 0)
          report.warn(
            "no-usable-endpoint",
            ["peers", local.index, "subnets", iface.subnet.name],
            `on subnet ${q(iface.subnet.name)}, peer ${q(local.name)} has no endpoint (ip and port) for ${shortList(stuck)}, nor the other way round, so neither side can start a handshake; give one side an endpoint`,
          );
      }
    });
  },
};
