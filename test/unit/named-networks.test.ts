/**
 * Rules beyond WireGuard addresses (docs/rules.md): named networks (`networks`), sites as
 * sources, networks and hosts in them as targets, the internet through exit nodes, reject or
 * drop, and which rules no policy test exercises. Validation as a table of ACLs and their
 * messages; the tables each host gets written out by hand; policy predictions and `explain`
 * through the library and the CLI in process.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { parseAcl } from "../../src/acl/parse.js";
import { validateAclV1 } from "../../src/acl/v1/validate.js";
import { tracePacket } from "../../src/analysis/packet-trace.js";
import { runPolicyTests } from "../../src/analysis/policy.js";
import { createRegistry } from "../../src/app/registry.js";
import type { CheckJson } from "../../src/cli/check.js";
import { Diagnostics, renderPath } from "../../src/core/diagnostics.js";
import { AccessRules, hostForwards } from "../../src/network/access.js";
import { Address } from "../../src/network/address.js";
import type { Network } from "../../src/network/model.js";
import { nftTableLines, rulesTable } from "../../src/render/configurers/nft-rules.js";
import { meshAcl } from "../support/acl.js";
import { fixtures } from "../support/paths.js";
import { wirenixInProcess } from "../support/run.js";

type Json = Record<string, any>;
const sitesYaml = join(fixtures, "rules", "sites.yaml");
const dir = mkdtempSync(join(tmpdir(), "wirenix-networks-"));

const sitesAcl = (): Json => parseYaml(readFileSync(sitesYaml, "utf8")) as Json;

function network(acl: unknown): Network {
  const parsed = parseAcl(acl, createRegistry());
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.diagnostics));
  return parsed.value;
}

/** Mesh a, b, c on "lan"; a routes 192.168.10.0/24 and fd10::/64, b 10.20.0.0/16. */
function routedMesh(extra: Json): Json {
  const acl: Json = meshAcl();
  acl.peers[0].subnets.lan.routes = ["192.168.10.0/24", "fd10::/64"];
  acl.peers[1].subnets.lan.routes = ["10.20.0.0/16"];
  return { ...acl, ...extra };
}

function problems(acl: Json): string[] {
  const result = validateAclV1(acl);
  const list = result.ok ? result.warnings : result.diagnostics;
  return list.map((d) => `${d.code} ${renderPath(d.path)}: ${d.message}`);
}

const net = (value: string, rule = "is") => ({ type: "network", rule, value });
const peer = (value: string) => ({ type: "peer", rule: "is", value });

test("valid networks, network filters, rulesAction and action are accepted", () => {
  assert.deepEqual(
    problems(
      routedMesh({
        networks: [
          { name: "office-lan", prefixes: ["192.168.10.0/24", "fd10::/64"] },
          { name: "printer", prefixes: ["192.168.10.5"] },
          { name: "lab", prefixes: ["10.20.30.0/24"] },
        ],
        rulesAction: "reject",
        rules: [
          { from: [net("office-lan")], to: [peer("c")], allow: ["tcp/22"] },
          { from: [peer("c")], to: [net("printer")], allow: ["tcp/631"], action: "drop" },
          { from: [], to: [net("internet")], allow: ["tcp/443"], action: "reject" },
          { from: [net("lab")], to: [net("printer", "not")], allow: ["*"] },
        ],
      }),
    ),
    [],
  );
});

