/**
 * Policy tests, like Tailscale's policy `tests`: the ACL states who must and must not reach
 * whom, and `check` proves it against the resolved network. They live under the ACL's top-level
 * `tests` key, which the original's parser ignores, so the file stays valid for it:
 *
 *   tests: [{ from: peer, reaches: [target], notReaches: [target] }]
 *
 * A target is `peer`, `peer.subnet` or a network address or prefix some peer routes, with an
 * optional service (`hub:tcp/22`, `192.168.10.0/24:tcp/631`, `hub:icmp`). "Reaches" means a
 * packet from `from` arrives at one of the target's addresses (on that subnet): it is followed
 * hop by hop through AllowedIPs, forwarding routers and exit nodes, and the rules of every host
 * on the way (see packet-trace.ts); without a service, any service a rule allows will do.
 */

import type { Diagnostics, PathSegment } from "../core/diagnostics.js";
import { didYouMean } from "../core/did-you-mean.js";
import { AccessRules, type PacketService } from "../network/access.js";
import { Address } from "../network/address.js";
import { addressRange, addressText, rangeHolds } from "../network/cidr.js";
import type { Network } from "../network/model.js";
import { hasZoneId, ZONE_ID_EXPECTED } from "../network/values.js";
import { shortList } from "./lint.js";
import { type Trace, tracePacket, traceText } from "./packet-trace.js";

/** One assertion's outcome, with the path its packet took. */
export interface PolicyResult {
  /** Where the assertion is in the ACL (`tests[0].reaches[1]`). */
  path: readonly PathSegment[];
  from: string;
  /** The target as written. */
  target: string;
  expect: "reaches" | "notReaches";
  passed: boolean;
  /** The trace that decided: the one that arrived, else the last one tried. */
  trace?: Trace;
}

/** How many assertions ran and how many failed, and each one's result. */
export interface PolicyOutcome {
  tests: number;
  assertions: number;
  failed: number;
  results: PolicyResult[];
}

/** A target of `reaches`/`notReaches`, resolved against the network. */
export interface Target {
  peer: string;
  subnet?: string;
  /** The address a packet to a routed network (or an address in one) is sent to. */
  network?: Address;
  /** The packet's protocol and port, when the target names them. */
  service?: PacketService;
}

const SERVICE_SUFFIX = /:(?:(tcp|udp)\/([0-9]{1,5})|(icmp))$/;

/** `hub:tcp/22` → `hub` and the packet's service; anything else is the target unchanged. */
export function splitService(text: string): { name: string; service?: PacketService } {
  const m = SERVICE_SUFFIX.exec(text);
  if (!m) return { name: text };
  const name = text.slice(0, m.index);
  if (m[3]) return { name, service: { protocol: "icmp" } };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { name: text };
  return { name, service: { protocol: m[1] as "tcp" | "udp", port } };
}

/** The peer routing a network or address (longest route wins), with the address to send to. */
function routedTarget(network: Network, text: string): Target | string | undefined {
  const r = addressRange(text);
  if (!r) return undefined;
  // A prefix is tried at its first host address (its network address for /31, /32 and the like).
  const bits = r.family === 4 ? 32 : 128;
  const address = addressText(r.family, r.prefix < bits - 1 ? r.start + 1n : r.start);
  let best: { peer: string; subnet: string; length: number } | undefined;
  for (const peer of network.peers)
    for (const m of peer.memberships)
      for (const route of m.routes ?? []) {
        const rr = route.range;
        // The route must hold the whole target, not just its first address.
        const holds = rangeHolds(rr, r.family, r.start) && rangeHolds(rr, r.family, r.end);
        if (holds && (!best || rr.prefix > best.length))
          best = { peer: peer.name, subnet: m.subnet, length: rr.prefix };
      }
  if (!best) return `no peer routes ${q(text)} (no peer's routes hold it)`;
  return { peer: best.peer, subnet: best.subnet, network: Address.made(address, r.family) };
}

