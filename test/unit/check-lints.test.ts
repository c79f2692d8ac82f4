/**
 * One ACL per lint: the faulty one must report the lint's code at the expected path, a close
 * variant without the fault must not report it at all.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { AclV1 } from "../../src/acl/v1/schema.js";
import { checkNetwork } from "../../src/check/check.js";
import { LINTS } from "../../src/check/lints/index.js";
import { renderPath } from "../../src/diagnostics.js";
import { buildNetwork } from "../../src/network/build.js";
import type { DevNameMethod } from "../../src/network/devname.js";
import { parseAcl } from "../../src/pipeline.js";
import { createRegistry } from "../../src/registry.js";
import { wgKeyPair } from "../support/wg.js";

type Acl = Record<string, any>;

const keys = [wgKeyPair(), wgKeyPair(), wgKeyPair(), wgKeyPair()];

/** Three peers in a full mesh on "lan", each with an endpoint: no lint fires. */
function base(): Acl {
  return {
    version: "v1",
    subnets: [{ name: "lan", endpoints: [{ port: 51820 }] }],
    groups: [{ name: "servers" }],
    peers: ["a", "b", "c"].map((name, i) => ({
      name,
      groups: ["servers"],
      subnets: { lan: { listenPort: 51820, ipAddresses: [`10.0.0.${i + 1}`] } },
      publicKey: keys[i]?.publicKey,
      privateKeyFile: "/etc/wg/key",
      endpoints: [{ ip: `192.168.1.${i + 1}` }],
    })),
    connections: [
      {
        a: [{ type: "group", rule: "is", value: "servers" }],
        b: [{ type: "group", rule: "is", value: "servers" }],
      },
    ],
  };
}

interface Finding {
  severity: string;
  code: string;
  path: string;
  message: string;
}

/**
 * `unvalidated`: the network built without ACL v1's validation, as a parser of a plugin might
 * build it; version 1 refuses unsafe names itself (intentional difference 9), and the lints
 * about names guard what other parsers let through.
 */
function check(acl: Acl, devNameMethod: DevNameMethod = "short", unvalidated = false): Finding[] {
  let network: ReturnType<typeof buildNetwork>;
  if (unvalidated) network = buildNetwork(acl as unknown as AclV1);
  else {
    const parsed = parseAcl(acl, createRegistry());
    if (!parsed.ok) assert.fail(`ACL invalid: ${JSON.stringify(parsed.diagnostics)}`);
    network = parsed.value;
  }
  const report = checkNetwork(network, acl.tests, { devNameMethod });
  return report.diagnostics.map((d) => ({
    severity: d.severity,
    code: d.code,
    path: renderPath(d.path),
    message: d.message,
  }));
}

function edit(change: (acl: Acl) => void): Acl {
  const acl = base();
  change(acl);
  return acl;
}

interface Case {
  code: string;
  severity: "error" | "warning";
  path: string;
  bad: Acl;
  good: Acl;
  method?: DevNameMethod;
  goodMethod?: DevNameMethod;
  /** A word the message must contain. */
  says?: string;
  /** Names ACL v1 refuses before any lint: checked on a network built without validation. */
  unvalidated?: true;
}

const keyPair = wgKeyPair();

