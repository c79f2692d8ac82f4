/**
 * Lint `unused-parts`. Reports: empty-group, empty-subnet, subnet-without-connection,
 * isolated-peer, unlinked-interface (warnings).
 * Checks: groups no one is in, subnets with no members or no link, peers in no subnet or linked
 * to no one, interfaces without peers.
 * Why: parts that take part in nothing are leftovers or forgotten connections.
 */
import type { Lint } from "../lint.js";

const q = JSON.stringify;

/** Groups, subnets and peers that take part in nothing. */
export const unusedParts: Lint = {
  name: "unused-parts",
  codes: [
    "empty-group",
    "empty-subnet",
    "subnet-without-connection",
    "isolated-peer",
    "unlinked-interface",
  ],
  description: "a group no one is in; a subnet with no members or no link; a peer linked to no one",
  hosts({ network, report }) {
    for (const group of network.groups)
      if (group.members.length === 0)
        report.warn("empty-group", ["groups", group.index], `no peer is in group ${q(group.name)}`);
    const linkedOn = new Set<string>();
    return {
      host(peer, interfaces) {
        const linked = interfaces.filter((i) => i.links.length > 0);
        for (const iface of linked) linkedOn.add(iface.subnet.name);
        if (interfaces.length === 0) {
          report.warn(
            "isolated-peer",
            ["peers", peer.index],
            `peer ${q(peer.name)} is in no subnet`,
          );
          return;
        }
        if (linked.length === 0) {
          report.warn(
            "isolated-peer",
            ["peers", peer.index],
            `peer ${q(peer.name)} is linked to no one (no connection selects it together with another member of its subnets)`,
          );
          return;
        }
        for (const iface of interfaces)
          if (iface.links.length === 0)
            report.warn(
              "unlinked-interface",
              ["peers", peer.index, "subnets", iface.subnet.name],
              `peer ${q(peer.name)} is a member of subnet ${q(iface.subnet.name)} but linked to no one there: its interface would have no peers`,
            );
      },
      end() {
        for (const subnet of network.subnets) {
          if (subnet.members.length === 0)
            report.warn(
              "empty-subnet",
              ["subnets", subnet.index],
              `no peer is a member of subnet ${q(subnet.name)}`,
            );
          else if (!linkedOn.has(subnet.name))
            report.warn(
              "subnet-without-connection",
              ["subnets", subnet.index],
              subnet.members.length === 1
                ? `subnet ${q(subnet.name)} has one member (${q(subnet.members[0])}), so nothing can link on it`
                : `no connection links any two of the ${subnet.members.length} members of subnet ${q(subnet.name)}`,
            );
        }
      },
    };
  },
};
