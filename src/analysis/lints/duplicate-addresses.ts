/**
 * Lint `duplicate-addresses`. Reports: duplicate-address (error).
 * Checks: two members of one subnet written with the same address.
 * Why: packets for that address reach only one of them, silently.
 */
import type { Lint } from "../lint.js";
import { addressPath, type MemberAddress, membersAddresses } from "../member-addresses.js";

const q = JSON.stringify;

/** Two members of a subnet with one address: packets for it reach only one of them. */
export const duplicateAddresses: Lint = {
  name: "duplicate-addresses",
  codes: ["duplicate-address"],
  description: "two peers with the same address on one subnet",
  run({ network, report }) {
    for (const subnet of network.subnets) {
      const first = new Map<string, MemberAddress>();
      for (const entry of membersAddresses(network, subnet.name)) {
        const key = `${entry.host.family}/${entry.host.address}`;
        const seen = first.get(key);
        if (!seen) first.set(key, entry);
        else if (seen.peer !== entry.peer)
          report.error(
            "duplicate-address",
            addressPath(entry.peer, subnet.name),
            `address ${entry.address.ip} of peer ${q(entry.peer.name)} on subnet ${q(subnet.name)} is also peer ${q(seen.peer.name)}'s`,
          );
      }
    }
  },
};