const cases: Case[] = [
  {
    code: "duplicate-address",
    severity: "error",
    path: "peers[1].subnets.lan.ipAddresses",
    bad: edit((acl) => {
      acl.peers[1].subnets.lan.ipAddresses = ["10.0.0.1"];
    }),
    good: edit((acl) => {
      acl.peers[1].subnets.lan.ipAddresses = ["10.0.0.9"];
    }),
    says: '"a"',
  },
  {
    code: "address-outside-range",
    severity: "warning",
    path: "peers[2].subnets.lan.ipAddresses",
    bad: edit((acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
      acl.peers[2].subnets.lan.ipAddresses = ["10.0.1.3"];
    }),
    good: edit((acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
    }),
    says: "10.0.0.1/24",
  },
  {
    code: "address-outside-pool",
    severity: "warning",
    path: "peers[2].subnets.lan.ipAddresses",
    bad: edit((acl) => {
      acl.subnets[0].ipv4Pool = "10.0.0.0/30";
      acl.peers[2].subnets.lan.ipAddresses = ["10.0.0.3", "auto"];
    }),
    // Every address of the pool but its network and broadcast address; IPv6 ones are not its.
    good: edit((acl) => {
      acl.subnets[0].ipv4Pool = "10.0.0.0/29";
      acl.peers[2].subnets.lan.ipAddresses = ["10.0.0.6/24", "fd00::3"];
    }),
    says: "broadcast",
  },
  {
    code: "address-outside-pool",
    severity: "warning",
    path: "peers[0].subnets.lan.ipAddresses",
    bad: edit((acl) => {
      acl.subnets[0].ipv4Pool = "10.0.0.2/31";
    }),
    // A /31 has no network or broadcast address (RFC 3021): both are members'.
    good: edit((acl) => {
      acl.subnets[0].ipv4Pool = "10.0.0.0/30";
      acl.peers[2].subnets.lan.ipAddresses = ["fd00::3"];
    }),
    says: 'outside subnet "lan"\'s ipv4Pool 10.0.0.2/31',
  },
  {
    code: "duplicate-route",
    severity: "error",
    path: "peers[1].subnets.lan.routes[0]",
    bad: edit((acl) => {
      acl.peers[0].subnets.lan.routes = ["192.168.10.0/24"];
      acl.peers[1].subnets.lan.routes = ["192.168.10.7/24"];
    }),
    // A longer prefix inside the other is routed by longest match: both networks reachable.
    good: edit((acl) => {
      acl.peers[0].subnets.lan.routes = ["192.168.10.0/24"];
      acl.peers[1].subnets.lan.routes = ["192.168.10.128/25"];
    }),
    says: '"c" links to both',
  },
  {
    code: "allowed-ips-overlap",
    severity: "error",
    path: "peers[1].subnets.lan.ipAddresses",
    bad: edit((acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
    }),
    // Same overlap, but a and b are linked only to each other: no interface holds both.
    good: edit((acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
      acl.connections = [
        {
          a: [{ type: "peer", rule: "is", value: "a" }],
          b: [{ type: "peer", rule: "is", value: "b" }],
        },
        {
          a: [{ type: "peer", rule: "is", value: "c" }],
          b: [{ type: "peer", rule: "is", value: "a" }],
        },
      ];
    }),
    says: '"c"',
  },
  {
    code: "duplicate-listen-port",
    severity: "error",
    path: "peers[0].subnets.wan.listenPort",
    bad: edit((acl) => {
      acl.subnets.push({ name: "wan", endpoints: [{ port: 51821 }] });
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
      acl.peers[0].subnets.wan.listenPort = 51820;
    }),
    good: edit((acl) => {
      acl.subnets.push({ name: "wan", endpoints: [{ port: 51821 }] });
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
    }),
  },
  {
    code: "devname-clash",
    severity: "error",
    path: "subnets[1].name",
    bad: edit((acl) => {
      acl.subnets = [
        { name: "lan.home", endpoints: [{ port: 51820 }] },
        { name: "lan.work", endpoints: [{ port: 51821 }] },
      ];
      for (const p of acl.peers)
        p.subnets = { "lan.home": { listenPort: 51820 }, "lan.work": { listenPort: 51821 } };
    }),
    good: edit((acl) => {
      acl.subnets = [
        { name: "lan.home", endpoints: [{ port: 51820 }] },
        { name: "lan.work", endpoints: [{ port: 51821 }] },
      ];
      for (const p of acl.peers)
        p.subnets = { "lan.home": { listenPort: 51820 }, "lan.work": { listenPort: 51821 } };
    }),
    goodMethod: "long",
    says: '"lan"',
  },
  {
    code: "devname-too-long",
    severity: "error",
    path: "subnets[0].name",
    bad: edit((acl) => {
      acl.subnets[0].name = "sixteen-chars-xx";
      for (const p of acl.peers) p.subnets = { "sixteen-chars-xx": p.subnets.lan };
    }),
    good: edit((acl) => {
      acl.subnets[0].name = "sixteen-chars-xx";
      for (const p of acl.peers) p.subnets = { "sixteen-chars-xx": p.subnets.lan };
    }),
    goodMethod: "hash",
    says: "16 characters",
  },
  {
    code: "devname-invalid",
    severity: "error",
    unvalidated: true,
    path: "subnets[0].name",
    bad: edit((acl) => {
      acl.subnets[0].name = "my:lan";
      for (const p of acl.peers) p.subnets = { "my:lan": p.subnets.lan };
    }),
    good: edit((acl) => {
      acl.subnets[0].name = "my-lan";
      for (const p of acl.peers) p.subnets = { "my-lan": p.subnets.lan };
    }),
  },
  {
    code: "no-usable-endpoint",
    severity: "warning",
    path: "peers[0].subnets.lan",
    bad: edit((acl) => {
      acl.subnets[0].endpoints = [];
    }),
    // One side with ip and port is enough: the other waits for its dial.
    good: edit((acl) => {
      acl.subnets[0].endpoints = [];
      for (const p of acl.peers) p.endpoints = [{ ip: "192.168.1.9", port: 51820 }];
      acl.peers[0].endpoints = [];
    }),
    says: '"b", "c"',
  },
  {
    code: "filter-selects-nobody",
    severity: "warning",
    path: "connections[0].b",
    bad: edit((acl) => {
      acl.connections[0].b = [
        { type: "peer", rule: "is", value: "a" },
        { type: "peer", rule: "is", value: "b" },
      ];
    }),
    good: edit((acl) => {
      acl.connections[0].b = [{ type: "peer", rule: "is", value: "a" }];
    }),
  },
  {
    code: "filter-selects-nobody",
    severity: "warning",
    path: "peers[2].endpoints[0].match",
    bad: edit((acl) => {
      acl.peers[2].endpoints[0].match = [{ type: "group", rule: "not", value: "servers" }];
    }),
    good: edit((acl) => {
      acl.peers[2].endpoints[0].match = [{ type: "peer", rule: "not", value: "a" }];
    }),
  },
  {
    code: "connection-links-nobody",
    severity: "warning",
    path: "connections[1]",
    bad: edit((acl) => {
      acl.connections.push({
        a: [{ type: "peer", rule: "is", value: "a" }],
        b: [{ type: "peer", rule: "is", value: "a" }],
      });
    }),
    good: edit((acl) => {
      acl.connections.push({
        a: [{ type: "peer", rule: "is", value: "a" }],
        b: [{ type: "peer", rule: "is", value: "b" }],
      });
    }),
  },
  {
    code: "empty-group",
    severity: "warning",
    path: "groups[1]",
    bad: edit((acl) => {
      acl.groups.push({ name: "nobody" });
    }),
    good: edit((acl) => {
      acl.groups.push({ name: "nobody" });
      acl.peers[0].groups.push("nobody");
    }),
  },
  {
    code: "empty-subnet",
    severity: "warning",
    path: "subnets[1]",
    bad: edit((acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
    }),
    good: base(),
  },
  {
    code: "subnet-without-connection",
    severity: "warning",
    path: "subnets[1]",
    bad: edit((acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
      acl.peers[0].subnets.wan = { listenPort: 51821 };
      acl.peers[1].subnets.wan = { listenPort: 51821 };
      acl.connections[0].subnets = ["lan"];
    }),
    good: edit((acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
      acl.peers[0].subnets.wan = { listenPort: 51821 };
      acl.peers[1].subnets.wan = { listenPort: 51821 };
    }),
  },
  {
    code: "isolated-peer",
    severity: "warning",
    path: "peers[2]",
    bad: edit((acl) => {
      acl.peers[2].groups = [];
    }),
    good: base(),
    says: '"c"',
  },
  {
    code: "unlinked-interface",
    severity: "warning",
    path: "peers[2].subnets.wan",
    bad: edit((acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
      acl.connections[0].subnets = ["lan"];
      acl.connections.push({
        a: [{ type: "peer", rule: "is", value: "a" }],
        b: [{ type: "peer", rule: "is", value: "b" }],
        subnets: ["wan"],
      });
    }),
    good: edit((acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
    }),
  },
  {
    code: "invalid-public-key",
    severity: "error",
    path: "peers[1].publicKey",
    bad: edit((acl) => {
      // 32 zero bytes: base64 that `wg` reads, but a point of small order.
      acl.peers[1].publicKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    }),
    good: edit((acl) => {
      acl.peers[1].publicKey = keys[3]?.publicKey;
    }),
  },
  {
    code: "invalid-public-key",
    severity: "error",
    path: "peers[0].publicKey",
    bad: edit((acl) => {
      // 1 (little-endian), a point of order 4 on Curve25519.
      acl.peers[0].publicKey = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    }),
    good: base(),
  },
  {
    code: "duplicate-public-key",
    severity: "error",
    path: "peers[2].publicKey",
    bad: edit((acl) => {
      acl.peers[2].publicKey = acl.peers[0].publicKey;
    }),
    good: base(),
    says: '"a"',
  },
  {
    code: "key-mismatch",
    severity: "error",
    path: "peers[0].publicKey",
    bad: edit((acl) => {
      acl.peers[0].privateKey = keyPair.privateKey;
    }),
    good: edit((acl) => {
      acl.peers[0].privateKey = keyPair.privateKey;
      acl.peers[0].publicKey = keyPair.publicKey;
    }),
  },
  {
    code: "unsafe-file-name",
    severity: "error",
    unvalidated: true,
    path: "peers[1].name",
    bad: edit((acl) => {
      acl.peers[1].name = "b/../../etc";
    }),
    good: base(),
  },
  {
    code: "unsafe-file-name",
    severity: "warning",
    unvalidated: true,
    path: "peers[1].name",
    bad: edit((acl) => {
      acl.peers[1].name = "-b";
    }),
    good: edit((acl) => {
      acl.peers[1].name = "b-";
    }),
  },
  {
    code: "unsafe-ini-value",
    unvalidated: true,
    severity: "error",
    path: "peers[1].name",
    bad: edit((acl) => {
      acl.peers[1].name = "b\nPrivateKey = x";
    }),
    good: edit((acl) => {
      acl.peers[1].name = "b.x";
    }),
  },
  {
    code: "unsafe-nix-attr",
    unvalidated: true,
    severity: "error",
    path: "groups[0].name",
    bad: edit((acl) => {
      acl.groups[0].name = "serv\u0000ers";
      for (const p of acl.peers) p.groups = ["serv\u0000ers"];
      acl.connections[0].a[0].value = "serv\u0000ers";
      acl.connections[0].b[0].value = "serv\u0000ers";
    }),
    good: base(),
  },
  {
    code: "invalid-host-name",
    severity: "warning",
    path: "peers[2].name",
    bad: edit((acl) => {
      acl.peers[2].name = "c_1";
    }),
    good: edit((acl) => {
      acl.peers[2].name = "c-1";
    }),
  },
];

