/**
 * Lint `addresses-in-range`. Reports: address-outside-range (warning).
 * Checks: a member's address outside the range another member declares for the subnet by
 * writing its address with a prefix length (`10.0.0.1/24`).
 * Why: such an address is most likely a typo.
 */
import { rangeHolds } from "../../network/cidr.js";
import type { Lint } from "../lint.js";
import { addressPath, membersAddresses } from "../member-addresses.js";

const q = JSON.stringify;

/**
 * An address written with a prefix length (`10.0.0.1/24`) declares the subnet's range for that
 * member; another member's address outside it is probably a typo.
 */
export const addressesInRange: Lint = {
  name: "addresses-in-range",
  codes: ["address-outside-range"],
  description: "an address outside a range another member declares for the subnet",
  run({ network, report }) {
    for (const subnet of network.subnets) {
      const entries = membersAddresses(network, subnet.name);
      const declared = entries.filter(
        (e) =>
          e.address.prefixLength !== undefined &&
          e.allowed.prefix < (e.allowed.family === 4 ? 32 : 128),
      );
      if (declared.length === 0) continue;
      for (const entry of entries) {
        const sameFamily = declared.filter(
          (d) => d.peer !== entry.peer && d.allowed.family === entry.host.family,
        );
        const outside = sameFamily.find(
          (d) => !rangeHolds(d.allowed, entry.host.family, entry.host.address),
        );
        if (outside)
          report.warn(
            "address-outside-range",
            addressPath(entry.peer, subnet.name),
            `address ${entry.address.ip} of peer ${q(entry.peer.name)} is outside ${outside.address.text}, the range peer ${q(outside.peer.name)} declares for subnet ${q(subnet.name)}`,
          );
      }
    }
  },
};
