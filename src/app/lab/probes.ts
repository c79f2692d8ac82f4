/**
 * What the lab sends and what `check` and `explain` predict for each packet: the full matrix
 * (every source — each peer, and each network a peer routes, from its first address — × every
 * address of every other peer and every address the lab gives a routed network × every service
 * the rules name, plus ICMP) and every assertion of the ACL's policy tests, each as real probes
 * (TCP connect, a UDP request and its answer, ping) sent from inside the source's namespace.
 * Each probe's outcome is one of three: it arrives, it is refused (a reset or an ICMP
 * unreachable comes back at once) or it is dropped (nothing comes back).
 */

import { type Trace, tracePacket, traceText } from "../../analysis/packet-trace.js";
import { runPolicyTests } from "../../analysis/policy.js";
import { type Diagnostic, Diagnostics, renderPath } from "../../core/diagnostics.js";
import { AccessRules } from "../../network/access.js";
import { Address } from "../../network/address.js";
import type { Network, PolicyTest, Target } from "../../network/model.js";
import { INTERNET } from "../../network/named-networks.js";
import type { PacketService } from "../../network/service.js";
import { targetAddresses } from "../../network/targets.js";
import { LAB_CAPACITY, type LabPlan } from "./plan.js";

/** What happens to a probe: an answer, a refusal at once, or nothing until the wait ends. */
export type Outcome = "arrives" | "refused" | "dropped";

/** One packet the lab sends: from a peer or a routed network to an address, of one service. */
export interface LabProbe {
  /** The peer, or the routed network (`192.168.10.0/24`), it is sent from. */
  from: string;
  /** The namespace it is sent from. */
  ns: string;
  /** The source address it is sent from, for a probe from a routed network. */
  source?: string;
  /** The peer (or routed network) the address belongs to. */
  target: string;
  address: string;
  /** `tcp/22`, `udp/53` or `icmp`. */
  service: string;
  /** What `check`/`explain` say happens to it. */
  predicted: Outcome;
  /**
   * Whether the prediction has the packet leave its source at all: one that never does (no
   * route) may be refused by the source's own stack at once (the kernel's WireGuard answers a
   * packet for no peer with "host unreachable"), which is as predicted.
   */
  leaves: boolean;
  /** The way `explain` predicts, in one line (shown for a probe that differs). */
  path: string;
  /** What the lab saw; set once probed. */
  observed?: Outcome;
}

/** Whether the lab saw what was predicted. */
export function asPredicted(p: LabProbe): boolean {
  if (p.observed === p.predicted) return true;
  return !p.leaves && p.predicted === "dropped" && p.observed === "refused";
}

/** One assertion of the ACL's policy tests, with the probes that decide it in the lab. */
export interface LabTest {
  /** Where it is in the ACL: `tests[0].reaches[1]`. */
  path: string;
  from: string;
  target: string;
  expect: "reaches" | "notReaches";
  /** Whether `check` says the packet arrives. */
  predicted: boolean;
  /** Indices into the probe list. */
  probes: number[];
  /** Set once probed: whether any of its probes got an answer. */
  observed?: boolean;
}

export interface ProbePlan {
  probes: LabProbe[];
  tests: LabTest[];
  /** The services of the matrix. */
  services: string[];
  /** What reading the policy tests found wrong (a test naming no peer, …). */
  problems: Diagnostic[];
}

/** The services the rules name (their first port for a range), then ICMP. */
export function matrixServices(network: Network): string[] {
  const out = new Set<string>();
  for (const rule of network.rules ?? [])
    for (const s of rule.allow)
      if (s.protocol === "tcp" || s.protocol === "udp") out.add(`${s.protocol}/${s.low}`);
  const sorted = [...out].sort((a, b) => {
    const [pa, na] = a.split("/") as [string, string];
    const [pb, nb] = b.split("/") as [string, string];
    return pa === pb ? Number(na) - Number(nb) : pa.localeCompare(pb);
  });
  return [...sorted, "icmp"];
}

function packetOf(service: string): PacketService {
  if (service === "icmp") return { protocol: "icmp" };
  const [protocol, port] = service.split("/") as ["tcp" | "udp", string];
  return { protocol, port: Number(port) };
}

function peerAddresses(network: Network, peer: string): Address[] {
  const seen = new Set<string>();
  const out: Address[] = [];
  for (const m of network.peer(peer)?.memberships ?? [])
    for (const a of m.addresses)
      if (!seen.has(a.host.text)) {
        seen.add(a.host.text);
        out.push(a.host);
      }
  return out;
}

