/**
 * Lint `empty-group-filter`. Reports: empty-group-filter (warning).
 * Checks: a filter of a connection, an endpoint's `match` or a rule that names a group no peer
 * is in (no peer lists it in its `groups`).
 * Why: connections keep the original's meaning, where any group name is accepted; but a
 * misspelt one silently turns `group is guests` into "nobody" and, worse, `group not guests`
 * into "everyone". (In `rules` an undeclared group is an error already; a declared one nobody
 * is in is reported here.)
 */
import type { PathSegment } from "../../core/diagnostics.js";
import type { NetFilter, Network, RuleFilter } from "../../network/model.js";
import { endpointMatches, type Lint, shortList } from "../lint.js";

const q = JSON.stringify;

/** The filter lists of the network, each with its path. */
function* filterLists(
  network: Network,
): Iterable<[readonly (NetFilter | RuleFilter)[], PathSegment[]]> {
  for (const c of network.connections)
    for (const side of ["a", "b"] as const) {
      const filters = c[side];
      if (filters) yield [filters, ["connections", c.index, side]];
    }
  yield* endpointMatches(network);
  for (const rule of network.rules ?? []) {
    yield [rule.from, ["rules", rule.index, "from"]];
    yield [rule.to, ["rules", rule.index, "to"]];
  }
}

export const emptyGroupFilter: Lint = {
  name: "empty-group-filter",
  codes: ["empty-group-filter"],
  description: "a filter naming a group no peer is in (a misspelt group name)",
  run({ network, report }) {
    const inUse = new Set(network.peers.flatMap((p) => p.groups));
    const known = shortList([...inUse].sort(), 8);
    for (const [filters, at] of filterLists(network))
      filters.forEach((filter, i) => {
        if (filter.type !== "group" || filter.value === undefined || inUse.has(filter.value))
          return;
        const selects = filter.rule === "not" ? "every peer" : "no peer";
        report.warn(
          "empty-group-filter",
          [...at, i, "value"],
          `no peer is in group ${q(filter.value)}, so this filter selects ${selects}: a misspelt group name? (groups peers are in: ${known || "none"})`,
        );
      });
  },
};