test("the base ACL is clean", () => {
  assert.deepEqual(check(base()), []);
});

for (const c of cases) {
  test(`${c.code} at ${c.path}: reported for the faulty ACL, not for the fixed one`, () => {
    const bad = check(c.bad, c.method, c.unvalidated).filter((f) => f.code === c.code);
    const at = bad.find((f) => f.path === c.path);
    assert.ok(at, `expected ${c.code} at ${c.path}, got ${JSON.stringify(bad)}`);
    assert.equal(at.severity, c.severity);
    if (c.says) assert.ok(at.message.includes(c.says), at.message);
    const good = check(c.good, c.goodMethod, c.unvalidated).filter((f) => f.code === c.code);
    assert.deepEqual(good, []);
  });
}

test("every code a lint declares is covered by a case above", () => {
  const covered = new Set(cases.map((c) => c.code));
  const declared = LINTS.flatMap((l) => l.codes);
  assert.deepEqual(
    declared.filter((code) => !covered.has(code)),
    [],
  );
  assert.ok(declared.length >= 20);
});

test("device names are judged for the chosen method", () => {
  const clash = cases.find((c) => c.code === "devname-clash") as Case;
  const codes = (m: DevNameMethod) =>
    check(clash.bad, m)
      .filter((f) => f.code.startsWith("devname"))
      .map((f) => f.code);
  assert.ok(codes("short").includes("devname-clash"));
  assert.deepEqual(codes("long"), []);
  assert.deepEqual(codes("hash"), []);
});
