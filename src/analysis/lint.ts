/**
 * What a lint is and what it sees: a named rule over the resolved `Network` that reports
 * diagnostics with a stable code and the ACL path they concern. The facts several lints need
 * (every interface with its links) are computed once and shared.
 */
import type { DiagnosticCode, Diagnostics, PathSegment } from "../core/diagnostics.js";
import type { DevNameMethod } from "../network/devname.js";
import type { NetFilter, NetInterface, Network } from "../network/model.js";

/** Everything a lint may read, and where it reports. */
export interface CheckContext {
  network: Network;
  /** The device naming the user deploys with; device-name lints judge the names it gives. */
  devNameMethod: DevNameMethod;
  report: Diagnostics;
  /** Every peer's interfaces (ACL peer order), resolved once for all lints. */
  interfaces(): readonly (readonly NetInterface[])[];
}

/** One named rule; `codes` lists what it may report, for the documentation and its tests. */
export interface Lint {
  name: string;
  codes: readonly DiagnosticCode[];
  description: string;
  run(ctx: CheckContext): void;
}

/** Builds the context, resolving interfaces only when a lint first asks. */
export function checkContext(
  network: Network,
  devNameMethod: DevNameMethod,
  report: Diagnostics,
): CheckContext {
  let all: NetInterface[][] | undefined;
  return {
    network,
    devNameMethod,
    report,
    interfaces() {
      all ??= network.peers.map((p) => network.interfaces(p.name));
      return all;
    },
  };
}

export { shortList } from "../network/named.js";

/** Every endpoint `match` of the network's subnets, groups and peers, each with its ACL path. */
export function* endpointMatches(
  network: Network,
): Iterable<[readonly NetFilter[], PathSegment[]]> {
  const owners = [
    ["subnets", network.subnets],
    ["groups", network.groups],
    ["peers", network.peers],
  ] as const;
  for (const [kind, items] of owners)
    for (const item of items)
      for (const [e, endpoint] of item.endpoints.entries())
        if (endpoint.match) yield [endpoint.match, [kind, item.index, "endpoints", e, "match"]];
}