test("every mistake in networks and network filters is reported with its path, at once", () => {
  const table: [string, Json, string[]][] = [
    [
      "a prefix no peer routes, and one only partly routed",
      { networks: [{ name: "x", prefixes: ["192.168.11.0/24", "192.168.10.0/23"] }] },
      [
        'unrouted-network networks[0].prefixes[0]: no peer routes "192.168.11.0/24": expected a prefix inside some peer\'s routes (that peer is its router)',
        'unrouted-network networks[0].prefixes[1]: no peer routes "192.168.10.0/23": expected a prefix inside some peer\'s routes (that peer is its router)',
      ],
    ],
    [
      "a duplicate name, in any case",
      {
        networks: [
          { name: "lan1", prefixes: ["192.168.10.0/25"] },
          { name: "lan1", prefixes: ["192.168.10.128/25"] },
          { name: "LAN1", prefixes: ["10.20.0.0/16"] },
        ],
      },
      [
        'duplicate-name networks[1].name: duplicate network name "lan1" (first defined at networks[0])',
        'duplicate-name networks[2].name: network name "LAN1" differs from "lan1" (networks[0]) only in case: expected names unique regardless of case (host names ignore case, and so do some file systems)',
      ],
    ],
    [
      "internet redefined",
      { networks: [{ name: "internet", prefixes: ["10.20.0.0/16"] }] },
      [
        'duplicate-name networks[0].name: "internet" is reserved: it is every address outside the WireGuard addresses and the routed networks, reached through exit nodes; expected another name',
      ],
    ],
    [
      "a network named like a peer",
      { networks: [{ name: "b", prefixes: ["10.20.0.0/16"] }] },
      [
        'duplicate-name networks[0].name: network name "b" is also a peer\'s (peers[1]): a policy test target or an explain target names one or the other, so expected a name no peer has',
      ],
    ],
    [
      "bad prefixes: host bits set, no address, a zone, none at all",
      {
        networks: [
          { name: "x", prefixes: ["192.168.10.5/24", "printer", "fe80::1%lo"] },
          { name: "y", prefixes: [] },
        ],
      },
      [
        'invalid-value networks[0].prefixes[0]: expected an IPv4 or IPv6 network with its prefix length and no host bits set, like "192.168.10.0/24", or a single address, like "192.168.10.5", got "192.168.10.5/24"',
        'invalid-value networks[0].prefixes[1]: expected an IPv4 or IPv6 network with its prefix length and no host bits set, like "192.168.10.0/24", or a single address, like "192.168.10.5", got "printer"',
        'ipv6-zone-id networks[0].prefixes[2]: expected an address without an IPv6 zone ID ("%lo", "%eth0": a zone names an interface of one host, and nftables cannot load it), got "fe80::1%lo"',
        "invalid-value networks[1].prefixes: expected at least one prefix, got []",
      ],
    ],
    [
      "an unknown network in a rule, internet as a source, peers and networks on one side",
      {
        networks: [{ name: "office-lan", prefixes: ["192.168.10.0/24"] }],
        rules: [
          { from: [net("ofice-lan")], to: [], allow: ["*"] },
          { from: [net("internet")], to: [peer("a")], allow: ["*"] },
          { from: [peer("a")], to: [net("office-lan"), peer("b")], allow: ["*"] },
        ],
      },
      [
        'unknown-reference rules[0].from[0].value: unknown network "ofice-lan" (known: "office-lan", "internet")',
        'invalid-rule rules[1].from[0].value: "internet" is a target only (exit clients reach it through their exit node): expected a network of `networks` as a source',
        "invalid-rule rules[2].to[0]: a side of a rule selects peers or networks, not both: to names a network here and a peer at to[1] (write two rules)",
      ],
    ],
    [
      "bad actions",
      {
        rulesAction: "deny",
        rules: [{ from: [], to: [], allow: ["*"], action: "refuse" }],
      },
      [
        'invalid-value rulesAction: expected "drop" or "reject", got "deny"',
        'invalid-value rules[0].action: expected "drop" or "reject", got "refuse"',
      ],
    ],
    [
      "a network filter in a connection",
      { connections: [{ a: [net("office-lan")], b: [] }] },
      [
        'invalid-value connections[0].a[0].type: expected "peer", "group" or "subnet": network filters work in rules only, got "network"',
      ],
    ],
  ];
  for (const [what, extra, expected] of table)
    assert.deepEqual(problems(routedMesh(extra)), expected, what);
});

test("the routers of each prefix: every peer whose routes hold all of it", () => {
  const n = network(
    routedMesh({
      networks: [
        { name: "printer", prefixes: ["192.168.10.5", "10.20.1.0/24"] },
        { name: "v6", prefixes: ["fd10::80/121"] },
      ],
    }),
  );
  assert.deepEqual(
    n.namedNetworks?.map((x) => ({
      name: x.name,
      prefixes: x.prefixes.map((p) => [p.prefix.text, p.routers.map((r) => r.peer)]),
    })),
    [
      {
        name: "printer",
        prefixes: [
          ["192.168.10.5", ["a"]],
          ["10.20.1.0/24", ["b"]],
        ],
      },
      { name: "v6", prefixes: [["fd10::80/121", ["a"]]] },
    ],
  );
});

