/**
 * What changes between two versions of a network: who reaches whom with which service (opened
 * or closed, with the path and rule on each side), what each machine gets (host facts and,
 * when asked, its generated files), and what `check` finds (problems and policy tests). Only
 * the pairs of peers a difference between the networks can touch are followed
 * (reach-changes.ts); the tuples that change are followed again, hop by hop, to say why.
 */
import { type Diagnostic, renderPath } from "../core/diagnostics.js";
import { unifiedDiff } from "../core/unified-diff.js";
import { AccessRules } from "../network/access.js";
import type { Network } from "../network/model.js";
import { targetAddresses } from "../network/targets.js";
import type { CheckReport } from "./check.js";
import { type HostChange, hostChanges, hostFacts } from "./host-facts.js";
import { interfacesOnce } from "./interfaces-once.js";
import { EndsSide, networkReachChanges } from "./network-reach-changes.js";
import { firstArriving, type Trace } from "./packet-trace.js";
import { type PairChange, reachabilityChanges } from "./reach-changes.js";
import { type ServiceSpace, serviceSpace } from "./services.js";

/** A file of a host as shown to a person (secrets already redacted). */
export interface ShownFile {
  path: string;
  text: string;
  secret: boolean;
}

/** A host's generated files, or why it cannot be generated. */
export type HostFiles = { files: ShownFile[] } | { problem: string };

/** One version of the network, with what `check` found in it (diagnostics located). */
export interface DiffSide {
  network: Network;
  check: CheckReport;
  /** Every host's generated files (secrets redacted), when files are compared. */
  files?: Map<string, HostFiles>;
}

/** How a packet of one service fares on one side. */
export interface SideVerdict {
  reached: boolean;
  /** The way it takes and what decides, in one line. */
  why: string;
}

export interface ReachChange {
  from: string;
  to: string;
  /** `tcp/22`, `udp/1-52`, `icmp`, `*` (every service). */
  service: string;
  change: "opened" | "closed";
  /** Absent when the tuple is beyond the explained ones (see `DiffOptions.explainLimit`). */
  old?: SideVerdict;
  new?: SideVerdict;
}

export interface HostDiff {
  host: string;
  status: "added" | "removed" | "changed";
  changes: HostChange[];
  /** Unified diffs of the generated files that change, when files are compared. */
  files?: { path: string; diff: string }[];
  /** Why the host's files could not be made on a side. */
  problems?: string[];
}

export interface FindingChange {
  change: "appeared" | "disappeared";
  severity: "error" | "warning";
  code: string;
  message: string;
  /** `peers[2].endpoints[0]`. */
  path: string;
  file?: string;
  line?: number;
}

export interface PolicyChange {
  /** `tests[0].reaches[1]` on the side that has it (the new one when both do). */
  path: string;
  from: string;
  target: string;
  expect: "reaches" | "notReaches";
  /** Absent: the assertion is not there on that side. */
  old?: "passed" | "failed";
  new?: "passed" | "failed";
}

export interface NetworkDiff {
  reachability: ReachChange[];
  /** Changed tuples beyond the explained ones. */
  unexplained: number;
  hosts: HostDiff[];
  findings: FindingChange[];
  policy: PolicyChange[];
  summary: {
    opened: number;
    closed: number;
    hostsAdded: number;
    hostsRemoved: number;
    hostsChanged: number;
    findingsAppeared: number;
    findingsDisappeared: number;
    policyChanged: number;
  };
}

export interface DiffOptions {
  /**
   * How many changed tuples are followed again to say why: each is two traces, and a change
   * that opens a whole mesh opens n² tuples. The rest are listed without the why.
   */
  explainLimit: number;
}

const q = JSON.stringify;

/** The deciding trace's way in one line: `"a" -[office by connections[0]]-> "b": allowed by rules[1]`. */
export function traceLine(trace: Trace): string {
  const parts: string[] = [];
  for (const hop of trace.hops)
    if ((hop.action === "send" || hop.action === "forward") && hop.to !== undefined) {
      if (parts.length === 0) parts.push(q(hop.peer));
      const by = (hop.connections ?? []).map((c) => `connections[${c}]`).join(", ");
      parts.push(`-[${hop.subnet}${by ? ` by ${by}` : ""}]-> ${q(hop.to)}`);
    }
  const last = trace.hops[trace.hops.length - 1];
  const end = last
    ? `${last.action === "drop" ? `dropped at ${q(last.peer)}: ` : ""}${last.why}`
    : "";
  return `${parts.length > 0 ? `${parts.join(" ")}: ` : ""}${end}`;
}

