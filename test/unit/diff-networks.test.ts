/**
 * `wirenix diff` where a named network is an end (#29): sites as senders, sites and hosts in
 * them as targets, the internet through an exit node. Each change is made to examples/sites.yaml
 * (gw routes office-lan 192.168.10.0/24 with the printer 192.168.10.5; laptop1 uses exit; the
 * rules as its header says); the expected tuples are read off the ACL by hand.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import type { NetworkDiff } from "../../src/analysis/diff.js";
import { repoRoot } from "../support/paths.js";
import { wirenixInProcess, withTempDir, writeAcl } from "../support/run.js";

type Rule = { from: unknown[]; to: unknown[]; allow: string[]; action?: string };
type Sites = { rules: Rule[]; networks: { name: string; prefixes: string[] }[] } & Record<
  string,
  unknown
>;

const sites = () => parse(readFileSync(join(repoRoot, "examples", "sites.yaml"), "utf8")) as Sites;

async function diff(change: (acl: Sites) => void): Promise<NetworkDiff> {
  return withTempDir(async (dir) => {
    const old = sites();
    const now = sites();
    change(now);
    const run = await wirenixInProcess([
      ...["diff", writeAcl(dir, old, "old.json"), writeAcl(dir, now, "new.json")],
      ...["--format", "json"],
    ]);
    assert.equal(run.code, 1, run.stderr);
    return JSON.parse(run.stdout) as NetworkDiff;
  });
}

const tuples = (d: NetworkDiff) =>
  d.reachability.map((c) => `${c.change} ${c.from}->${c.to} ${c.service}`);

test("a network as a target: the printer opened on tcp/9100 to both laptops, nothing else", async () => {
  const d = await diff((acl) => {
    (acl.rules[1] as Rule).allow = ["tcp/631", "tcp/9100"];
  });
  assert.deepEqual(tuples(d), [
    "opened laptop1->printer tcp/9100",
    "opened laptop2->printer tcp/9100",
  ]);
  const one = d.reachability[0];
  assert.equal(one?.old?.reached, false);
  assert.match(one?.old?.why ?? "", /dropped at "gw"/);
  assert.equal(one?.new?.reached, true);
  assert.match(one?.new?.why ?? "", /allowed by rules\[1\]/);
});

test("a network as a sender: the site and the printer in it reach build on tcp/80 too", async () => {
  const d = await diff((acl) => {
    (acl.rules[0] as Rule).allow = ["tcp/22", "tcp/80"];
  });
  assert.deepEqual(tuples(d), ["opened office-lan->build tcp/80", "opened printer->build tcp/80"]);
  assert.match(d.reachability[0]?.new?.why ?? "", /^"gw" -\[office/);
});

test("the internet: without the rule that names it, laptop1 (exit client) reaches all of it", async () => {
  const d = await diff((acl) => {
    acl.rules.splice(2, 1);
  });
  // laptop2 has no exit node: no way to the internet before or after.
  assert.deepEqual(tuples(d), [
    "opened laptop1->internet tcp/1-442",
    "opened laptop1->internet tcp/444-65535",
    "opened laptop1->internet udp/1-65535",
    "opened laptop1->internet icmp",
  ]);
});

test("a network removed: every pair with it closes, on the side that had it", async () => {
  const d = await diff((acl) => {
    acl.networks = acl.networks.filter((n) => n.name !== "printer");
    acl.rules.splice(1, 1);
    // The policy tests that name it go with it.
    acl.tests = (acl.tests as { from: string; reaches: string[]; notReaches: string[] }[]).map(
      (t) => ({
        ...t,
        reaches: t.reaches.filter((x) => !x.startsWith("printer")),
        notReaches: t.notReaches.filter((x) => !x.startsWith("printer")),
      }),
    );
  });
  assert.deepEqual(tuples(d), [
    "closed laptop1->printer tcp/631",
    "closed laptop2->printer tcp/631",
    "closed printer->build tcp/22",
    "closed printer->gw *",
  ]);
});