/** The lines of `peer`'s table for its interface on `subnet`, as every output writes them. */
function tableOf(n: Network, name: string, subnet = "office"): string[] {
  const rules = new AccessRules(n);
  const peer = n.peer(name);
  assert.ok(peer);
  const ifaces = n.interfaces(name);
  const iface = ifaces.find((i) => i.subnet.name === subnet);
  assert.ok(iface);
  const access = rules.interfaceAccess(peer, iface, hostForwards(ifaces));
  return nftTableLines(rulesTable({ device: subnet, access }));
}

/** The chain `name` of a table's lines, without its header. */
function chain(lines: string[], name: string): string[] {
  const start = lines.indexOf(`chain ${name} {`);
  const end = lines.indexOf("}", start);
  return lines.slice(start + 2, end).map((l) => l.replace(/^\t/, ""));
}

/** The set `name`'s elements line. */
function set(lines: string[], name: string): string {
  const start = lines.indexOf(`set ${name} {`);
  return (lines[start + 3] ?? "").trim();
}

test("the router: what its site sends into the tunnel, and what reaches the printer", () => {
  const lines = tableOf(network(sitesAcl()), "gw");
  assert.deepEqual(chain(lines, "forward"), [
    'iifname "office" ct state established,related accept',
    'iifname "office" ip saddr @v4_0 ip daddr @v4_1 tcp dport @tcp_2 accept comment "rules[1]"',
    'iifname "office" ip saddr @v4_0 ip daddr @v4_3 tcp dport @tcp_4 accept comment "rules[3]"',
    'iifname "office" ip saddr @v4_0 ip daddr @v4_3 meta l4proto icmp accept comment "rules[3]"',
    'iifname "office" drop',
    'oifname "office" ct state established,related accept',
    'oifname "office" ip saddr @v4_5 ip daddr @v4_3 tcp dport @tcp_4 accept comment "rules[0]"',
    'oifname "office" ip saddr @v4_5 drop',
  ]);
  assert.equal(set(lines, "v4_0"), "elements = { 10.0.0.11-10.0.0.12 }");
  assert.equal(set(lines, "v4_1"), "elements = { 192.168.10.5 }");
  assert.equal(set(lines, "tcp_2"), "elements = { 631 }");
  assert.equal(set(lines, "v4_3"), "elements = { 10.0.0.21 }");
  assert.equal(set(lines, "v4_5"), "elements = { 192.168.10.0/24 }");
  // Its own address inside the printer's network would be the host itself.
  assert.deepEqual(chain(lines, "input"), [
    'iifname "office" ct state established,related accept',
    'iifname "office" ip saddr @v4_0 ip daddr @v4_1 tcp dport @tcp_2 accept comment "rules[1]"',
    'iifname "office" drop',
  ]);
});

test("the receiver lets the site in; the exit node lets its client out for HTTPS only, refusing the rest", () => {
  const n = network(sitesAcl());
  const build = tableOf(n, "build");
  assert.deepEqual(chain(build, "input"), [
    'iifname "office" ct state established,related accept',
    'iifname "office" ip saddr @v4_0 tcp dport @tcp_1 accept comment "rules[0]"',
    'iifname "office" ip saddr @v4_2 tcp dport @tcp_1 accept comment "rules[3]"',
    'iifname "office" ip saddr @v4_2 meta l4proto icmp accept comment "rules[3]"',
    'iifname "office" drop',
  ]);
  assert.equal(set(build, "v4_0"), "elements = { 192.168.10.0/24 }");
  const exit = tableOf(n, "exit");
  const forward = chain(exit, "forward");
  // The exit client laptop1 (10.0.0.11) to anything but the known addresses.
  assert.equal(set(exit, "v4_6"), "elements = { 10.0.0.11 }");
  assert.equal(
    set(exit, "v4_7"),
    "elements = { 10.0.0.2/31, 10.0.0.11-10.0.0.12, 10.0.0.21, 192.168.10.0/24 }",
  );
  assert.ok(
    forward.includes(
      'iifname "office" ip saddr @v4_6 ip daddr != @v4_7 tcp dport @tcp_8 accept comment "rules[2]"',
    ),
  );
  assert.deepEqual(forward.slice(-3), [
    'iifname "office" ip saddr @v4_6 ip daddr != @v4_7 meta l4proto tcp reject with tcp reset comment "rules[2]"',
    'iifname "office" ip saddr @v4_6 ip daddr != @v4_7 reject with icmpx admin-prohibited comment "rules[2]"',
    'iifname "office" drop',
  ]);
  // No rule-less way out any more: a rule names the internet.
  assert.ok(!forward.some((l) => l.includes("exit clients leaving")));
});

