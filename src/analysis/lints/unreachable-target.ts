/**
 * Lint `unreachable-target`. Reports: unreachable-target (warning).
 * Checks: a policy test target (`tests[].reaches` / `notReaches`) whose addresses no peer holds
 * in any AllowedIPs: no link and no route leads there, whatever the rules.
 * Why: `reaches` can then never pass and `notReaches` passes without proving anything (the
 * target is likely misspelt, on the wrong subnet, or linked to no one).
 */
import type { Address } from "../../network/address.js";
import type { NetInterface, Network } from "../../network/model.js";
import { allowedIPs } from "../../network/routing.js";
import { targetAddresses } from "../../network/targets.js";
import type { Lint } from "../lint.js";

const q = JSON.stringify;

/** Whether some link of some peer but the owner holds the address in its AllowedIPs. */
function everReached(
  network: Network,
  owner: string,
  address: Address,
  all: readonly (readonly NetInterface[])[],
): boolean {
  return network.peers.some(
    (peer, p) =>
      peer.name !== owner &&
      (all[p] ?? []).some((iface) =>
        iface.links.some((link) => allowedIPs(link).some((entry) => entry.holds(address))),
      ),
  );
}

export const unreachableTarget: Lint = {
  name: "unreachable-target",
  codes: ["unreachable-target"],
  description: "a policy test target that no link or route could ever reach",
  run({ network, report, interfaces }) {
    for (const test of network.policyTests ?? [])
      for (const key of ["reaches", "notReaches"] as const)
        for (const { path, text, target } of test[key]) {
          const addresses = targetAddresses(network, target);
          if (addresses.some((a) => everReached(network, target.peer, a, interfaces()))) continue;
          report.warn(
            "unreachable-target",
            path,
            `no peer's AllowedIPs hold ${addresses.length ? addresses.map((a) => a.text).join(", ") : "an address"} of ${q(text)}: no link or route could ever reach it${key === "notReaches" ? ", so this proves nothing" : ""}`,
          );
        }
  },
};