/** How the packet `space.probe(atom)` from `from` to `to` fares in `network`. */
function verdict(
  network: Network,
  rules: AccessRules,
  from: string,
  to: string,
  space: ServiceSpace,
  atom: number,
): SideVerdict {
  if (!network.peer(from)) return { reached: false, why: `there is no peer ${q(from)}` };
  if (!network.peer(to)) return { reached: false, why: `there is no peer ${q(to)}` };
  const packet = space.probe(atom);
  const last = firstArriving(
    network,
    rules,
    [from],
    targetAddresses(network, { peer: to }),
    packet,
  );
  if (!last) return { reached: false, why: `${q(to)} has no address` };
  return { reached: last.reached, why: traceLine(last) };
}

/**
 * One side as the passes of `diffNetworks` read it. Two views of its interfaces: the pass over
 * the hosts keeps the last two (it compares a host, then takes its facts, and moves on; its
 * tracer keeps what it needs itself), the traces that say why keep the last 32 and every
 * forwarder (they come back to the same targets and hubs; keeping more for the host pass
 * only made the garbage collector work harder). One AccessRules serves both: it resolves
 * rules, not interfaces.
 */
interface Passed {
  hosts: Network;
  traces: Network;
  rules: AccessRules;
}

function passed(side: DiffSide): Passed {
  return {
    hosts: interfacesOnce(side.network, 2),
    traces: interfacesOnce(side.network),
    rules: new AccessRules(side.network),
  };
}

function reachChanges(
  a: Passed,
  b: Passed,
  options: DiffOptions,
  eachHost: (name: string) => void,
): { changes: ReachChange[]; unexplained: number } {
  const space = serviceSpace([a.hosts, b.hosts]);
  const pairs = reachabilityChanges(a.hosts, b.hosts, space, eachHost);
  const sides = { a, b };
  const changes: ReachChange[] = [];
  let unexplained = 0;
  const add = (pair: PairChange, explain: (side: "a" | "b", atom: number) => SideVerdict) => {
    const { from, to, before, after } = pair;
    for (const [change, bits] of [
      ["opened", after & ~before],
      ["closed", before & ~after],
    ] as const)
      for (const group of space.groups(bits)) {
        const one: ReachChange = { from, to, service: group.text, change };
        if (changes.length < options.explainLimit) {
          one.old = explain("a", group.first);
          one.new = explain("b", group.first);
        } else unexplained++;
        changes.push(one);
      }
  };
  for (const pair of pairs)
    add(pair, (side, atom) =>
      verdict(sides[side].traces, sides[side].rules, pair.from, pair.to, space, atom),
    );
  // Then the pairs with a named network at one end, or the internet as the target.
  const ends = { a: new EndsSide(a.traces), b: new EndsSide(b.traces) };
  for (const pair of networkReachChanges(ends.a, ends.b, space))
    add(pair, (side, atom) => {
      const trace = ends[side].trace(pair.from, pair.to, space.probe(atom));
      return typeof trace === "string"
        ? { reached: false, why: trace }
        : { reached: trace.reached, why: traceLine(trace) };
    });
  return { changes, unexplained };
}

/**
 * The hosts' differences, a host at a time (`visit`, in name order): the facts of a thousand
 * hosts with a thousand links each are not kept.
 */
function hostDiffer(a: DiffSide, b: DiffSide, pa: Passed, pb: Passed) {
  const facts = (network: Network, rules: AccessRules, host: string) => {
    const peer = network.peer(host);
    return peer ? hostFacts(network, rules, peer) : undefined;
  };
  const out: HostDiff[] = [];
  const visit = (host: string) => {
    const x = facts(pa.hosts, pa.rules, host);
    const y = facts(pb.hosts, pb.rules, host);
    const status = !x ? "added" : !y ? "removed" : "changed";
    const changes = x && y ? hostChanges(x, y) : [];
    const entry: HostDiff = { host, status, changes };
    if (a.files && b.files) {
      const files: { path: string; diff: string }[] = [];
      const problems: string[] = [];
      const before = a.files.get(host);
      const after = b.files.get(host);
      for (const [side, got] of [
        ["old", before],
        ["new", after],
      ] as const)
        if (got && "problem" in got) problems.push(`${side}: ${got.problem}`);
      const textsOf = (got: HostFiles | undefined) =>
        new Map(got && "files" in got ? got.files.map((f) => [f.path, f.text]) : []);
      const ta = textsOf(before);
      const tb = textsOf(after);
      for (const path of [...new Set([...ta.keys(), ...tb.keys()])].sort()) {
        const diff = unifiedDiff(`${host}/${path}`, ta.get(path), tb.get(path));
        if (diff !== "") files.push({ path, diff });
      }
      if (files.length > 0) entry.files = files;
      if (problems.length > 0) entry.problems = problems;
    }
    if (status !== "changed" || changes.length > 0 || entry.files) out.push(entry);
  };
  return { visit, hosts: out };
}

