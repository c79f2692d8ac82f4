/**
 * Lint `own-address-allowed`. Reports: own-address-allowed (warning).
 * Checks: a remote peer whose addresses, as AllowedIPs on a local interface, hold the local
 * peer's own address there (typically an address written with the subnet's prefix length,
 * `10.0.0.1/24`, where the host `10.0.0.1` was meant).
 * Why: the local peer then sends the whole prefix to that one peer and accepts packets from it
 * that claim the local peer's own address. A route (`routes`) that holds it is a deliberate
 * relay and is not reported. Nor is the same address written on both peers: that is
 * `duplicate-address`'s error, and "write the bare address" would point the wrong way.
 */
import type { Lint } from "../lint.js";

const q = JSON.stringify;

export const ownAddressAllowed: Lint = {
  name: "own-address-allowed",
  codes: ["own-address-allowed"],
  description: "a linked peer's AllowedIPs (from its addresses) hold the local peer's own address",
  hosts: ({ report }) => ({
    host(peer, interfaces) {
      for (const iface of interfaces) {
        for (const link of iface.links)
          for (const address of link.addresses) {
            const held = iface.addresses.filter((own) => address.holds(own));
            if (held.length === 0) continue;
            if (held.every((own) => own.family === address.family && own.value === address.value))
              continue;
            report.warn(
              "own-address-allowed",
              ["peers", link.peer.index, "subnets", iface.subnet.name, "ipAddresses"],
              `${q(link.peer.name)}'s address ${q(address.text)} is AllowedIPs ${address.allowedIP} on ${q(peer.name)}, which holds ${q(peer.name)}'s own address on subnet ${q(iface.subnet.name)}; write the bare address (or the prefix in \`routes\` if ${q(link.peer.name)} relays)`,
            );
          }
      }
    },
  }),
};
