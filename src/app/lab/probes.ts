/**
 * What the lab sends and what `check` and `explain` predict for each packet: the full matrix
 * (every source × every address of every other peer × every service the rules name, plus
 * ICMP) and every assertion of the ACL's policy tests, each as real probes (TCP connect, a UDP
 * request and its answer, ping) sent from inside the source's namespace.
 */

import { type Trace, tracePacket, traceText } from "../../analysis/packet-trace.js";
import { runPolicyTests } from "../../analysis/policy.js";
import { type Diagnostic, Diagnostics, renderPath } from "../../core/diagnostics.js";
import { AccessRules } from "../../network/access.js";
import type { Address } from "../../network/address.js";
import type { Network, PolicyTest, Target } from "../../network/model.js";
import type { PacketService } from "../../network/service.js";
import { targetAddresses } from "../../network/targets.js";
import { LAB_CAPACITY } from "./plan.js";

/** One packet the lab sends: from a peer to an address, of one service. */
export interface LabProbe {
  from: string;
  /** The peer (or routed network) the address belongs to. */
  target: string;
  address: string;
  /** `tcp/22`, `udp/53` or `icmp`. */
  service: string;
  /** Whether `check`/`explain` say it arrives. */
  predicted: boolean;
  /** The way `explain` predicts, in one line (shown for a probe that differs). */
  path: string;
  /** Whether it got an answer in the lab; set once probed. */
  observed?: boolean;
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
  /**
   * The peers the lab holds, in ACL order: every peer; or, with sources in a network larger
   * than the lab holds (`LAB_CAPACITY`), the sources, the targets of their policy tests, and
   * every peer a predicted packet between those passes through (a hub, a relay), so a fleet
   * of thousands is probed from a few of them.
   */
  peers: string[];
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
 * The probes for `sources` (every peer when empty): the matrix, then what the policy tests
 * need beyond it, each with its prediction. The matrix goes to the peers of the lab
 * (`ProbePlan.peers`).
 */
export function planProbes(
  network: Network,
  tests: readonly PolicyTest[] | undefined,
  sources: readonly string[],
): ProbePlan {
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
  const report = new Diagnostics();
  const outcome = runPolicyTests(network, tests ?? [], report);
  // runPolicyTests gives one result per assertion, in the order of this walk.
  const targets: Target[] = (tests ?? []).flatMap((test) =>
    [...test.reaches, ...test.notReaches].map((t) => t.target),
  );
  // A network the lab can hold is up whole; a larger one only in the part the sources need.
  const inLab =
    sources.length === 0 || network.peers.length <= LAB_CAPACITY
      ? undefined
      : labPeers(network, sources, outcome.results, targets, services, traceOf);
  const probes: LabProbe[] = [];
  const index = new Map<string, number>();
  const add = (from: string, target: string, address: Address, service: string): number => {
    const key = `${from} ${address.text} ${service}`;
    const known = index.get(key);
    if (known !== undefined) return known;
    const trace = traceOf(from, address, service);
    probes.push({
      from,
      target,
      address: address.text,
      service,
      predicted: trace.reached,
      path: traceText(trace),
    });
    index.set(key, probes.length - 1);
    return probes.length - 1;
  };
  const from = sources.length > 0 ? sources : network.peers.map((p) => p.name);
  const to = inLab ? network.peers.filter((p) => inLab.has(p.name)) : network.peers;
  for (const a of from)
    for (const b of to)
      if (b.name !== a)
        for (const address of peerAddresses(network, b.name))
          for (const service of services) add(a, b.name, address, service);

  const labTests: LabTest[] = [];
  for (const [i, result] of outcome.results.entries()) {
    if (sources.length > 0 && !sources.includes(result.from)) continue;
    const target = targets[i];
    if (target === undefined) continue;
    const wanted = targetServices(target, services);
    const shown = target.network?.text ?? target.peer;
    const ids = targetAddresses(network, target).flatMap((address) =>
      wanted.map((service) => add(result.from, shown, address, service)),
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
    peers: inLab ? to.map((p) => p.name) : network.peers.map((p) => p.name),
  };
}

/**
 * The peers a lab probed from `sources` holds: the sources, the peers their policy tests go
 * to, and every peer on the predicted way of a packet from a source to one of those — again
 * until no way adds a peer (a relay is itself probed, and its way may pass another).
 */
function labPeers(
  network: Network,
  sources: readonly string[],
  results: readonly { from: string }[],
  targets: readonly (Target | undefined)[],
  services: readonly string[],
  traceOf: (from: string, address: Address, service: string) => Trace,
): Set<string> {
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
  return lab;
}

/** The prober's input (see agents.ts): `[index, address, service]` for each probe. */
export function proberInput(probes: readonly [number, LabProbe][]): string {
  return JSON.stringify(probes.map(([i, p]) => [i, p.address, p.service]));
}

/** The TCP and UDP services a responder answers (ICMP needs none). */
export function listenedServices(probes: readonly LabProbe[]): string[] {
  return [...new Set(probes.map((p) => p.service))].filter((s) => s !== "icmp");
}

/** Reads `INDEX 0|1` lines into the probes. */
export function readObservations(output: string, probes: LabProbe[]): void {
  for (const line of output.split("\n")) {
    const m = /^(\d+) ([01])$/.exec(line.trim());
    if (!m) continue;
    const probe = probes[Number(m[1])];
    if (probe) probe.observed = m[2] === "1";
  }
}
