/**
 * The checks a schema cannot express: names are unique, every reference names something that
 * exists. Each rule is a named function over the typed ACL; `RULES` lists them all.
 */
import type { Diagnostics, PathSegment } from "../../diagnostics.js";
import type { AclFilter, AclV1 } from "./schema.js";

type Rule = (acl: AclV1, report: Diagnostics) => void;

function known(names: Iterable<string>): string {
  const list = [...names];
  if (list.length === 0) return "there are none";
  const shown = list.slice(0, 8).map((n) => JSON.stringify(n));
  return `known: ${shown.join(", ")}${list.length > 8 ? `, ... (${list.length} in all)` : ""}`;
}

function uniqueNames(kind: "subnets" | "groups" | "peers", singular: string): Rule {
  return (acl, report) => {
    const first = new Map<string, number>();
    acl[kind].forEach((item, index) => {
      const seen = first.get(item.name);
      if (seen === undefined) first.set(item.name, index);
      else
        report.error(
          "duplicate-name",
          [kind, index, "name"],
          `duplicate ${singular} name ${JSON.stringify(item.name)} (first defined at ${kind}[${seen}])`,
        );
    });
  };
}

type Names = Record<AclFilter["type"], ReadonlySet<string>>;

function names(acl: AclV1): Names {
  return {
    subnet: new Set(acl.subnets.map((s) => s.name)),
    group: new Set(acl.groups.map((g) => g.name)),
    peer: new Set(acl.peers.map((p) => p.name)),
  };
}

/** `byType` is computed once per rule: an ACL can hold a filter list per peer endpoint. */
function checkFilters(
  filters: readonly AclFilter[],
  at: readonly PathSegment[],
  byType: Names,
  report: Diagnostics,
): void {
  filters.forEach((filter, index) => {
    const pool = byType[filter.type];
    if (!pool.has(filter.value))
      report.error(
        "unknown-reference",
        [...at, index, "value"],
        `unknown ${filter.type} ${JSON.stringify(filter.value)} (${known(pool)})`,
      );
  });
}

const peerSubnetsExist: Rule = (acl, report) => {
  const subnets = names(acl).subnet;
  acl.peers.forEach((peer, index) => {
    for (const subnet of Object.keys(peer.subnets))
      if (!subnets.has(subnet))
        report.error(
          "unknown-reference",
          ["peers", index, "subnets", subnet],
          `unknown subnet ${JSON.stringify(subnet)} (${known(subnets)})`,
        );
  });
};

const peerGroupsExist: Rule = (acl, report) => {
  const groups = names(acl).group;
  acl.peers.forEach((peer, index) => {
    peer.groups?.forEach((group, g) => {
      if (!groups.has(group))
        report.error(
          "unknown-reference",
          ["peers", index, "groups", g],
          `unknown group ${JSON.stringify(group)} (${known(groups)})`,
        );
    });
  });
};

const connectionReferencesExist: Rule = (acl, report) => {
  const byType = names(acl);
  const subnets = byType.subnet;
  acl.connections.forEach((connection, index) => {
    checkFilters(connection.a, ["connections", index, "a"], byType, report);
    checkFilters(connection.b, ["connections", index, "b"], byType, report);
    connection.subnets?.forEach((subnet, s) => {
      if (!subnets.has(subnet))
        report.error(
          "unknown-reference",
          ["connections", index, "subnets", s],
          `unknown subnet ${JSON.stringify(subnet)} (${known(subnets)})`,
        );
    });
  });
};

const endpointMatchesExist: Rule = (acl, report) => {
  const byType = names(acl);
  const owners = [
    ["subnets", acl.subnets],
    ["groups", acl.groups],
    ["peers", acl.peers],
  ] as const;
  for (const [kind, items] of owners)
    items.forEach((item, index) => {
      item.endpoints?.forEach((endpoint, e) => {
        if (endpoint.match)
          checkFilters(endpoint.match, [kind, index, "endpoints", e, "match"], byType, report);
      });
    });
};

const privateKeyWarning: Rule = (acl, report) => {
  acl.peers.forEach((peer, index) => {
    if (peer.privateKey !== undefined)
      report.warn(
        "unsafe-secret",
        ["peers", index, "privateKey"],
        "a private key written in the ACL can be read by anyone who can read the ACL; prefer privateKeyFile",
      );
  });
};

/** Every semantic rule of ACL v1, run in this order after the schema has passed. */
export const RULES: readonly Rule[] = [
  uniqueNames("subnets", "subnet"),
  uniqueNames("groups", "group"),
  uniqueNames("peers", "peer"),
  peerSubnetsExist,
  peerGroupsExist,
  connectionReferencesExist,
  endpointMatchesExist,
  privateKeyWarning,
];
