/**
 * The path search (src/analysis/packet-trace.ts) on routed topologies, exit nodes and cycles, with and without
 * access rules: which hops a packet takes, where it stops, and why.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { tracePacket } from "../../src/analysis/packet-trace.js";
import { createRegistry } from "../../src/app/registry.js";
import { AccessRules } from "../../src/network/access.js";
import { Address } from "../../src/network/address.js";
import type { Network } from "../../src/network/model.js";

type Peer = { name: string; subnets: Record<string, Record<string, unknown>>; groups?: string[] };

function network(peers: Peer[], connections: unknown[], rules?: unknown[]): Network {
  const subnets = [...new Set(peers.flatMap((p) => Object.keys(p.subnets)))].map((name) => ({
    name,
    endpoints: [{ port: 51820 }],
  }));
  const acl: Record<string, unknown> = {
    version: "v1",
    subnets,
    groups: [],
    peers: peers.map((p) => ({ groups: [], ...p, endpoints: [{ ip: `${p.name}.example` }] })),
    connections,
  };
  if (rules) acl.rules = rules;
  const parsed = parseAcl(acl, createRegistry());
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.diagnostics));
  return parsed.value;
}

const peer = (name: string) => ({ type: "peer", rule: "is", value: name });
const on = (listenPort: number, address: string, extra: Record<string, unknown> = {}) => ({
  listenPort,
  ipAddresses: [address],
  ...extra,
});

function trace(net: Network, from: string, to: string, packet?: Parameters<typeof tracePacket>[4]) {
  const t = tracePacket(net, new AccessRules(net), from, Address.of(to), packet);
  return {
    reached: t.reached,
    steps: t.hops.map((h) => `${h.peer} ${h.action}${h.to ? ` ${h.to}` : ""}`),
    last: t.hops[t.hops.length - 1]?.why ?? "",
    why: t.hops.map((h) => h.why),
    rule: t.hops[t.hops.length - 1]?.rule,
    source: t.source,
  };
}

/** A star: the hub links to everyone; `hubRoutes` decides whether it relays between them. */
function star(hubRoutes: boolean, rules?: unknown[]): Network {
  return network(
    [
      {
        name: "hub",
        subnets: { net: on(51820, "10.0.0.1", hubRoutes ? { routes: ["10.0.0.0/24"] } : {}) },
      },
      { name: "alice", subnets: { net: on(51820, "10.0.0.2") } },
      { name: "bob", subnets: { net: on(51820, "10.0.0.3") } },
    ],
    [{ a: [peer("hub")], b: [] }],
    rules,
  );
}

test("a star without relay: the spokes reach the hub, not each other", () => {
  const net = star(false);
  assert.deepEqual(trace(net, "alice", "10.0.0.1").steps, ["alice send hub", "hub deliver"]);
  const t = trace(net, "alice", "10.0.0.3");
  assert.equal(t.reached, false);
  assert.deepEqual(t.steps, ["alice drop"]);
  assert.match(t.last, /no peer of "alice" on subnet "net" has "10.0.0.3" in its AllowedIPs/);
});

test("a hub routing the tunnel network relays between the spokes (the issue's case)", () => {
  const t = trace(star(true), "alice", "10.0.0.3");
  assert.equal(t.reached, true);
  assert.deepEqual(t.steps, ["alice send hub", "hub forward bob", "bob deliver"]);
  assert.equal(t.source, "10.0.0.2");
});

test("with rules, the hub's forward and the target's input decide, each by its rule", () => {
  const rules = [
    { from: [peer("alice")], to: [peer("bob")], allow: ["tcp/22"] },
    { from: [peer("alice")], to: [peer("hub")], allow: ["icmp"] },
  ];
  const net = star(true, rules);
  const ssh = trace(net, "alice", "10.0.0.3", { protocol: "tcp", port: 22 });
  assert.equal(ssh.reached, true);
  assert.equal(ssh.rule, 0);
  const http = trace(net, "alice", "10.0.0.3", { protocol: "tcp", port: 80 });
  assert.equal(http.reached, false);
  assert.deepEqual(http.steps, ["alice send hub", "hub drop"]);
  assert.match(http.last, /no rule allows it/);
  const back = trace(net, "bob", "10.0.0.2", { protocol: "tcp", port: 22 });
  assert.equal(back.reached, false, "rules have a direction");
  assert.equal(trace(net, "alice", "10.0.0.1", { protocol: "icmp" }).rule, 1);
  assert.equal(trace(net, "alice", "10.0.0.1", { protocol: "tcp", port: 22 }).reached, false);
  // Without a service: any service a rule allows.
  assert.equal(trace(net, "alice", "10.0.0.1").reached, true);
  assert.equal(trace(net, "bob", "10.0.0.1").reached, false);
});

