/**
 * The lab's layout and probe list, in process (no namespace is made): which peers sit behind
 * a NAT, which endpoint addresses and names each is dialled at, which routed networks and exit
 * nodes get namespaces, which services the matrix probes, and the summary line — all for the
 * example ACLs and the rules fixture, expected values written out by hand.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { withoutOutsidePeers } from "../../src/app/lab/outside.js";
import { planLab, planNamespaces } from "../../src/app/lab/plan.js";
import { type LabProbe, labPeers, matrixServices, planProbes } from "../../src/app/lab/probes.js";
import { summaryLine } from "../../src/app/lab/report.js";
import { readNetwork } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import type { Network } from "../../src/network/model.js";
import { fixtures, repoRoot } from "../support/paths.js";

function network(file: string): Network {
  const read = readNetwork(file, createRegistry());
  assert.ok(read.ok);
  return read.value;
}

const homelab = () => network(join(repoRoot, "examples", "homelab.yaml"));
const roadWarrior = () => network(join(repoRoot, "examples", "road-warrior.yaml"));
const office = () => network(join(fixtures, "rules", "office.yaml"));
const roadWarriorRules = () => network(join(fixtures, "lab", "road-warrior-rules.yaml"));

test("homelab: the gateway is dialled at its name and its LAN address, the laptop is behind NAT", () => {
  const plan = planLab(homelab(), "abc123");
  const gateway = plan.hosts.find((h) => h.peer === "gateway");
  assert.deepEqual(gateway?.endpointNames, ["gw.example.net"]);
  assert.deepEqual(gateway?.endpointAddresses, ["192.168.1.1"]);
  assert.deepEqual(
    plan.hosts.map((h) => [h.peer, h.ns, h.nat !== undefined]),
    [
      ["gateway", "wnl-abc123-0", false],
      ["nas", "wnl-abc123-1", false],
      ["media", "wnl-abc123-2", false],
      ["laptop", "wnl-abc123-3", true],
    ],
  );
  // roam's route 10.20.0.0/24 holds tunnel addresses: no LAN of its own.
  assert.deepEqual(gateway?.lans, []);
  assert.deepEqual(planNamespaces(plan), [
    "wnl-abc123-br",
    "wnl-abc123-0",
    "wnl-abc123-1",
    "wnl-abc123-2",
    "wnl-abc123-3n",
    "wnl-abc123-3",
  ]);
});

test("road-warrior: home's LAN behind it, the internet behind the vps, an IPv6 endpoint", () => {
  const plan = planLab(roadWarrior(), "r");
  const home = plan.hosts.find((h) => h.peer === "home");
  assert.deepEqual(
    home?.lans.map((l) => [l.ns, l.network, l.addresses]),
    [
      [
        "wnl-r-1l0",
        "192.168.10.0/24",
        [{ address: "192.168.10.1", name: "192.168.10.0/24", source: true }],
      ],
    ],
  );
  assert.deepEqual(home?.endpointNames, ["home.example.org"]);
  const vps = plan.hosts.find((h) => h.peer === "vps");
  assert.deepEqual(vps?.endpointAddresses, ["2001:db8::1"]);
  assert.ok(vps?.internet, "the vps is an exit node");
  assert.equal(plan.internet, "wnl-r-inet");
  assert.deepEqual(
    plan.hosts.filter((h) => h.nat).map((h) => h.peer),
    ["laptop", "phone"],
  );
});

test("an ACL inside the lab's own underlay is refused", () => {
  const parsed = parseAcl(
    {
      version: "v1",
      subnets: [{ name: "wg", endpoints: [{ port: 51820 }] }],
      peers: [
        { name: "a", subnets: { wg: { listenPort: 51820, ipAddresses: ["10.1.0.1"] } } },
        {
          name: "b",
          endpoints: [{ ip: "198.18.3.4" }],
          subnets: { wg: { listenPort: 51820, ipAddresses: ["10.1.0.2"] } },
        },
      ],
      connections: [{ a: [], b: [] }],
    },
    createRegistry(),
  );
  assert.ok(parsed.ok);
  assert.throws(
    () => planLab(parsed.value, "x"),
    /the ACL uses 198\.18\.3\.4, inside the lab's own underlay/,
  );
});

test("office: the matrix probes the rules' services and icmp, the tests add tcp/80", () => {
  const net = office();
  assert.deepEqual(matrixServices(net), ["tcp/22", "tcp/443", "udp/53", "icmp"]);
  const probes = planProbes(net, planLab(net, "o"), net.policyTests, []);
  // 5 sources × 4 targets × 4 services, and server1:tcp/80 from laptop1 and from hub.
  assert.equal(probes.probes.length, 82);
  assert.equal(probes.tests.length, 16);
  const find = (from: string, address: string, service: string) =>
    probes.probes.find((p) => p.from === from && p.address === address && p.service === service);
  assert.equal(find("laptop1", "10.0.0.21", "tcp/22")?.predicted, "arrives");
  assert.equal(find("laptop1", "10.0.0.21", "udp/53")?.predicted, "dropped");
  assert.equal(find("server1", "10.0.0.22", "udp/53")?.predicted, "arrives");
  assert.equal(find("hub", "10.0.0.21", "tcp/80")?.predicted, "arrives");
  assert.equal(
    find("server1", "10.0.0.22", "udp/53")?.path,
    '"server1" -[office]-> "hub" -[office]-> "server2": allowed by rules[2]',
  );
  // laptop2 notReaches laptop1 (no service): every service of the matrix is sent.
  const any = probes.tests.find((t) => t.path === "tests[3].notReaches[0]");
  assert.equal(any?.probes.length, 4);
});

test("--peer: only those sources, and only their policy tests", () => {
  const net = office();
  const probes = planProbes(net, planLab(net, "o"), net.policyTests, ["server1"]);
  assert.deepEqual([...new Set(probes.probes.map((p) => p.from))], ["server1"]);
  // server1: reaches server2:udp/53; notReaches server2:tcp/22, laptop1:tcp/22, hub:icmp.
  assert.equal(probes.tests.length, 4);
});

test("the summary line", () => {
  assert.equal(
    summaryLine({ probes: 82, asPredicted: 80, differ: 2, testsPassed: 15, testsFailed: 1 }),
    "82 probes: 80 as predicted, 2 differ; tests: 15 passed, 1 failed",
  );
});

test("road-warrior with rules: home's LAN is a source and a target of the matrix", () => {
  const net = roadWarriorRules();
  const plan = planLab(net, "w");
  const probes = planProbes(net, plan, net.policyTests, []);
  // 4 peers × 3 others, 3 peers × the LAN (home reaches its own LAN without a tunnel), the LAN
  // × 4 peers, and home, laptop, phone and the LAN × the internet (not vps, the exit node
  // itself); each × (tcp/22, udp/53, icmp). The policy tests add nothing new.
  assert.deepEqual(plan.internetAddresses, ["1.1.1.1"]);
  assert.equal(probes.probes.length, 36 + 9 + 12 + 12);
  const lan = probes.probes.filter((p) => p.from === "192.168.10.0/24");
  assert.deepEqual([...new Set(lan.map((p) => p.ns))], ["wnl-w-1l0"]);
  assert.deepEqual([...new Set(lan.map((p) => p.source))], ["192.168.10.1"]);
  // From the LAN: home's own address arrives (no tunnel, no rule); the others have no rule
  // from it and drop it.
  const row = (from: string, target: string) =>
    probes.probes
      .filter((p) => p.from === from && p.target === target)
      .map((p) => `${p.service} ${p.predicted}`);
  assert.deepEqual(row("192.168.10.0/24", "home"), [
    "tcp/22 arrives",
    "udp/53 arrives",
    "icmp arrives",
  ]);
  assert.deepEqual(row("192.168.10.0/24", "vps"), [
    "tcp/22 dropped",
    "udp/53 dropped",
    "icmp dropped",
  ]);
  // To the LAN: through home's forward chain, by the rules to home.
  assert.deepEqual(row("laptop", "192.168.10.0/24"), [
    "tcp/22 arrives",
    "udp/53 dropped",
    "icmp arrives",
  ]);
  assert.deepEqual(row("phone", "192.168.10.0/24"), [
    "tcp/22 dropped",
    "udp/53 arrives",
    "icmp dropped",
  ]);
  assert.deepEqual(row("vps", "192.168.10.0/24"), [
    "tcp/22 arrives",
    "udp/53 arrives",
    "icmp arrives",
  ]);
  assert.equal(row("home", "192.168.10.0/24").length, 0);
  // No rule names the internet: the exit client reaches all of it, the others have no way.
  assert.deepEqual(row("laptop", "internet"), ["tcp/22 arrives", "udp/53 arrives", "icmp arrives"]);
  for (const from of ["home", "phone", "192.168.10.0/24"])
    assert.deepEqual(row(from, "internet"), ["tcp/22 dropped", "udp/53 dropped", "icmp dropped"]);
  assert.equal(row("vps", "internet").length, 0);
  assert.equal(
    probes.probes.find((p) => p.from === "192.168.10.0/24" && p.target === "vps")?.path,
    '"home" -[vpn]-> "vps": dropped at "vps": no rule allows it',
  );
});

test("--peer: no routed network is a source", () => {
  const net = roadWarriorRules();
  const probes = planProbes(net, planLab(net, "w"), net.policyTests, ["laptop"]);
  assert.deepEqual([...new Set(probes.probes.map((p) => p.from))], ["laptop"]);
});

test("a host a policy test names inside a routed network is an address of the LAN namespace", () => {
  const parsed = parseAcl(
    {
      version: "v1",
      subnets: [{ name: "wg", endpoints: [{ port: 51820 }] }],
      peers: [
        {
          name: "router",
          endpoints: [{ ip: "203.0.113.1" }],
          subnets: {
            wg: { listenPort: 51820, ipAddresses: ["10.1.0.1"], routes: ["192.168.10.0/24"] },
          },
        },
        { name: "laptop", subnets: { wg: { listenPort: 51820, ipAddresses: ["10.1.0.2"] } } },
      ],
      connections: [{ a: [], b: [] }],
      rules: [
        {
          from: [{ type: "peer", rule: "is", value: "laptop" }],
          to: [{ type: "peer", rule: "is", value: "router" }],
          allow: ["tcp/631"],
        },
      ],
      tests: [{ from: "laptop", reaches: ["192.168.10.5:tcp/631"] }],
    },
    createRegistry(),
  );
  assert.ok(parsed.ok);
  const net = parsed.value;
  const plan = planLab(net, "p");
  assert.deepEqual(
    plan.hosts.find((h) => h.peer === "router")?.lans.map((l) => l.addresses),
    [
      [
        { address: "192.168.10.1", name: "192.168.10.0/24", source: true },
        { address: "192.168.10.5", name: "192.168.10.5", source: false },
      ],
    ],
  );
  const probes = planProbes(net, plan, net.policyTests, []);
  const to5 = probes.probes.filter((p) => p.address === "192.168.10.5");
  // From laptop only (the LAN itself holds it), on tcp/631 and icmp.
  assert.deepEqual(
    to5.map((p) => [p.from, p.target, p.service, p.predicted, p.ns]),
    [
      ["laptop", "192.168.10.5", "tcp/631", "arrives", "wnl-p-1"],
      ["laptop", "192.168.10.5", "icmp", "dropped", "wnl-p-1"],
    ],
  );
  assert.deepEqual(probes.tests[0]?.probes, [probes.probes.indexOf(to5[0] as LabProbe)]);
});

test("issue #29's rules: sites and a printer as sources and targets, the internet refusing laptops", () => {
  const net = network(join(fixtures, "lab", "site-printer-exit.yaml"));
  const plan = planLab(net, "s");
  assert.deepEqual(
    plan.hosts.find((h) => h.peer === "router")?.lans.map((l) => [l.ns, l.addresses]),
    [
      [
        "wnl-s-0l0",
        [
          { address: "192.168.10.1", name: "office-lan", source: true },
          { address: "192.168.10.5", name: "printer", source: true },
        ],
      ],
    ],
  );
  assert.deepEqual(plan.internetAddresses, ["1.1.1.1"]);
  const probes = planProbes(net, plan, net.policyTests, []);
  // router: 4 peers and the internet; build, laptop, guest: 4 peers, 2 LAN addresses and the
  // internet; exit: 4 peers and 2 LAN addresses; office-lan and printer: 5 peers and the
  // internet. Each × (tcp/22, tcp/443, tcp/631, icmp); the policy tests add nothing new.
  assert.equal(probes.probes.length, (5 + 7 + 6 + 7 + 7 + 6 + 6) * 4);
  assert.equal(probes.tests.length, 10);
  const letter = { arrives: "+", refused: "x", dropped: "." } as const;
  const table: Record<string, Record<string, string>> = {};
  for (const p of probes.probes) {
    const row = table[p.from] ?? {};
    table[p.from] = row;
    row[p.target] = (row[p.target] ?? "") + letter[p.predicted];
  }
  const none = "....";
  const peersBut = (self: string) =>
    Object.fromEntries(
      ["router", "build", "exit", "laptop", "guest"]
        .filter((p) => p !== self)
        .map((p) => [p, none]),
    );
  assert.deepEqual(table, {
    router: { ...peersBut("router"), internet: none },
    build: { ...peersBut("build"), "office-lan": none, printer: none, internet: none },
    exit: { ...peersBut("exit"), "office-lan": none, printer: none },
    laptop: { ...peersBut("laptop"), "office-lan": none, printer: "..+.", internet: "x+xx" },
    guest: { ...peersBut("guest"), "office-lan": none, printer: none, internet: none },
    "office-lan": { ...peersBut(""), router: "++++", build: "+...", internet: none },
    printer: { ...peersBut(""), router: "++++", build: "+...", internet: none },
  });
  const sent = probes.probes.find((p) => p.from === "printer" && p.target === "build");
  assert.equal(sent?.source, "192.168.10.5");
  assert.equal(sent?.ns, "wnl-s-0l0");
});

/**
 * A hub routing 10.0.0.0/16 for 260 spokes (more than a lab holds), each spoke dialling the
 * hub's name: spoke s1's packets to s2 go through the hub.
 */
