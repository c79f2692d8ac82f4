/**
 * Lint `unreachable-target`. Reports: unreachable-target (warning).
 * Checks: a policy test target (`tests[].reaches` / `notReaches`) whose addresses no peer holds
 * in any AllowedIPs: no link and no route leads there, whatever the rules.
 * Why: `reaches` can then never pass and `notReaches` passes without proving anything (the
 * target is likely misspelt, on the wrong subnet, or linked to no one).
 */
import type { PathSegment } from "../../core/diagnostics.js";
import type { Address } from "../../network/address.js";
import type { NetInterface, Network } from "../../network/model.js";
import { allowedIPs } from "../../network/routing.js";
import type { Lint } from "../lint.js";
import { resolveTarget, targetAddresses } from "../policy.js";

const q = JSON.stringify;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

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
  run({ network, report, interfaces, tests }) {
    if (!Array.isArray(tests)) return;
    tests.forEach((test: unknown, index) => {
      if (!isObject(test)) return;
      for (const key of ["reaches", "notReaches"] as const) {
        const list = test[key];
        if (!Array.isArray(list)) continue;
        list.forEach((item: unknown, i) => {
          if (typeof item !== "string") return;
          const target = resolveTarget(network, item);
          // Targets that do not resolve are the policy tests' own errors.
          if (typeof target === "string") return;
          const addresses = targetAddresses(network, target);
          if (addresses.some((a) => everReached(network, target.peer, a, interfaces()))) return;
          const path: PathSegment[] = ["tests", index, key, i];
          report.warn(
            "unreachable-target",
            path,
            `no peer's AllowedIPs hold ${addresses.length ? addresses.map((a) => a.text).join(", ") : "an address"} of ${q(item)}: no link or route could ever reach it${key === "notReaches" ? ", so this proves nothing" : ""}`,
          );
        });
      }
    });
  },
};
