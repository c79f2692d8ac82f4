/**
 * Lint `routed-prefixes`. Reports: duplicate-route (error).
 * Checks: one network (`routes`) routed by two peers that a third links to.
 * Why: WireGuard gives a prefix to one peer only (the last configured), so the other's network
 * becomes unreachable from there. Overlapping prefixes of different lengths are fine: the
 * longest match wins.
 */
import type { Prefix } from "../../network/address.js";
import type { Lint } from "../lint.js";

const q = JSON.stringify;

/**
 * One network routed (`routes`) by two peers that a third links to: WireGuard gives a prefix to
 * one peer only, the last configured, so the other's network silently becomes unreachable from
 * there. Overlapping prefixes of different lengths are fine (the longest match wins).
 */
export const routedPrefixes: Lint = {
  name: "routed-prefixes",
  codes: ["duplicate-route"],
  description: "one network routed by two peers of one interface",
  hosts({ report }) {
    const reported = new Set<string>();
    return {
      host(local, interfaces) {
        for (const iface of interfaces) {
          const first = new Map<string, { peer: string; route: Prefix }>();
          for (const link of iface.links) {
            const remote = link.peer;
            const routes =
              remote.memberships.find((m) => m.subnet === iface.subnet.name)?.routes ?? [];
            routes.forEach((route, i) => {
              const range = route.range;
              const key = `${range.family}/${range.start}/${range.prefix}`;
              const seen = first.get(key);
              if (!seen) {
                first.set(key, { peer: remote.name, route });
                return;
              }
              if (seen.peer === remote.name) return;
              const once = `${iface.subnet.name}\u0000${key}\u0000${seen.peer}\u0000${remote.name}`;
              if (reported.has(once)) return;
              reported.add(once);
              report.error(
                "duplicate-route",
                ["peers", remote.index, "subnets", iface.subnet.name, "routes", i],
                `${route.text} is also routed by ${q(seen.peer)} (${seen.route.text}) on subnet ${q(iface.subnet.name)}; peer ${q(local.name)} links to both and WireGuard sends the network to only one of them`,
              );
            });
          }
        }
      },
    };
  },
};