test("rulesAction reject: what no rule allows is refused at once, a rule's drop overrides it", () => {
  const acl = sitesAcl();
  acl.rulesAction = "reject";
  acl.rules[2].action = "drop";
  const n = network(acl);
  assert.deepEqual(chain(tableOf(n, "gw"), "forward").slice(4), [
    'iifname "office" meta l4proto tcp reject with tcp reset',
    'iifname "office" reject with icmpx admin-prohibited',
    'oifname "office" ct state established,related accept',
    'oifname "office" ip saddr @v4_5 ip daddr @v4_3 tcp dport @tcp_4 accept comment "rules[0]"',
    'oifname "office" ip saddr @v4_5 meta l4proto tcp reject with tcp reset',
    'oifname "office" ip saddr @v4_5 reject with icmpx admin-prohibited',
  ]);
  assert.deepEqual(chain(tableOf(n, "exit"), "forward").slice(-3), [
    'iifname "office" ip saddr @v4_6 ip daddr != @v4_7 drop comment "rules[2]"',
    'iifname "office" meta l4proto tcp reject with tcp reset',
    'iifname "office" reject with icmpx admin-prohibited',
  ]);
});

test("without a rule to the internet, exit clients keep the whole internet (as before)", () => {
  const acl = sitesAcl();
  acl.rules.splice(2, 1);
  acl.tests = [];
  const forward = chain(tableOf(network(acl), "exit"), "forward");
  assert.ok(
    forward.some((l) =>
      /ip saddr @v4_\d+ ip daddr != @v4_\d+ accept comment "exit clients leaving"/.test(l),
    ),
    forward.join("\n"),
  );
});

test("the policy tests follow sites, the printer and the internet; drop and reject told apart", () => {
  const n = network(sitesAcl());
  const report = new Diagnostics();
  const outcome = runPolicyTests(n, n.policyTests ?? [], report);
  assert.deepEqual(report.items, []);
  assert.equal(outcome.assertions, 10);
  assert.equal(outcome.failed, 0);
  const by = (path: string) => outcome.results.find((r) => renderPath(r.path) === path)?.trace;
  // office-lan to build on SSH: it enters the tunnel at gw, build lets it in by rules[0].
  const ssh = by("tests[0].reaches[0]");
  assert.equal(ssh?.source, "192.168.10.1");
  assert.deepEqual(
    ssh?.hops.map((h) => [h.peer, h.action, h.rule]),
    [
      ["gw", "forward", 0],
      ["build", "deliver", 0],
    ],
  );
  // office-lan to build on port 80: gw drops it before it enters the tunnel.
  const http = by("tests[0].notReaches[0]")?.hops.at(-1);
  assert.deepEqual([http?.peer, http?.action, http?.rejected], ["gw", "drop", undefined]);
  // laptop1 to the internet on port 80: the exit node refuses it (rules[2] says reject).
  const web = by("tests[1].notReaches[2]");
  assert.equal(web?.destination, "1.1.1.1");
  const refused = web?.hops.at(-1);
  assert.deepEqual(
    [refused?.peer, refused?.action, refused?.rejected, refused?.rule],
    ["exit", "drop", true, 2],
  );
  // On HTTPS it leaves through the exit node.
  assert.equal(by("tests[1].reaches[1]")?.reached, true);
  // laptop1 to the printer on 631 through gw; to the rest of the office LAN, dropped at gw.
  assert.equal(by("tests[1].reaches[0]")?.hops.at(-1)?.rule, 1);
  assert.equal(by("tests[1].notReaches[1]")?.hops.at(-1)?.peer, "gw");
});

test("a failing test names the network and says rejected", () => {
  const acl = sitesAcl();
  acl.tests = [{ from: "laptop1", reaches: ["internet:tcp/80", "office-lan:tcp/22"] }];
  const n = network(acl);
  const report = new Diagnostics();
  runPolicyTests(n, n.policyTests ?? [], report);
  assert.deepEqual(
    report.items.map((d) => d.message),
    [
      'test tests[0] (from "laptop1") failed: "laptop1" does not reach "internet" (outside every WireGuard address and routed network, through exit nodes) with tcp/80: "laptop1" -[office]-> "exit": rejected at "exit": no rule allows it (refused as rules[2] says)',
      'test tests[0] (from "laptop1") failed: "laptop1" does not reach "office-lan" (a network routed by "gw") with tcp/22: "laptop1" -[office]-> "gw": dropped at "gw": no rule allows it',
    ],
  );
});

