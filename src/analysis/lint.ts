/**
 * What a lint is and what it sees: a named rule over the resolved `Network` that reports
 * diagnostics with a stable code and the ACL path they concern. Lints that read the peers'
 * links see them one host at a time (`HostPass`): each host's interfaces are resolved once for
 * all of them and let go before the next, so `check` holds one host's links at a time, not the
 * whole network's (a million links at 1000 peers in a full mesh).
 */
import { type DiagnosticCode, Diagnostics, type PathSegment } from "../core/diagnostics.js";
import type { DevNameMethod } from "../network/devname.js";
import type { NetFilter, NetInterface, NetPeer, Network } from "../network/model.js";

/** Everything a lint may read, and where it reports. */
export interface CheckContext {
  network: Network;
  /** The device naming the user deploys with; device-name lints judge the names it gives. */
  devNameMethod: DevNameMethod;
  report: Diagnostics;
}

/**
 * What a lint does with each host's interfaces, hosts in ACL order, and after the last. It
 * keeps only what it needs of them (its findings, a few numbers per link at most).
 */
export interface HostPass {
  host(peer: NetPeer, interfaces: readonly NetInterface[]): void;
  end?(): void;
}

/**
 * One named rule; `codes` lists what it may report, for the documentation and its tests. It
 * either runs once over the network (`run`) or, when it reads the peers' links, starts a pass
 * over the hosts (`hosts`).
 */
export type Lint = {
  name: string;
  codes: readonly DiagnosticCode[];
  description: string;
} & ({ run(ctx: CheckContext): void } | { hosts(ctx: CheckContext): HostPass });

export function checkContext(
  network: Network,
  devNameMethod: DevNameMethod,
  report: Diagnostics,
): CheckContext {
  return { network, devNameMethod, report };
}

/**
 * Runs `lints` over the context: each host's interfaces resolved once and handed to every lint
 * that reads them. Findings come lint by lint, in the order of `lints`.
 */
export function runLintsOf(ctx: CheckContext, lints: readonly Lint[]): void {
  const reports = lints.map(() => new Diagnostics());
  const passes: HostPass[] = [];
  lints.forEach((lint, i) => {
    const own = { ...ctx, report: reports[i] as Diagnostics };
    if ("hosts" in lint) passes.push(lint.hosts(own));
    else lint.run(own);
  });
  if (passes.length > 0) {
    for (const peer of ctx.network.peers) {
      const interfaces = ctx.network.interfaces(peer.name);
      for (const pass of passes) pass.host(peer, interfaces);
    }
    for (const pass of passes) pass.end?.();
  }
  for (const report of reports) ctx.report.items.push(...report.items);
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