function fleet(): Network {
  const spokes = Array.from({ length: 260 }, (_, i) => ({
    name: `s${i + 1}`,
    subnets: { wg: { listenPort: 51820, ipAddresses: [`10.0.${(i + 2) >> 8}.${(i + 2) & 255}`] } },
  }));
  const parsed = parseAcl(
    {
      version: "v1",
      subnets: [{ name: "wg", endpoints: [{ port: 51820 }] }],
      peers: [
        {
          name: "hub",
          endpoints: [{ ip: "hub.example.net" }],
          subnets: {
            wg: { listenPort: 51820, ipAddresses: ["10.0.0.1"], routes: ["10.0.0.0/16"] },
          },
        },
        ...spokes,
      ],
      connections: [{ a: [{ type: "peer", rule: "is", value: "hub" }], b: [] }],
    },
    createRegistry(),
  );
  assert.ok(parsed.ok);
  return parsed.value;
}

test("--peer in a network larger than a lab: the peers given and the hub on their way", () => {
  const net = fleet();
  const peers = labPeers(net, net.policyTests, ["s1", "s2"]);
  assert.deepEqual(peers, ["hub", "s1", "s2"]);
  const plan = planLab(net, "f", peers);
  const probes = planProbes(net, plan, net.policyTests, ["s1", "s2"]);
  assert.deepEqual(
    probes.probes.map((p) => `${p.from} ${p.address} ${p.predicted}`),
    ["s1 10.0.0.1 arrives", "s1 10.0.0.3 arrives", "s2 10.0.0.1 arrives", "s2 10.0.0.2 arrives"],
  );
  assert.deepEqual(
    plan.hosts.map((h) => [h.peer, h.ns, h.endpointNames]),
    [
      ["hub", "wnl-f-0", ["hub.example.net"]],
      ["s1", "wnl-f-1", []],
      ["s2", "wnl-f-2", []],
    ],
  );
  assert.deepEqual(plan.outside, []);
});

test("without --peer, a network larger than a lab is refused", () => {
  assert.throws(
    () => planLab(fleet(), "f"),
    /the lab holds at most 250 peers, and this one would hold 261/,
  );
});

test("a wg-quick file loses the [Peer] sections of peers outside the lab, nothing else", () => {
  const conf = [
    "[Interface]",
    "Address = 10.0.0.1/16",
    "",
    "[Peer]",
    "# s1",
    "PublicKey = AAAA",
    "AllowedIPs = 10.0.0.2/32",
    "",
    "[Peer]",
    "# s9",
    "PublicKey = BBBB",
    "AllowedIPs = 10.0.0.10/32",
    "",
  ].join("\n");
  assert.equal(
    withoutOutsidePeers(conf, new Set(["BBBB"])),
    [
      "[Interface]",
      "Address = 10.0.0.1/16",
      "",
      "[Peer]",
      "# s1",
      "PublicKey = AAAA",
      "AllowedIPs = 10.0.0.2/32",
      "",
    ].join("\n"),
  );
});
