/**
 * Lint `rule-never-matches`. Reports: rule-never-matches (warning).
 * Checks: an access rule (`rules`) under which no peer of `from` can send a packet that reaches
 * any peer of `to` on a subnet the rule applies to, whatever the rules say: they share no link,
 * nor a router or exit node between them.
 * Why: such a rule can never match, so it is either a mistake (wrong filter, wrong subnet) or
 * dead weight in every host's firewall.
 */
import type { NetPeer, NetRule, Network } from "../../network/model.js";
import { filterSelects } from "../../network/select.js";
import type { Lint } from "../lint.js";
import { tracePacket } from "../packet-trace.js";

/** Above this many (from, to) pairs a rule is not traced: the lint stays cheap. */
const MAX_PAIRS = 10_000;

function selected(network: Network, filters: NetRule["from"]): NetPeer[] {
  return network.peers.filter((p) => {
    const s = { name: p.name, groups: p.groups, subnets: p.memberships.map((m) => m.subnet) };
    return filters.every((f) => filterSelects(s, f));
  });
}

function matches(network: Network, rule: NetRule): boolean {
  // Networks and the internet are followed by the policy tests and `explain`, not here.
  if ([...rule.from, ...rule.to].some((f) => f.type === "network")) return true;
  const from = selected(network, rule.from);
  const to = selected(network, rule.to);
  if (from.length * to.length > MAX_PAIRS) return true;
  for (const f of from)
    for (const t of to) {
      if (f === t) continue;
      for (const m of t.memberships) {
        if (rule.subnets !== undefined && !rule.subnets.includes(m.subnet)) continue;
        for (const a of m.addresses)
          if (tracePacket(network, undefined, f.name, a).reached) return true;
      }
    }
  return false;
}

export const ruleNeverMatches: Lint = {
  name: "rule-never-matches",
  codes: ["rule-never-matches"],
  description: "an access rule whose from and to share no link or route, so it never matches",
  run({ network, report }) {
    for (const rule of network.rules ?? [])
      if (!matches(network, rule))
        report.warn(
          "rule-never-matches",
          ["rules", rule.index],
          `no peer of \`from\` reaches any peer of \`to\`${rule.subnets ? " on the rule's subnets" : ""} by any link or route, so this rule can never match; check its filters${rule.subnets ? " and subnets" : ""}, or add a connection`,
        );
  },
};
