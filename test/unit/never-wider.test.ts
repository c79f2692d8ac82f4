/**
 * Rules are never wider than written: a member address written with its prefix length
 * (`10.0.0.2/24`, as real ACLs write interface addresses) keeps the original's meaning for the
 * interface and AllowedIPs, but as a rule's source or destination it is the one host, in the
 * nftables table every output carries, in `explain` and in policy tests. (Before, a rule from
 * admin admitted the whole /24: every guest on the subnet.)
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { KEYS } from "../support/acl.js";
import { generatedPeer, wirenixInProcess, withTempDir, writeAcl } from "../support/run.js";

const peer = (value: string) => ({ type: "peer", rule: "is", value });

/** server (the only endpoint), admin written as /24 and /64, guest bare; a rule admin → ssh. */
function officeAcl(): Record<string, any> {
  return {
    version: "v1",
    subnets: [{ name: "wg", endpoints: [{ port: 51820 }] }],
    peers: [
      {
        name: "server",
        subnets: { wg: { listenPort: 51820, ipAddresses: ["10.0.0.1", "fd00::1"] } },
        publicKey: KEYS.a,
        privateKeyFile: "/etc/wg.key",
        endpoints: [{ ip: "192.0.2.1" }],
      },
      {
        name: "admin",
        subnets: { wg: { listenPort: 51820, ipAddresses: ["10.0.0.2/24", "fd00::2/64"] } },
        publicKey: KEYS.b,
        privateKeyFile: "/etc/wg.key",
      },
      {
        name: "guest",
        groups: ["guest"],
        subnets: { wg: { listenPort: 51820, ipAddresses: ["10.0.0.5", "fd00::5"] } },
        publicKey: KEYS.c,
        privateKeyFile: "/etc/wg.key",
      },
    ],
    connections: [{ a: [peer("server")], b: [{ type: "peer", rule: "not", value: "server" }] }],
    rules: [{ from: [peer("admin")], to: [peer("server")], allow: ["tcp/22"] }],
    tests: [
      { from: "admin", reaches: ["server:tcp/22"] },
      { from: "guest", notReaches: ["server:tcp/22", "server"] },
    ],
  };
}

test("a rule's sources are the peers' hosts; the interface and AllowedIPs keep the prefix", async () => {
  await withTempDir(async (dir) => {
    const file = writeAcl(dir, officeAcl());
    const server = await generatedPeer("server", [file]);
    const table = server.networking.nftables.tables["wirenix-rules"].content as string;
    assert.match(
      table,
      /iifname "wg" ip saddr 10\.0\.0\.2\/32 tcp dport 22 accept comment "rules\[0\]"/,
    );
    assert.match(
      table,
      /iifname "wg" ip6 saddr fd00::2\/128 tcp dport 22 accept comment "rules\[0\]"/,
    );
    assert.doesNotMatch(table, /\/24|\/64/);
    // Everywhere the original uses the address, it is as written (parity).
    const admin = server.networking.wireguard.interfaces.wg.peers.find(
      (p: { name: string }) => p.name === "admin",
    );
    assert.deepEqual(admin.allowedIPs, ["10.0.0.2/24", "fd00::2/64"]);
    const own = await generatedPeer("admin", [file]);
    assert.deepEqual(own.networking.wireguard.interfaces.wg.ips, ["10.0.0.2/24", "fd00::2/64"]);
  });
});

test("explain and policy tests see the host too: the guest in admin's /24 is dropped", async () => {
  await withTempDir(async (dir) => {
    const file = writeAcl(dir, officeAcl());
    const guest = await wirenixInProcess(["explain", file, "guest", "server", "tcp/22"]);
    assert.equal(guest.code, 0, guest.stderr);
    assert.match(guest.stdout, /packets from "guest" to "server" \(tcp\/22\): do not arrive/);
    assert.match(guest.stdout, /"server" drops it on subnet "wg": no rule allows it/);
    assert.doesNotMatch(guest.stdout, /allowed by rules\[0\]/);
    const admin = await wirenixInProcess(["explain", file, "admin", "server", "tcp/22"]);
    assert.match(admin.stdout, /to 10\.0\.0\.1 from 10\.0\.0\.2: arrives/);
    assert.match(admin.stdout, /"server" lets it in on subnet "wg": allowed by rules\[0\]/);

    const checked = await wirenixInProcess(["check", file, "--format", "json"]);
    const items = JSON.parse(checked.stdout).diagnostics as {
      code: string;
      path: string;
      test?: { passed: boolean };
    }[];
    const results = items.filter((i) => i.test).map((i) => `${i.path} ${i.test?.passed}`);
    assert.deepEqual(results, [
      "tests[0].reaches[0] true",
      "tests[1].notReaches[0] true",
      "tests[1].notReaches[1] true",
    ]);
  });
});

test("a router forwards only between the hosts a rule names", async () => {
  const acl = officeAcl();
  // The hub relays the tunnel network; every spoke is written with the subnet's /24.
  acl.peers.unshift({
    name: "hub",
    subnets: { wg: { listenPort: 51820, ipAddresses: ["10.0.0.254/24"], routes: ["10.0.0.0/24"] } },
    publicKey: KEYS.d,
    privateKeyFile: "/etc/wg.key",
    endpoints: [{ ip: "192.0.2.254" }],
  });
  acl.peers[1].subnets.wg.ipAddresses = ["10.0.0.1/24"];
  acl.peers[2].subnets.wg.ipAddresses = ["10.0.0.2/24"];
  acl.peers[3].subnets.wg.ipAddresses = ["10.0.0.5/24"];
  acl.connections = [{ a: [peer("hub")], b: [{ type: "peer", rule: "not", value: "hub" }] }];
  delete acl.tests;
  await withTempDir(async (dir) => {
    const hub = await generatedPeer("hub", [writeAcl(dir, acl)]);
    const table = hub.networking.nftables.tables["wirenix-rules"].content as string;
    assert.match(
      table,
      /iifname "wg" ip saddr 10\.0\.0\.2\/32 ip daddr 10\.0\.0\.1\/32 tcp dport 22 accept comment "rules\[0\]"/,
    );
    assert.equal(table.match(/accept comment/g)?.length, 1, table);
  });
});
