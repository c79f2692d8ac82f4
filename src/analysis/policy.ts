/**
 * Policy tests, like Tailscale's policy `tests`: the ACL states who must and must not reach
 * whom, and `check` proves it against the resolved network. They live under the ACL's top-level
 * `tests` key, which the original's parser ignores, so the file stays valid for it:
 *
 *   tests: [{ from: peer, reaches: [target], notReaches: [target] }]
 *
 * A target is `peer`, `peer.subnet` or a network address or prefix some peer routes, with an
 * optional service (`hub:tcp/22`, `192.168.10.0/24:tcp/631`, `hub:icmp`). "Reaches" means a
 * packet from `from` arrives at one of the target's addresses (on that subnet): it is followed
 * hop by hop through AllowedIPs, forwarding routers and exit nodes, and the rules of every host
 * on the way (see packet-trace.ts); without a service, any service a rule allows will do. The
 * ACL's parser has read the tests and resolved their targets (acl/v1/policy-test-targets.ts).
 */
import type { Diagnostics, PathSegment } from "../core/diagnostics.js";
import { AccessRules } from "../network/access.js";
import type { Network, PolicyTest, Target } from "../network/model.js";
import { INTERNET, siteOrigins } from "../network/named-networks.js";
import { packetServiceText } from "../network/service.js";
import { targetAddresses } from "../network/targets.js";
import { firstArriving, type Trace, traceText } from "./packet-trace.js";

const q = JSON.stringify;

/** One assertion's outcome, with the path its packet took. */
export interface PolicyResult {
  /** Where the assertion is in the ACL (`tests[0].reaches[1]`). */
  path: readonly PathSegment[];
  from: string;
  /** The target as written. */
  target: string;
  expect: "reaches" | "notReaches";
  passed: boolean;
  /** The trace that decided: the one that arrived, else the last one tried. */
  trace?: Trace;
}

/** How many assertions ran and how many failed, and each one's result. */
export interface PolicyOutcome {
  tests: number;
  assertions: number;
  failed: number;
  results: PolicyResult[];
  /**
   * The indices of the rules (`rules`) no assertion's packet was let in, through or refused by,
   * ascending; empty without rules.
   */
  unexercised: number[];
}

/**
 * Follows a packet to each of the target's addresses; the first that arrives, else the last.
 * `fromNetwork`: `from` names a network, whose packets start at its routers (each prefix's
 * first host).
 */
export function traceTarget(
  network: Network,
  rules: AccessRules,
  from: string,
  target: Target,
  fromNetwork = false,
): Trace | undefined {
  const origins = fromNetwork ? siteOrigins(network, from) : [from];
  return firstArriving(network, rules, origins, targetAddresses(network, target), target.service);
}

/** What a failure message calls the target: the network's name, else its address or peer. */
function targetShown(target: Target): { shown: string; scope: string } {
  if (target.named === INTERNET)
    return {
      shown: INTERNET,
      scope: " (outside every WireGuard address and routed network, through exit nodes)",
    };
  if (target.named !== undefined)
    return { shown: target.named, scope: ` (a network routed by ${q(target.peer)})` };
  if (target.network !== undefined)
    return { shown: target.network.text, scope: ` (routed by ${q(target.peer)})` };
  return {
    shown: target.peer,
    scope: target.subnet === undefined ? " on any subnet" : ` on subnet ${q(target.subnet)}`,
  };
}

/** `on subnet "s" by connections[0]`, hop by hop, and the rule that let it in. */
function pathText(trace: Trace): string {
  const sent = trace.hops.filter((h) => h.to !== undefined);
  const via = sent.slice(1).map((h) => q(h.peer));
  const links = sent.map(
    (h) =>
      `on subnet ${q(h.subnet)} by ${(h.connections ?? []).map((c) => `connections[${c}]`).join(", ")}`,
  );
  const last = trace.hops[trace.hops.length - 1];
  // A site's packet delivered by its own router never entered the tunnel.
  if (sent.length === 0) return last ? `(${last.why})` : "";
  const rule = last?.rule === undefined ? "" : ` (allowed by rules[${last.rule}])`;
  return `${via.length ? `through ${via.join(", ")} ` : ""}${links.join(", then ")}${rule}`;
}

/** Runs every assertion of the ACL's policy tests, and reports failures as errors. */
export function runPolicyTests(
  network: Network,
  tests: readonly PolicyTest[],
  report: Diagnostics,
): PolicyOutcome {
  const outcome: PolicyOutcome = {
    tests: tests.length,
    assertions: 0,
    failed: 0,
    results: [],
    unexercised: [],
  };
  const rules = new AccessRules(network);
  const exercised = new Set<number>();
  for (const test of tests) {
    const { from, index } = test;
    for (const key of ["reaches", "notReaches"] as const)
      for (const { path, text, target } of test[key]) {
        outcome.assertions++;
        const trace = traceTarget(network, rules, from, target, test.fromNetwork === true);
        for (const hop of trace?.hops ?? []) if (hop.rule !== undefined) exercised.add(hop.rule);
        const reached = trace?.reached === true;
        const passed = key === "reaches" ? reached : !reached;
        outcome.results.push({
          path,
          from,
          target: text,
          expect: key,
          passed,
          ...(trace ? { trace } : {}),
        });
        if (passed) continue;
        outcome.failed++;
        const { shown, scope: where } = targetShown(target);
        const scope = where + (target.service ? ` with ${packetServiceText(target.service)}` : "");
        const name = `test tests[${index}] (from ${q(from)})`;
        if (key === "reaches")
          report.error(
            "policy-failed",
            path,
            `${name} failed: ${q(from)} does not reach ${q(shown)}${scope}: ${trace ? traceText(trace) : "it has no address there"}`,
          );
        else
          report.error(
            "policy-failed",
            path,
            `${name} failed: ${q(from)} reaches ${q(shown)} ${trace ? pathText(trace) : ""}`,
          );
      }
  }
  outcome.unexercised = rules.rules.flatMap((r) => (exercised.has(r.index) ? [] : [r.index]));
  return outcome;
}
