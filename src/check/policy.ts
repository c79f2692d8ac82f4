/**
 * Policy tests, like Tailscale's policy `tests`: the ACL states who must and must not reach
 * whom, and `check` proves it against the resolved network. They live under the ACL's top-level
 * `tests` key, which the original's parser ignores, so the file stays valid for it:
 *
 *   tests: [{ from: peer, reaches: [peer | "peer.subnet"], notReaches: [...] }]
 *
 * "peer" holds when the two are linked on any subnet, "peer.subnet" when linked on that one.
 */
import type { Diagnostics, PathSegment } from "../diagnostics.js";
import type { Network } from "../network/model.js";
import { shortList } from "./lint.js";

/** How many assertions ran and how many failed. */
export interface PolicyOutcome {
  tests: number;
  assertions: number;
  failed: number;
}

/** A target of `reaches`/`notReaches`, resolved against the network. */
interface Target {
  peer: string;
  subnet?: string;
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
function resolveTarget(network: Network, text: string): Target | string {
  if (network.peer(text)) return { peer: text };
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
  return `unknown peer ${q(text)} (expected "peer" or "peer.subnet"; peers: ${known || "none"})`;
}

/** The subnets on which `from` links to each peer, with the connections behind each link. */
function linksOf(network: Network, from: string): Map<string, Map<string, readonly number[]>> {
  const out = new Map<string, Map<string, readonly number[]>>();
  for (const iface of network.interfaces(from))
    for (const link of iface.links) {
      const bySubnet = out.get(link.peer.name) ?? new Map<string, readonly number[]>();
      bySubnet.set(iface.subnet.name, link.connections);
      out.set(link.peer.name, bySubnet);
    }
  return out;
}

/** Checks the shape of `tests`, runs every assertion, and reports failures as errors. */
export function runPolicyTests(
  network: Network,
  tests: unknown,
  report: Diagnostics,
): PolicyOutcome {
  const outcome: PolicyOutcome = { tests: 0, assertions: 0, failed: 0 };
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
    let links: ReturnType<typeof linksOf> | undefined;
    for (const key of ["reaches", "notReaches"] as const) {
      const list = test[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        report.error("invalid-test", [...at, key], 'expected a list of "peer" or "peer.subnet"');
        continue;
      }
      list.forEach((item: unknown, i) => {
        const where: PathSegment[] = [...at, key, i];
        if (typeof item !== "string") {
          report.error("invalid-test", where, 'expected "peer" or "peer.subnet" (a string)');
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
        links ??= linksOf(network, from);
        outcome.assertions++;
        const bySubnet = links.get(target.peer);
        const on =
          target.subnet === undefined
            ? [...(bySubnet?.keys() ?? [])]
            : bySubnet?.has(target.subnet)
              ? [target.subnet]
              : [];
        const scope =
          target.subnet === undefined ? "on any subnet" : `on subnet ${q(target.subnet)}`;
        const name = `test tests[${index}] (from ${q(from)})`;
        if (key === "reaches" && on.length === 0) {
          outcome.failed++;
          report.error(
            "policy-failed",
            where,
            `${name} failed: ${q(from)} does not reach ${q(target.peer)} ${scope}; see \`wirenix explain ACL ${from} ${target.peer}\``,
          );
        } else if (key === "notReaches" && on.length > 0) {
          outcome.failed++;
          const via = on
            .map(
              (s) =>
                `${q(s)} by ${(bySubnet?.get(s) ?? []).map((c) => `connections[${c}]`).join(", ")}`,
            )
            .join("; ");
          report.error(
            "policy-failed",
            where,
            `${name} failed: ${q(from)} reaches ${q(target.peer)} on subnet ${via}`,
          );
        }
      });
    }
  });
  return outcome;
}
