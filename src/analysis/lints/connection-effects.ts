/**
 * Lint `connection-effects`. Reports: filter-selects-nobody, connection-links-nobody
 * (warnings).
 * Checks: a connection side or endpoint match that selects no peer; a connection that links no
 * two different peers on a subnet it applies to.
 * Why: a rule that does nothing is almost always a misspelt name or group.
 */
import type { Network } from "../../network/model.js";
import { filterSelects, type SelectablePeer } from "../../network/select.js";
import { endpointMatches, type Lint, shortList } from "../lint.js";

function selectable(network: Network): SelectablePeer[] {
  return network.peers.map((p) => ({
    name: p.name,
    groups: p.groups,
    subnets: p.memberships.map((m) => m.subnet),
  }));
}

/** Filters that select no one, and connections that for that or another reason link no one. */
export const connectionEffects: Lint = {
  name: "connection-effects",
  codes: ["filter-selects-nobody", "connection-links-nobody"],
  description:
    "a connection side or endpoint match that selects nobody; a connection that links no one",
  run({ network, report }) {
    const peers = selectable(network);
    const select = (filters: readonly Parameters<typeof filterSelects>[1][] | undefined) =>
      filters === undefined ? [] : peers.filter((p) => filters.every((f) => filterSelects(p, f)));
    for (const c of network.connections) {
      const sides = { a: select(c.a), b: select(c.b) };
      let empty = false;
      for (const side of ["a", "b"] as const)
        if (sides[side].length === 0) {
          empty = true;
          report.warn(
            "filter-selects-nobody",
            ["connections", c.index, side],
            `side ${side} of connections[${c.index}] selects no peer, so the connection links no one`,
          );
        }
      if (empty) continue;
      const subnets = c.subnets ?? network.subnets.map((s) => s.name);
      const links = subnets.some((subnet) => {
        const a = sides.a.filter((p) => p.subnets.includes(subnet));
        const b = sides.b.filter((p) => p.subnets.includes(subnet));
        return a.length > 0 && b.length > 0 && !(a.length === 1 && b.length === 1 && a[0] === b[0]);
      });
      if (!links)
        report.warn(
          "connection-links-nobody",
          ["connections", c.index],
          `connections[${c.index}] links no one: side a selects ${shortList(
            sides.a.map((p) => p.name),
            3,
          )} and side b ${shortList(
            sides.b.map((p) => p.name),
            3,
          )}, but no two different peers of them share a subnet it applies to (${subnets.length > 0 ? shortList(subnets, 3) : "there are no subnets"})`,
        );
    }
    for (const [match, at] of endpointMatches(network))
      if (select(match).length === 0)
        report.warn(
          "filter-selects-nobody",
          at,
          "this endpoint's match selects no peer, so no one ever dials it",
        );
  },
};
