/**
 * Lint `no-common-family`. Reports: no-common-family (warning).
 * Checks: two linked peers whose addresses and routed networks on the subnet share no address
 * family (one IPv4-only, the other IPv6-only).
 * Why: a packet of one family never finds an AllowedIPs entry of the other: the link carries
 * nothing, though both sides configure it.
 */
import type { Address } from "../../network/address.js";
import type { Lint } from "../lint.js";

const q = JSON.stringify;

function families(addresses: readonly Address[]): Set<4 | 6> {
  return new Set(addresses.map((a) => a.family));
}

export const noCommonFamily: Lint = {
  name: "no-common-family",
  codes: ["no-common-family"],
  description: "two linked peers with no address family in common (the link carries nothing)",
  hosts: ({ report }) => ({
    host(peer, interfaces) {
      for (const iface of interfaces) {
        const mine = families([...iface.addresses, ...(iface.routes ?? [])]);
        for (const link of iface.links) {
          // Each pair once: from the peer first in ACL order.
          if (link.peer.index < peer.index) continue;
          const theirs = families([...link.addresses, ...(link.routes ?? [])]);
          if ([...mine].some((f) => theirs.has(f))) continue;
          const text = (s: Set<4 | 6>) => [...s].map((f) => `IPv${f}`).join(" and ") || "none";
          report.warn(
            "no-common-family",
            ["peers", peer.index, "subnets", iface.subnet.name, "ipAddresses"],
            `on subnet ${q(iface.subnet.name)}, ${q(peer.name)} (${text(mine)}) and ${q(link.peer.name)} (${text(theirs)}) share no address family, so their link carries nothing; give both an address of one family (or "auto" for a generated IPv6 one)`,
          );
        }
      }
    },
  }),
};
