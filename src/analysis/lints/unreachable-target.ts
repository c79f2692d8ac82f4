/**
 * Lint `unreachable-target`. Reports: unreachable-target (warning).
 * Checks: a policy test target (`tests[].reaches` / `notReaches`) whose addresses no peer holds
 * in any AllowedIPs: no link and no route leads there, whatever the rules.
 * Why: `reaches` can then never pass and `notReaches` passes without proving anything (the
 * target is likely misspelt, on the wrong subnet, or linked to no one).
 */
import type { PathSegment } from "../../core/diagnostics.js";
import type { Address } from "../../network/address.js";
import { allowedIPs } from "../../network/routing.js";
import { targetAddresses } from "../../network/targets.js";
import type { Lint } from "../lint.js";

const q = JSON.stringify;

/** One target of a policy test, and whether a link of a peer but its owner holds an address of it. */
interface Pending {
  path: readonly PathSegment[];
  text: string;
  notReaches: boolean;
  owner: string;
  addresses: readonly Address[];
  reached: boolean;
}

export const unreachableTarget: Lint = {
  name: "unreachable-target",
  codes: ["unreachable-target"],
  description: "a policy test target that no link or route could ever reach",
  hosts({ network, report }) {
    const targets: Pending[] = [];
    for (const test of network.policyTests ?? [])
      for (const key of ["reaches", "notReaches"] as const)
        for (const { path, text, target } of test[key])
          targets.push({
            path,
            text,
            notReaches: key === "notReaches",
            owner: target.peer,
            addresses: targetAddresses(network, target),
            reached: false,
          });
    return {
      host(peer, interfaces) {
        const open = targets.filter(
          (t) => !t.reached && t.owner !== peer.name && t.addresses.length > 0,
        );
        if (open.length === 0) return;
        for (const iface of interfaces)
          for (const link of iface.links) {
            const entries = allowedIPs(link);
            for (const t of open)
              if (t.addresses.some((a) => entries.some((entry) => entry.holds(a))))
                t.reached = true;
          }
      },
      end() {
        for (const t of targets) {
          if (t.reached) continue;
          report.warn(
            "unreachable-target",
            t.path,
            `no peer's AllowedIPs hold ${t.addresses.length ? t.addresses.map((a) => a.text).join(", ") : "an address"} of ${q(t.text)}: no link or route could ever reach it${t.notReaches ? ", so this proves nothing" : ""}`,
          );
        }
      },
    };
  },
};
