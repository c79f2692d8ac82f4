/**
 * The ACL's policy tests (`tests`) as the model's `PolicyTest`s: the schema has read their shape
 * (policy-tests.ts); here every target is resolved against the built network, and every
 * part that is wrong (an `Unreadable` part, an unknown peer, a target that cannot be reached
 * by construction) is reported with its path. Nothing wrong is passed on: a network carries
 * policy tests only when all of them were read.
 */

import type { Diagnostics, PathSegment } from "../../core/diagnostics.js";
import type { Network, PolicyTarget, PolicyTest } from "../../network/model.js";
import { shortList } from "../../network/named.js";
import { namedNetwork } from "../../network/named-networks.js";
import { resolveTarget } from "../../network/targets.js";
import { hasZoneId, ZONE_ID_EXPECTED } from "../../network/values.js";
import {
  TARGET_EXPECTED,
  Unreadable,
  type WrittenPolicyTests,
  type WrittenTarget,
} from "./policy-tests.js";

const q = JSON.stringify;

/** The policy tests, resolved; what is wrong goes to `report` (errors and warnings). */
export function resolvePolicyTests(
  network: Network,
  written: WrittenPolicyTests | undefined,
  report: Diagnostics,
): PolicyTest[] {
  if (written === undefined) return [];
  if (written instanceof Unreadable) {
    report.error("invalid-test", ["tests"], { expected: written.expected });
    return [];
  }
  const tests: PolicyTest[] = [];
  written.forEach((test, index) => {
    const at: PathSegment[] = ["tests", index];
    if (test instanceof Unreadable) {
      report.error("invalid-test", at, { expected: test.expected });
      return;
    }
    const from = test.from;
    if (from === undefined || from instanceof Unreadable) {
      report.error(
        "invalid-test",
        [...at, "from"],
        from === undefined
          ? { context: "missing", expected: "the peer the test starts from" }
          : { expected: from.expected },
      );
      return;
    }
    // A test may start in a named network (a site behind its router).
    const fromNetwork = !network.peer(from) && namedNetwork(network, from) !== undefined;
    if (!network.peer(from) && !fromNetwork) {
      const networks = (network.namedNetworks ?? []).map((n) => n.name);
      report.error(
        "unknown-reference",
        [...at, "from"],
        networks.length === 0
          ? `unknown peer ${q(from)} (peers: ${
              shortList(
                network.peers.map((p) => p.name),
                8,
              ) || "none"
            })`
          : `unknown peer or network ${q(from)} (peers: ${
              shortList(
                network.peers.map((p) => p.name),
                8,
              ) || "none"
            }; networks: ${shortList(networks, 8)})`,
      );
      return;
    }
    if (test.reaches === undefined && test.notReaches === undefined)
      report.warn(
        "invalid-test",
        at,
        "this test has neither reaches nor notReaches, so it tests nothing",
      );
    const side = (key: "reaches" | "notReaches"): PolicyTarget[] => {
      const list = test[key];
      if (list === undefined) return [];
      if (list instanceof Unreadable) {
        report.error("invalid-test", [...at, key], { expected: TARGET_EXPECTED });
        return [];
      }
      return list.flatMap((item, i) => {
        const resolved = resolveOne(network, from, item, [...at, key, i], report);
        return resolved === undefined ? [] : [resolved];
      });
    };
    const resolved: PolicyTest = {
      index,
      from,
      reaches: side("reaches"),
      notReaches: side("notReaches"),
    };
    if (fromNetwork) resolved.fromNetwork = true;
    tests.push(resolved);
  });
  return tests;
}

function resolveOne(
  network: Network,
  from: string,
  item: WrittenTarget | Unreadable,
  path: PathSegment[],
  report: Diagnostics,
): PolicyTarget | undefined {
  if (item instanceof Unreadable) {
    report.error("invalid-test", path, { expected: item.expected });
    return undefined;
  }
  if (hasZoneId(item.text)) {
    report.error("ipv6-zone-id", path, `${q(item.text)}: ${ZONE_ID_EXPECTED}`);
    return undefined;
  }
  const target = resolveTarget(network, item);
  if (typeof target === "string") {
    report.error("unknown-reference", path, target);
    return undefined;
  }
  if (target.peer === from || target.named === from) {
    report.error("invalid-test", path, `a test from ${q(from)} to itself proves nothing`);
    return undefined;
  }
  return { path, text: item.text, target };
}