test("policy tests from an unknown name list the networks too", () => {
  const acl = sitesAcl();
  acl.tests = [{ from: "office", reaches: ["build"] }];
  const parsed = parseAcl(acl, createRegistry());
  assert.equal(parsed.ok, false);
  assert.deepEqual(
    !parsed.ok && parsed.diagnostics.map((d) => `${renderPath(d.path)}: ${d.message}`),
    [
      'tests[0].from: unknown peer or network "office" (peers: "gw", "exit", "build", "laptop1", "laptop2"; networks: "office-lan", "printer")',
    ],
  );
});

async function checkOut(acl: Json, name: string, ...flags: string[]) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, toYaml(acl));
  return wirenixInProcess(["check", file, ...flags]);
}

test("check --coverage lists the rules no policy test exercises, in text and JSON", async () => {
  const acl = sitesAcl();
  // Only the site's test: the laptops' rules are exercised by none.
  acl.tests = [acl.tests[0]];
  const text = await checkOut(acl, "coverage", "--coverage");
  assert.equal(text.code, 0, text.stdout + text.stderr);
  const lines = text.stdout.trim().split("\n");
  assert.deepEqual(lines.slice(0, -1), [
    "coverage: 1 of 4 rules exercised by the policy tests; no test exercises:",
    "  rules[1]: from [group is laptops] to [network is printer] allow [tcp/631]",
    "  rules[2]: from [group is laptops] to [network is internet] allow [tcp/443]",
    "  rules[3]: from [group is laptops] to [group is servers] allow [tcp/22, icmp]",
  ]);
  const json = await checkOut(acl, "coverage", "--coverage", "--format", "json");
  const summary = (JSON.parse(json.stdout) as CheckJson).summary;
  assert.deepEqual(summary.coverage, {
    rules: 4,
    exercised: 1,
    unexercised: [
      { path: "rules[1]", rule: "from [group is laptops] to [network is printer] allow [tcp/631]" },
      {
        path: "rules[2]",
        rule: "from [group is laptops] to [network is internet] allow [tcp/443]",
      },
      {
        path: "rules[3]",
        rule: "from [group is laptops] to [group is servers] allow [tcp/22, icmp]",
      },
    ],
  });
  // Without the flag, neither.
  const plain = await checkOut(acl, "coverage");
  assert.doesNotMatch(plain.stdout, /^coverage:/m);
});

test("explain follows a site into the tunnel and a laptop to the internet", async () => {
  const site = await wirenixInProcess(["explain", sitesYaml, "office-lan", "build", "tcp/80"]);
  assert.equal(site.code, 0, site.stderr);
  assert.equal(
    site.stdout,
    [
      'packets from "office-lan" to "build" (tcp/80): do not arrive',
      "  to 10.0.0.21 from 192.168.10.1: dropped",
      '    "gw" drops it on subnet "office": no rule allows it (from network "office-lan" into the tunnel)',
      "",
    ].join("\n"),
  );
  const web = await wirenixInProcess(["explain", sitesYaml, "laptop1", "internet", "tcp/80"]);
  assert.equal(
    web.stdout,
    [
      'packets from "laptop1" to "internet" (tcp/80): do not arrive',
      "  to 1.1.1.1 from 10.0.0.11: rejected",
      '    "laptop1" sends it on subnet "office" to "exit" (connections[0]): "1.1.1.1" is in its AllowedIPs for "exit"',
      '    "exit" rejects it on subnet "office": no rule allows it (refused as rules[2] says)',
      "",
    ].join("\n"),
  );
});