const KNOWN: readonly string[] = ["from", "reaches", "notReaches"];
const q = JSON.stringify;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Peer and subnet names may both contain dots, so "a.b.c" is tried as every split; a whole peer
 * name wins, and two possible splits are reported as ambiguous.
 */
export function resolveTarget(network: Network, written: string): Target | string {
  const { name: text, service } = splitService(written);
  if (hasZoneId(text)) return `${q(text)}: ${ZONE_ID_EXPECTED}`;
  const found = resolveName(network, text);
  return typeof found === "string" || service === undefined ? found : { ...found, service };
}

function resolveName(network: Network, text: string): Target | string {
  if (network.peer(text)) return { peer: text };
  const routed = routedTarget(network, text);
  if (routed !== undefined) return routed;
  const found: Target[] = [];
  for (let i = text.indexOf("."); i >= 0; i = text.indexOf(".", i + 1)) {
    const peer = text.slice(0, i);
    const subnet = text.slice(i + 1);
    if (network.peer(peer) && network.subnet(subnet)) found.push({ peer, subnet });
  }
  if (found.length > 1)
    return `${q(text)} is ambiguous: it can be read as ${found.map((t) => `peer ${q(t.peer)} on subnet ${q(t.subnet)}`).join(" or ")}`;
  const target = found[0];
  if (target) {
    const member = network.peer(target.peer)?.memberships.some((m) => m.subnet === target.subnet);
    if (!member)
      return `peer ${q(target.peer)} is not a member of subnet ${q(target.subnet)}, so ${q(text)} can never be reached`;
    return target;
  }
  const dot = text.indexOf(".");
  if (dot > 0 && network.peer(text.slice(0, dot)))
    return `unknown subnet ${q(text.slice(dot + 1))} in ${q(text)} (expected "peer" or "peer.subnet")`;
  const known = shortList(
    network.peers.map((p) => p.name),
    8,
  );
  const close = didYouMean(
    text,
    network.peers.map((p) => p.name),
  );
  return `unknown peer ${q(text)}${close} (expected "peer" or "peer.subnet"; peers: ${known || "none"})`;
}

/** The addresses a target stands for: a network's, or the peer's (on the subnet given). */
export function targetAddresses(network: Network, target: Target): Address[] {
  if (target.network !== undefined) return [target.network];
  const peer = network.peer(target.peer);
  return (peer?.memberships ?? [])
    .filter((m) => target.subnet === undefined || m.subnet === target.subnet)
    .flatMap((m) => m.addresses.map((a) => a.host));
}

/** Follows a packet to each of the target's addresses; the first that arrives, else the last. */
export function traceTarget(
  network: Network,
  rules: AccessRules,
  from: string,
  target: Target,
): Trace | undefined {
  let last: Trace | undefined;
  for (const address of targetAddresses(network, target)) {
    last = tracePacket(network, rules, from, address, target.service);
    if (last.reached) return last;
  }
  return last;
}

/** `on subnet "s" by connections[0]`, hop by hop, and the rule that let it in. */
function pathText(trace: Trace): string {
  const sent = trace.hops.filter((h) => h.to !== undefined);
  const via = sent.slice(1).map((h) => q(h.peer));
  const links = sent.map(
    (h) =>
      `on subnet ${q(h.subnet)} by ${(h.connections ?? []).map((c) => `connections[${c}]`).join(", ")}`,
  );
  const last = trace.hops[trace.hops.length - 1];
  const rule = last?.rule === undefined ? "" : ` (allowed by rules[${last.rule}])`;
  return `${via.length ? `through ${via.join(", ")} ` : ""}${links.join(", then ")}${rule}`;
}

function serviceName(service: PacketService): string {
  return service.port === undefined ? service.protocol : `${service.protocol}/${service.port}`;
}

