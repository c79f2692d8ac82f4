/**
 * What the lab sends and what `check` and `explain` predict for each packet: the full matrix
 * (every source × every address of every other peer × every service the rules name, plus
 * ICMP) and every assertion of the ACL's policy tests, each as real probes (TCP connect, a UDP
 * request and its answer, ping) sent from inside the source's namespace.
 */
import { type Diagnostic, Diagnostics, renderPath } from "../diagnostics.js";
import { AccessRules, type PacketService, parseService } from "../network/access.js";
import type { Address } from "../network/address.js";
import type { Network } from "../network/model.js";
import { type Trace, tracePacket, traceText } from "../check/paths.js";
import { resolveTarget, runPolicyTests, targetAddresses } from "../check/policy.js";

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
}

/** The services the rules name (their first port for a range), then ICMP. */
export function matrixServices(network: Network): string[] {
  const out = new Set<string>();
  for (const rule of network.rules ?? [])
    for (const text of rule.allow) {
      const s = parseService(text);
      if ((s.protocol === "tcp" || s.protocol === "udp") && s.low !== undefined)
        out.add(`${s.protocol}/${s.low}`);
    }
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

/**
 * The probes for `sources` (every peer when empty): the matrix, then what the policy tests
 * need beyond it, each with its prediction.
 */
export function planProbes(
  network: Network,
  tests: unknown,
  sources: readonly string[],
): ProbePlan {
  const rules = new AccessRules(network);
  const services = matrixServices(network);
  const probes: LabProbe[] = [];
  const index = new Map<string, number>();
  const add = (from: string, target: string, address: Address, service: string): number => {
    const key = `${from} ${address.text} ${service}`;
    const known = index.get(key);
    if (known !== undefined) return known;
    const trace: Trace = tracePacket(network, rules, from, address, packetOf(service));
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
  for (const a of from)
    for (const b of network.peers)
      if (b.name !== a)
        for (const address of peerAddresses(network, b.name))
          for (const service of services) add(a, b.name, address, service);

  const report = new Diagnostics();
  const outcome = runPolicyTests(network, tests, report);
  const labTests: LabTest[] = [];
  for (const result of outcome.results) {
    if (sources.length > 0 && !sources.includes(result.from)) continue;
    const target = resolveTarget(network, result.target);
    if (typeof target === "string") continue;
    const wanted = target.service
      ? [target.service.port === undefined ? "icmp" : `${target.service.protocol}/${target.service.port}`]
      : services;
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
  };
}

/** A shell word, quoted. */
function sq(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * A shell script that sends every probe given (`[index, probe]`) at once and prints
 * `INDEX 1` for an answer, `INDEX 0` for none; each waits at most `wait` seconds.
 */
export function probeScript(probes: readonly [number, LabProbe][], wait: number): string {
  const lines = [
    // An answer is "pong" from the listener; a connection refused or lost is no answer.
    `a() { i=$1; shift; if "$@" </dev/null 2>/dev/null | grep -q pong; then echo "$i 1"; else echo "$i 0"; fi; }`,
    `p() { i=$1; shift; if "$@" >/dev/null 2>&1; then echo "$i 1"; else echo "$i 0"; fi; }`,
  ];
  for (const [i, probe] of probes) {
    const v6 = probe.address.includes(":");
    const host = v6 ? `[${probe.address}]` : probe.address;
    if (probe.service === "icmp") {
      lines.push(`p ${i} ping -n -c 1 -W ${wait} ${sq(probe.address)} &`);
      continue;
    }
    const [protocol, port] = probe.service.split("/") as [string, string];
    const kind = `${protocol.toUpperCase()}${v6 ? "6" : "4"}`;
    const options = protocol === "tcp" ? `,connect-timeout=${wait}` : "";
    lines.push(
      `a ${i} sh -c ${sq(`echo ping | socat -T${wait} - ${kind}:${host}:${port}${options}`)} &`,
    );
  }
  lines.push("wait");
  return lines.join("\n");
}

/** The listeners of a host: every service of the matrix answers "pong", on IPv4 and IPv6. */
export function listenerScript(services: readonly string[]): string {
  const lines: string[] = [];
  for (const service of services) {
    if (service === "icmp") continue;
    const [protocol, port] = service.split("/") as [string, string];
    const address =
      protocol === "tcp"
        ? `TCP6-LISTEN:${port},ipv6only=0,fork,reuseaddr`
        : `UDP6-RECVFROM:${port},ipv6only=0,fork,reuseaddr`;
    lines.push(`socat ${address} SYSTEM:'echo pong' &`);
  }
  lines.push("wait");
  return lines.join("\n");
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