/** Where probes are sent from: a peer's namespace, or a routed network's from an address. */
interface Source {
  name: string;
  ns: string;
  /** The peer whose tunnels carry what it sends. */
  peer: string;
  /** The address in a routed network it sends from. */
  origin?: Address;
  /** The IP families it has an address of (the internet is probed only in those). */
  families: ReadonlySet<4 | 6>;
  /**
   * The namespaces a peer reaches without a tunnel (the networks it routes itself), which no
   * trace follows.
   */
  local: ReadonlySet<string>;
}

/** Where probes go to: an address of a peer, of a routed network or of the internet. */
interface Destination {
  name: string;
  ns: string;
  address: Address;
  internet?: true;
}

function sourcesOf(plan: LabPlan, network: Network, peers: readonly string[]): Source[] {
  const out: Source[] = [];
  for (const host of plan.hosts) {
    if (!peers.includes(host.peer)) continue;
    const local = new Set(host.lans.map((l) => l.ns));
    // An exit node reaches the internet by its own default route.
    if (host.internet && plan.internet) local.add(plan.internet);
    const families = new Set(peerAddresses(network, host.peer).map((a) => a.family));
    out.push({ name: host.peer, ns: host.ns, peer: host.peer, local, families });
  }
  // Every routed network sends from its first address, and every named network in it from
  // its own, when every peer is probed from.
  if (peers.length === network.peers.length)
    for (const host of plan.hosts)
      for (const lan of host.lans)
        for (const a of lan.addresses)
          if (a.source)
            out.push({
              name: a.name,
              ns: lan.ns,
              peer: host.peer,
              origin: Address.of(a.address),
              local: new Set(),
              families: new Set([Address.of(a.address).family]),
            });
  return out;
}

function destinationsOf(plan: LabPlan, network: Network): Destination[] {
  const out: Destination[] = [];
  for (const host of plan.hosts)
    for (const address of peerAddresses(network, host.peer))
      out.push({ name: host.peer, ns: host.ns, address });
  for (const host of plan.hosts)
    for (const lan of host.lans)
      for (const a of lan.addresses)
        out.push({ name: a.name, ns: lan.ns, address: Address.of(a.address) });
  if (plan.internet)
    for (const a of plan.internetAddresses ?? [])
      out.push({ name: INTERNET, ns: plan.internet, address: Address.of(a), internet: true });
  return out;
}

/** What a trace predicts for the probe: a hop that rejects it refuses it at once. */
function outcomeOf(trace: Trace): Outcome {
  if (trace.reached) return "arrives";
  return trace.hops[trace.hops.length - 1]?.rejected ? "refused" : "dropped";
}

/** The services a policy-test target is probed with: its own, or every one of the matrix. */
function targetServices(target: Target, services: readonly string[]): readonly string[] {
  if (!target.service) return services;
  return [
    target.service.port === undefined
      ? "icmp"
      : `${target.service.protocol}/${target.service.port}`,
  ];
}

/**
 * The probes for `sources` (every peer, and every routed network, when empty) to the hosts of
 * `plan` (see `labPeers`): the matrix, then what the policy tests need beyond it, each with
 * its prediction.
 */
export function planProbes(
  network: Network,
  plan: LabPlan,
  tests: readonly PolicyTest[] | undefined,
  sources: readonly string[],
): ProbePlan {
  const rules = new AccessRules(network);
  const services = matrixServices(network);
  const report = new Diagnostics();
  const outcome = runPolicyTests(network, tests ?? [], report);
  // runPolicyTests gives one result per assertion, in the order of this walk.
  const targets: Target[] = (tests ?? []).flatMap((test) =>
    [...test.reaches, ...test.notReaches].map((t) => t.target),
  );
  const probes: LabProbe[] = [];
  const index = new Map<string, number>();
  const add = (from: Source, target: string, address: Address, service: string): number => {
    const key = `${from.name} ${address.text} ${service}`;
    const known = index.get(key);
    if (known !== undefined) return known;
    const origin = from.origin
      ? { network: from.name, router: from.peer, source: from.origin }
      : from.peer;
    const trace: Trace = tracePacket(network, rules, origin, address, packetOf(service));
    probes.push({
      from: from.name,
      ns: from.ns,
      ...(from.origin ? { source: from.origin.text } : {}),
      target,
      address: address.text,
      service,
      predicted: outcomeOf(trace),
      leaves: trace.source !== undefined || trace.reached,
      path: traceText(trace),
    });
    index.set(key, probes.length - 1);
    return probes.length - 1;
  };
  const all = sourcesOf(
    plan,
    network,
    sources.length > 0 ? sources : network.peers.map((p) => p.name),
  );
  const destinations = destinationsOf(plan, network);
  for (const from of all)
    for (const to of destinations) {
      // Its own namespace, and a router's own networks (no tunnel between them), are no probe.
      if (to.ns === from.ns || from.local.has(to.ns)) continue;
      // A routed network sends only to addresses of its own family, and a source to the
      // internet only in a family it has an address of.
      if (from.origin && from.origin.family !== to.address.family) continue;
      if (to.internet && !from.families.has(to.address.family)) continue;
      for (const service of services) add(from, to.name, to.address, service);
    }

  const labTests: LabTest[] = [];
  for (const [i, result] of outcome.results.entries()) {
    if (sources.length > 0 && !sources.includes(result.from)) continue;
    const target = targets[i];
    const from = all.find((s) => s.name === result.from);
    if (target === undefined || from === undefined) continue;
    const wanted = targetServices(target, services);
    const shown = target.named ?? target.network?.text ?? target.peer;
    const ids = targetAddresses(network, target).flatMap((address) =>
      wanted.map((service) => add(from, shown, address, service)),
    );
    labTests.push({
      path: renderPath(result.path),
      from: result.from,
      target: result.target,
      expect: result.expect,
      predicted: result.trace?.reached === true,
      probes: ids,
    });
  }
  return {
    probes,
    tests: labTests,
    services,
    problems: report.items.filter((d) => d.severity === "error" && d.code !== "policy-failed"),
  };
}