/** Checks the shape of `tests`, runs every assertion, and reports failures as errors. */
export function runPolicyTests(
  network: Network,
  tests: unknown,
  report: Diagnostics,
): PolicyOutcome {
  const outcome: PolicyOutcome = { tests: 0, assertions: 0, failed: 0, results: [] };
  const rules = new AccessRules(network);
  if (tests === undefined) return outcome;
  if (!Array.isArray(tests)) {
    report.error(
      "invalid-test",
      ["tests"],
      "expected a list of policy tests [{ from, reaches?, notReaches? }]",
    );
    return outcome;
  }
  tests.forEach((test, index) => {
    const at: PathSegment[] = ["tests", index];
    if (!isObject(test)) {
      report.error("invalid-test", at, "expected a policy test { from, reaches?, notReaches? }");
      return;
    }
    outcome.tests++;
    for (const key of Object.keys(test))
      if (!KNOWN.includes(key))
        report.warn(
          "unknown-key",
          [...at, key],
          `unknown key in a policy test, ignored (known: ${KNOWN.join(", ")})`,
        );
    const from = test.from;
    if (typeof from !== "string") {
      report.error(
        "invalid-test",
        [...at, "from"],
        from === undefined
          ? "missing: expected the peer the test starts from"
          : "expected a peer name (a string)",
      );
      return;
    }
    if (!network.peer(from)) {
      report.error(
        "unknown-reference",
        [...at, "from"],
        `unknown peer ${q(from)} (peers: ${
          shortList(
            network.peers.map((p) => p.name),
            8,
          ) || "none"
        })`,
      );
      return;
    }
    if (test.reaches === undefined && test.notReaches === undefined)
      report.warn(
        "invalid-test",
        at,
        "this test has neither reaches nor notReaches, so it tests nothing",
      );
    for (const key of ["reaches", "notReaches"] as const) {
      const list = test[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        report.error(
          "invalid-test",
          [...at, key],
          'expected a list of targets ("peer", "peer.subnet" or a routed network, optionally with ":tcp/22", ":udp/53" or ":icmp")',
        );
        continue;
      }
      list.forEach((item: unknown, i) => {
        const where: PathSegment[] = [...at, key, i];
        if (typeof item !== "string") {
          report.error("invalid-test", where, 'expected "peer" or "peer.subnet" (a string)');
          return;
        }
        if (hasZoneId(item)) {
          report.error("ipv6-zone-id", where, `${q(item)}: ${ZONE_ID_EXPECTED}`);
          return;
        }
        const target = resolveTarget(network, item);
        if (typeof target === "string") {
          report.error("unknown-reference", where, target);
          return;
        }
        if (target.peer === from) {
          report.error("invalid-test", where, `a test from ${q(from)} to itself proves nothing`);
          return;
        }
        outcome.assertions++;
        const trace = traceTarget(network, rules, from, target);
        const reached = trace?.reached === true;
        const passed = key === "reaches" ? reached : !reached;
        outcome.results.push({
          path: where,
          from,
          target: item,
          expect: key,
          passed,
          ...(trace ? { trace } : {}),
        });
        if (passed) return;
        outcome.failed++;
        const shown = target.network?.text ?? target.peer;
        const scope =
          (target.network !== undefined
            ? ` (routed by ${q(target.peer)})`
            : target.subnet === undefined
              ? " on any subnet"
              : ` on subnet ${q(target.subnet)}`) +
          (target.service ? ` with ${serviceName(target.service)}` : "");
        const name = `test tests[${index}] (from ${q(from)})`;
        if (key === "reaches")
          report.error(
            "policy-failed",
            where,
            `${name} failed: ${q(from)} does not reach ${q(shown)}${scope}: ${trace ? traceText(trace) : "it has no address there"}`,
          );
        else
          report.error(
            "policy-failed",
            where,
            `${name} failed: ${q(from)} reaches ${q(shown)} ${trace ? pathText(trace) : ""}`,
          );
      });
    }
  });
  return outcome;
}