test("a routed network: delivered by its owner, through a router that forwards", () => {
  const net = network(
    [
      { name: "office", subnets: { wan: on(51820, "10.1.0.1", { routes: ["192.168.10.0/24"] }) } },
      { name: "laptop", subnets: { wan: on(51820, "10.1.0.2") } },
    ],
    [{ a: [], b: [] }],
    [{ from: [peer("laptop")], to: [peer("office")], allow: ["tcp/631"] }],
  );
  const ok = trace(net, "laptop", "192.168.10.7", { protocol: "tcp", port: 631 });
  assert.equal(ok.reached, true);
  assert.deepEqual(ok.steps, ["laptop send office", "office deliver"]);
  assert.match(ok.last, /into the network "office" routes/);
  assert.equal(trace(net, "laptop", "192.168.10.7", { protocol: "tcp", port: 22 }).reached, false);
  const own = trace(net, "office", "192.168.10.7");
  assert.equal(own.reached, false);
  assert.match(own.last, /in a network "office" routes itself/);
});

test("an exit node carries its client to a peer on another subnet, masqueraded", () => {
  const net = network(
    [
      { name: "phone", subnets: { roam: on(51820, "10.2.0.2", { exitNode: "vps" }) } },
      { name: "vps", subnets: { roam: on(51820, "10.2.0.1"), lab: on(51821, "10.3.0.1") } },
      { name: "nas", subnets: { lab: on(51821, "10.3.0.2") } },
    ],
    [{ a: [peer("vps")], b: [] }],
  );
  const t = trace(net, "phone", "10.3.0.2");
  assert.equal(t.reached, true, t.last);
  assert.deepEqual(t.steps, ["phone send vps", "vps forward nas", "nas deliver"]);
  assert.equal(t.source, "10.2.0.2");
  assert.match(t.why[1] ?? "", /masqueraded to 10\.3\.0\.1/);
  // The nas has no route back to the phone's own address (it is no exit client of anyone).
  assert.equal(trace(net, "nas", "10.2.0.2").reached, false);
});

test("a WireGuard peer drops a packet whose source it does not allow for the sender", () => {
  // b routes 10.9.0.0/24 for a, but c does not know a's network: c only allows b's address.
  const net = network(
    [
      { name: "a", subnets: { x: on(51820, "10.4.0.1") } },
      {
        name: "b",
        subnets: {
          x: on(51820, "10.4.0.2", { routes: ["10.5.0.0/24"] }),
          y: on(51821, "10.6.0.1"),
        },
      },
      { name: "c", subnets: { y: on(51821, "10.6.0.2", { routes: ["10.5.0.0/25"] }) } },
    ],
    [{ a: [peer("b")], b: [] }],
  );
  const t = trace(net, "a", "10.5.0.9");
  assert.equal(t.reached, false);
  assert.deepEqual(t.steps, ["a send b", "b forward c", "c drop"]);
  assert.match(
    t.last,
    /"c"'s WireGuard drops it: the source 10\.4\.0\.1 is not in its AllowedIPs for "b"/,
  );
});

test("a routing loop between two exit nodes ends at the first host seen twice", () => {
  const net = network(
    [
      {
        name: "a",
        subnets: { s1: on(51820, "10.7.0.1", { exitNode: "b" }), s2: on(51821, "10.8.0.1") },
      },
      {
        name: "b",
        subnets: { s1: on(51820, "10.7.0.2"), s2: on(51821, "10.8.0.2", { exitNode: "a" }) },
      },
      { name: "d", subnets: { s3: on(51822, "10.9.0.1", { routes: ["192.168.7.0/24"] }) } },
    ],
    [{ a: [peer("a")], b: [peer("b")] }],
  );
  const t = trace(net, "a", "192.168.7.1");
  assert.equal(t.reached, false);
  assert.deepEqual(t.steps, ["a send b", "b forward a", "a drop"]);
  assert.match(t.last, /routing loop: the packet is back at "a"/);
});