/**
 * The peers the lab holds, in ACL order: every peer; or, with `sources` in a network larger
 * than the lab holds (`LAB_CAPACITY`), the sources, the peers their policy tests go to, and
 * every peer on the predicted way of a packet from a source to one of those — again until no
 * way adds a peer (a relay is itself probed, and its way may pass another) — so a fleet of
 * thousands is probed from a few of them.
 */
export function labPeers(
  network: Network,
  tests: readonly PolicyTest[] | undefined,
  sources: readonly string[],
): string[] {
  if (sources.length === 0 || network.peers.length <= LAB_CAPACITY)
    return network.peers.map((p) => p.name);
  const rules = new AccessRules(network);
  const services = matrixServices(network);
  const traces = new Map<string, Trace>();
  const traceOf = (from: string, address: Address, service: string): Trace => {
    const key = `${from} ${address.text} ${service}`;
    let trace = traces.get(key);
    if (!trace) {
      trace = tracePacket(network, rules, from, address, packetOf(service));
      traces.set(key, trace);
    }
    return trace;
  };
  const results = runPolicyTests(network, tests ?? [], new Diagnostics()).results;
  const targets: Target[] = (tests ?? []).flatMap((test) =>
    [...test.reaches, ...test.notReaches].map((t) => t.target),
  );
  const lab = new Set(sources);
  const onTheWay = (trace: Trace) => {
    for (const hop of trace.hops) {
      lab.add(hop.peer);
      if (hop.to !== undefined) lab.add(hop.to);
    }
  };
  for (const [i, result] of results.entries()) {
    const target = targets[i];
    if (!target || !sources.includes(result.from)) continue;
    lab.add(target.peer);
    for (const address of targetAddresses(network, target))
      for (const service of targetServices(target, services))
        onTheWay(traceOf(result.from, address, service));
  }
  const seen = new Set<string>();
  for (let size = 0; size !== lab.size; ) {
    size = lab.size;
    for (const b of [...lab]) {
      if (seen.has(b)) continue;
      seen.add(b);
      for (const a of sources)
        if (a !== b)
          for (const address of peerAddresses(network, b))
            for (const service of services) onTheWay(traceOf(a, address, service));
    }
  }
  return network.peers.filter((p) => lab.has(p.name)).map((p) => p.name);
}

/** The prober's input (see agents.ts): `[index, address, service, source?]` for each probe. */
export function proberInput(probes: readonly [number, LabProbe][]): string {
  return JSON.stringify(
    probes.map(([i, p]) =>
      p.source ? [i, p.address, p.service, p.source] : [i, p.address, p.service],
    ),
  );
}

/** The TCP and UDP services a responder answers (ICMP needs none). */
export function listenedServices(probes: readonly LabProbe[]): string[] {
  return [...new Set(probes.map((p) => p.service))].filter((s) => s !== "icmp");
}

/** Reads `INDEX arrives|refused|dropped` lines into the probes. */
export function readObservations(output: string, probes: LabProbe[]): void {
  for (const line of output.split("\n")) {
    const m = /^(\d+) (arrives|refused|dropped)$/.exec(line.trim());
    if (!m) continue;
    const probe = probes[Number(m[1])];
    if (probe) probe.observed = m[2] as Outcome;
  }
}