const findingKey = (d: Diagnostic) => `${d.severity}\u0000${d.code}\u0000${d.message}`;

function findingChanges(a: CheckReport, b: CheckReport): FindingChange[] {
  const keysA = new Set(a.diagnostics.map(findingKey));
  const keysB = new Set(b.diagnostics.map(findingKey));
  const shown = (change: FindingChange["change"], d: Diagnostic): FindingChange => ({
    change,
    severity: d.severity,
    code: d.code,
    message: d.message,
    path: renderPath(d.path),
    ...(d.file === undefined ? {} : { file: d.file }),
    ...(d.line === undefined ? {} : { line: d.line }),
  });
  return [
    ...a.diagnostics.filter((d) => !keysB.has(findingKey(d))).map((d) => shown("disappeared", d)),
    ...b.diagnostics.filter((d) => !keysA.has(findingKey(d))).map((d) => shown("appeared", d)),
  ];
}

function policyChanges(a: CheckReport, b: CheckReport): PolicyChange[] {
  type Entry = { path: string; from: string; target: string; expect: PolicyChange["expect"] };
  const index = (report: CheckReport) => {
    const out = new Map<string, Entry & { result: "passed" | "failed" }>();
    for (const r of report.policy.results)
      out.set(`${r.from}\u0000${r.expect}\u0000${r.target}`, {
        path: renderPath(r.path),
        from: r.from,
        target: r.target,
        expect: r.expect,
        result: r.passed ? "passed" : "failed",
      });
    return out;
  };
  const ia = index(a);
  const ib = index(b);
  const out: PolicyChange[] = [];
  for (const k of new Set([...ia.keys(), ...ib.keys()])) {
    const x = ia.get(k);
    const y = ib.get(k);
    if (x?.result === y?.result) continue;
    const base = (y ?? x) as Entry;
    out.push({
      path: base.path,
      from: base.from,
      target: base.target,
      expect: base.expect,
      ...(x ? { old: x.result } : {}),
      ...(y ? { new: y.result } : {}),
    });
  }
  return out;
}

/** Everything that changes from `a` to `b`. */
export function diffNetworks(a: DiffSide, b: DiffSide, options: DiffOptions): NetworkDiff {
  // One pass over the hosts compares them for reachability and for what each gets: each
  // host's interfaces (a thousand links in a thousand-peer mesh) are resolved once for both.
  const pa = passed(a);
  const pb = passed(b);
  const differ = hostDiffer(a, b, pa, pb);
  const { changes, unexplained } = reachChanges(pa, pb, options, differ.visit);
  const hosts = differ.hosts;
  const findings = findingChanges(a.check, b.check);
  const policy = policyChanges(a.check, b.check);
  return {
    reachability: changes,
    unexplained,
    hosts,
    findings,
    policy,
    summary: {
      opened: changes.filter((c) => c.change === "opened").length,
      closed: changes.filter((c) => c.change === "closed").length,
      hostsAdded: hosts.filter((h) => h.status === "added").length,
      hostsRemoved: hosts.filter((h) => h.status === "removed").length,
      hostsChanged: hosts.filter((h) => h.status === "changed").length,
      findingsAppeared: findings.filter((f) => f.change === "appeared").length,
      findingsDisappeared: findings.filter((f) => f.change === "disappeared").length,
      policyChanged: policy.length,
    },
  };
}

/** Whether anything changes at all. */
export function diffIsEmpty(d: NetworkDiff): boolean {
  return (
    d.reachability.length === 0 &&
    d.hosts.length === 0 &&
    d.findings.length === 0 &&
    d.policy.length === 0
  );
}
