/**
 * Lint `addresses-in-pool`. Reports: address-outside-pool (warning).
 * Checks: an IPv4 address outside its subnet's `ipv4Pool`, or the pool's network or broadcast
 * address.
 * Why: `add-peer` takes addresses from the pool, so one outside it was written by hand,
 * probably by mistake.
 */
import { poolRange } from "../../network/ipv4-pool.js";
import type { Lint } from "../lint.js";
import { addressPath, membersAddresses } from "../member-addresses.js";

const q = JSON.stringify;

/**
 * A subnet's `ipv4Pool` is where `add-peer` takes members' addresses from: an IPv4 address
 * outside it (or its network or broadcast address) was written by hand, probably by mistake.
 */
export const addressesInPool: Lint = {
  name: "addresses-in-pool",
  codes: ["address-outside-pool"],
  description: "an IPv4 address outside its subnet's ipv4Pool",
  run({ network, report }) {
    for (const subnet of network.subnets) {
      const pool = subnet.ipv4Pool === undefined ? undefined : poolRange(subnet.ipv4Pool);
      if (!pool) continue;
      for (const entry of membersAddresses(network, subnet.name)) {
        if (entry.host.family !== 4) continue;
        const n = entry.host.address;
        if (n >= pool.first && n <= pool.last) continue;
        const why = pool.pool.holds(entry.address)
          ? `is the network or broadcast address of subnet ${q(subnet.name)}'s ipv4Pool ${pool.pool.text}`
          : `is outside subnet ${q(subnet.name)}'s ipv4Pool ${pool.pool.text}`;
        report.warn(
          "address-outside-pool",
          addressPath(entry.peer, subnet.name),
          `address ${entry.address.ip} of peer ${q(entry.peer.name)} ${why}`,
        );
      }
    }
  },
};