test("a site behind a spoke reaches a server through the relaying hub, which filters it too", () => {
  const peerOf = (name: string, address: string, routes: string[], ip?: string) => ({
    name,
    subnets: { wg: { listenPort: 51820, ipAddresses: [address], routes } },
    ...(ip ? { endpoints: [{ ip }] } : {}),
  });
  const n = network({
    version: "v1",
    subnets: [{ name: "wg", endpoints: [{ port: 51820 }] }],
    peers: [
      // The hub routes the tunnel and the branch's LAN for the spokes (as a hub must).
      peerOf("hub", "10.9.0.1", ["10.9.0.0/24", "172.16.5.0/24"], "198.51.100.1"),
      peerOf("branch", "10.9.0.2", ["172.16.5.0/24"]),
      peerOf("db", "10.9.0.3", []),
    ],
    connections: [{ a: [peer("hub")], b: [] }],
    networks: [{ name: "branch-lan", prefixes: ["172.16.5.0/24"] }],
    rules: [{ from: [net("branch-lan")], to: [peer("db")], allow: ["tcp/5432"] }],
    tests: [{ from: "branch-lan", reaches: ["db:tcp/5432"], notReaches: ["db:tcp/22"] }],
  });
  assert.deepEqual(
    n.namedNetworks?.[0]?.prefixes[0]?.routers.map((r) => r.peer),
    ["hub", "branch"],
  );
  const hub = tableOf(n, "hub", "wg");
  assert.ok(
    chain(hub, "forward").includes(
      'iifname "wg" ip saddr @v4_0 ip daddr @v4_1 tcp dport @tcp_2 accept comment "rules[0]"',
    ),
  );
  assert.equal(set(hub, "v4_0"), "elements = { 172.16.5.0/24 }");
  assert.equal(set(hub, "v4_1"), "elements = { 10.9.0.3 }");
  const report = new Diagnostics();
  const outcome = runPolicyTests(n, n.policyTests ?? [], report);
  assert.deepEqual(report.items, []);
  assert.equal(outcome.failed, 0);
  // Packets start at every router of the prefix; the first in the ACL (hub) decides here.
  assert.deepEqual(
    outcome.results[0]?.trace?.hops.map((h) => [h.peer, h.action, h.rule]),
    [
      ["hub", "forward", 0],
      ["db", "deliver", 0],
    ],
  );
  // From the branch's own LAN: into the tunnel at branch, through hub, into db.
  const source = Address.of("172.16.5.1");
  const db = Address.of("10.9.0.3");
  const rules = new AccessRules(n);
  const origin = { network: "branch-lan", router: "branch", source };
  const ssh = tracePacket(n, rules, origin, db, { protocol: "tcp", port: 5432 });
  assert.deepEqual(
    ssh.hops.map((h) => [h.peer, h.action, h.rule]),
    [
      ["branch", "forward", 0],
      ["hub", "forward", 0],
      ["db", "deliver", 0],
    ],
  );
  const other = tracePacket(n, rules, origin, db, { protocol: "tcp", port: 22 });
  assert.deepEqual(
    other.hops.map((h) => [h.peer, h.action]),
    [["branch", "drop"]],
  );
});

test("a dual-stack site sends to each address of its own family, shown as tools print it", async () => {
  const acl = sitesAcl();
  const gw = acl.peers.find((p: Json) => p.name === "gw");
  const build = acl.peers.find((p: Json) => p.name === "build");
  gw.subnets.office.ipAddresses = ["10.0.0.2", "fd00::2"];
  gw.subnets.office.routes = ["192.168.10.0/24", "fd10::/64"];
  build.subnets.office.ipAddresses = ["10.0.0.21", "fd00::21"];
  acl.networks.find((n: Json) => n.name === "office-lan").prefixes = [
    "192.168.10.0/24",
    "fd10::/64",
  ];
  const file = join(dir, "dual-stack-site.yaml");
  writeFileSync(file, toYaml(acl));
  const ran = await wirenixInProcess(["explain", file, "office-lan", "build", "tcp/22"]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(
    ran.stdout,
    [
      'packets from "office-lan" to "build" (tcp/22): arrive through "gw"',
      "  to 10.0.0.21 from 192.168.10.1: arrives",
      '    "gw" forwards it on subnet "office" to "build" (connections[0]): "10.0.0.21" is in its AllowedIPs for "build" (allowed by rules[0])',
      '    "build" lets it in on subnet "office": allowed by rules[0]',
      "  to fd00::21 from fd10::1: arrives",
      '    "gw" forwards it on subnet "office" to "build" (connections[0]): "fd00::21" is in its AllowedIPs for "build" (allowed by rules[0])',
      '    "build" lets it in on subnet "office": allowed by rules[0]',
      "",
    ].join("\n"),
  );
});
