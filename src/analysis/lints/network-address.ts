/**
 * Lint `network-address`. Reports: network-address (warning).
 * Checks: an interface address that is its network's own address (host part zero:
 * `10.9.0.0/24`, or a bare `10.9.0.0`, which the interface takes as /24); IPv4 /31 and /32 and
 * IPv6 /127 and /128 have no such address.
 * Why: it names the network, not a host; many stacks refuse it or treat it as broadcast-like.
 */
import type { Lint } from "../lint.js";

const q = JSON.stringify;

export const networkAddress: Lint = {
  name: "network-address",
  codes: ["network-address"],
  description: "an interface address that is its network's address (host part zero)",
  run({ network, report }) {
    for (const peer of network.peers)
      for (const m of peer.memberships)
        for (const address of m.addresses) {
          const r = address.interfaceRange;
          if (r.prefix >= (r.family === 4 ? 31 : 127) || r.address !== r.start) continue;
          report.warn(
            "network-address",
            ["peers", peer.index, "subnets", m.subnet, "ipAddresses"],
            `${q(address.text)} of ${q(peer.name)} on subnet ${q(m.subnet)} is the network address of ${address.interfaceCidr} (host part zero); pick a host address of the network`,
          );
        }
  },
};
