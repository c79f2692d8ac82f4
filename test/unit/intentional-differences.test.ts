/**
 * The spec's intentional differences from the original, one test each, each also showing what
 * the original does with the same ACL instead (its output committed by `npm run oracle`).
 */
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { meshAcl } from "../support/acl.js";
import { normalise } from "../support/normalise.js";
import { originalCases } from "../support/oracle-cases.js";
import { originalOn } from "../support/original.js";
import { tempDir, wirenixInProcess } from "../support/run.js";

type Json = Record<string, any>;

/** The original's configuration of one peer, which must have succeeded. */
function originalOk(output: Record<string, { ok?: unknown }>, peer: string): Json {
  const config = output[peer]?.ok;
  assert.ok(config, `the original has no configuration for ${peer}`);
  return config as Json;
}

async function generate(
  acl: unknown,
  ...flags: string[]
): Promise<{ code: number; out: Json; stderr: string }> {
  const { dir, remove } = tempDir();
  try {
    const file = join(dir, "acl.json");
    writeFileSync(file, JSON.stringify(acl));
    const ran = await wirenixInProcess(["generate", file, "--format", "json", ...flags]);
    return {
      code: ran.code,
      out: ran.code === 0 ? JSON.parse(ran.stdout) : {},
      stderr: ran.stderr,
    };
  } finally {
    remove();
  }
}

const staticPeer = (out: Json, local: string, remote: string) =>
  out[local].networking.wireguard.interfaces.lan.peers.find((p: Json) => p.name === remote);

test("1. IPv6 endpoint addresses are written in brackets", async () => {
  const acl = originalCases["ipv6-endpoint"]();
  const ours = await generate(acl);
  assert.equal(ours.code, 0);
  assert.equal(staticPeer(ours.out, "a", "b").endpoint, "[2001:db8::2]:51820");
  const networkd = await generate(acl, "--configurer", "networkd");
  const entry = networkd.out.a.systemd.network.netdevs["50-lan"].wireguardPeers.find(
    (p: Json) => p.PublicKey === (acl.peers[1] as Json).publicKey,
  );
  assert.equal(entry.Endpoint, "[2001:db8::2]:51820");
  const original = originalOn("ipv6-endpoint", "static", "short");
  const theirs = originalOk(original, "a").networking.wireguard.interfaces.lan.peers.find(
    (p: Json) => p.name === "b",
  );
  assert.equal(theirs.endpoint, "2001:db8::2:51820", "the original writes an ambiguous endpoint");
});

test("2. an endpoint without ip or port leaves Endpoint out instead of failing", async () => {
  const acl = originalCases["endpoint-without-port"]();
  const ours = await generate(acl);
  assert.equal(ours.code, 0, ours.stderr);
  assert.equal(staticPeer(ours.out, "a", "c").endpoint, undefined, "c has no port: no endpoint");
  assert.equal(staticPeer(ours.out, "a", "b").endpoint, "b.example:51820");
  assert.ok(staticPeer(ours.out, "a", "c").publicKey, "the peer itself is still written");
  assert.throws(
    () => originalOn("endpoint-without-port", "static", "short"),
    /attribute 'port' missing/,
  );
});

test("3. match is honoured on subnet and group endpoints", async () => {
  const acl = originalCases["match-on-subnet-and-group-endpoints"]();
  const ours = await generate(acl);
  assert.equal(
    staticPeer(ours.out, "a", "c").endpoint,
    "c.example:6000",
    "the subnet entry matches a",
  );
  assert.equal(
    staticPeer(ours.out, "b", "c").endpoint,
    "c.example:7000",
    "the group entry matches b",
  );
  assert.equal(staticPeer(ours.out, "c", "a").endpoint, "a.example:51820", "neither matches c");
  const original = originalOn("match-on-subnet-and-group-endpoints", "static", "short");
  const theirs = originalOk(original, "c").networking.wireguard.interfaces.lan.peers.find(
    (p: Json) => p.name === "a",
  );
  assert.equal(theirs.endpoint, "a.example:7000", "the original applies every entry to everyone");
});

test("4. a connection selecting a non-member skips it with a warning", async () => {
  const acl = originalCases["non-member-selected"]();
  const ours = await generate(acl);
  assert.equal(ours.code, 0, ours.stderr);
  assert.deepEqual(
    ours.out.a.networking.wireguard.interfaces.lan.peers.map((p: Json) => p.name),
    ["b"],
  );
  assert.match(ours.stderr, /connections\[0\]: selects c on subnet "lan", which is not a member/);
  const original = originalOn("non-member-selected", "static", "short");
  assert.equal(original.a?.error, true, "the original fails for a");
});

test("4. the warning is the same whichever peers are generated: the network is resolved once", async () => {
  const acl = originalCases["non-member-selected"]();
  // c is on subnet other only, so `--peer c` resolves no link of lan, where c is selected.
  // Each run writes the ACL into its own temporary directory, which the messages name.
  const warnings = (stderr: string) => stderr.replace(/\S*acl\.json/g, "ACL");
  const all = await generate(acl);
  assert.match(all.stderr, /connections\[0\]: selects c on subnet "lan"/);
  for (const flags of [
    ["--peer", "a"],
    ["--peer", "c"],
    ["--peer", "b", "--peer", "c"],
  ]) {
    const one = await generate(acl, ...flags);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(warnings(one.stderr), warnings(all.stderr), flags.join(" "));
  }
});

test("5. group filters work when some peers have no groups field", async () => {
  const acl = originalCases["peers-without-groups"]();
  const ours = await generate(acl);
  assert.equal(ours.code, 0, ours.stderr);
  assert.deepEqual(
    ours.out.a.networking.wireguard.interfaces.lan.peers.map((p: Json) => p.name),
    ["b", "c"],
  );
  assert.deepEqual(
    ours.out.b.networking.wireguard.interfaces.lan.peers.map((p: Json) => p.name),
    ["a"],
  );
  assert.throws(
    () => originalOn("peers-without-groups", "static", "short"),
    /attribute 'groups' missing/,
  );
});

test("6. networkd peers are flat by default; --nixos-peer-shape wrapped gives the old form", async () => {
  const acl = originalCases.mesh();
  const flat = await generate(acl, "--configurer", "networkd");
  const entry = flat.out.a.systemd.network.netdevs["50-lan"].wireguardPeers[0];
  assert.equal(entry.wireguardPeerConfig, undefined);
  assert.equal(entry.Endpoint, "b.example:51820");
  const wrapped = await generate(acl, "--configurer", "networkd", "--nixos-peer-shape", "wrapped");
  assert.equal(
    wrapped.out.a.systemd.network.netdevs["50-lan"].wireguardPeers[0].wireguardPeerConfig.Endpoint,
    "b.example:51820",
  );
  const original = originalOn("mesh", "networkd", "short");
  assert.ok(
    originalOk(original, "a").systemd.network.netdevs["50-lan"].wireguardPeers[0]
      .wireguardPeerConfig,
  );
});

test("7. public keys read from files are trimmed", async () => {
  const acl = meshAcl();
  for (const peer of acl.peers) delete (peer as Json).publicKey;
  const { dir, remove } = tempDir();
  try {
    for (const peer of acl.peers) {
      const name = (peer as Json).name as string;
      writeFileSync(
        join(dir, `wirenix-peer-${name}.pub`),
        `${name === "b" ? "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=" : "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE="}\n`,
      );
    }
    const ours = await generate(acl, "--key-provider", "agenix-rekey", "--secrets-dir", dir);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(
      staticPeer(ours.out, "a", "b").publicKey,
      "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=",
    );
  } finally {
    remove();
  }
});

test("8. networkd-dev-only keeps PersistentKeepalive inside the peer section", async () => {
  const acl = originalCases["persistent-keepalive"]();
  const wrapped = await generate(
    acl,
    "--configurer",
    "networkd-dev-only",
    "--nixos-peer-shape",
    "wrapped",
  );
  const entry = wrapped.out.a.systemd.network.netdevs["50-lan"].wireguardPeers[0];
  assert.equal(entry.wireguardPeerConfig.PersistentKeepalive, 25);
  assert.equal(entry.PersistentKeepalive, undefined);
  const flat = await generate(acl, "--configurer", "networkd-dev-only");
  assert.equal(
    flat.out.a.systemd.network.netdevs["50-lan"].wireguardPeers[0].PersistentKeepalive,
    25,
  );
  const original = originalOn("persistent-keepalive", "networkd-dev-only", "short");
  const theirs = originalOk(original, "a").systemd.network.netdevs["50-lan"].wireguardPeers[0];
  assert.equal(theirs.PersistentKeepalive, 25, "the original puts it outside wireguardPeerConfig");
  assert.equal(theirs.wireguardPeerConfig.PersistentKeepalive, undefined);
});

test("10. networkd outputs route every AllowedIP; the oracle comparison leaves that out", async () => {
  // b has a manual address outside the /64 that a and c generate: only a route reaches it.
  const acl = originalCases["outside-prefix"]();
  for (const configurer of ["networkd", "networkd-dev-only"]) {
    const ours = await generate(acl, "--configurer", configurer);
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = originalOn("outside-prefix", configurer, "short");
    for (const peer of ["a", "b", "c"]) {
      const mine = ours.out[peer].systemd.network;
      const original = originalOk(theirs, peer).systemd.network;
      assert.equal(mine.netdevs["50-lan"].wireguardConfig.RouteTable, "main", `${peer}`);
      assert.equal(original.netdevs["50-lan"].wireguardConfig.RouteTable, undefined);
      assert.equal(original.networks?.["50-lan"]?.routes, undefined, "the original routes none");
      // Everything else is the original's.
      assert.deepEqual(normalise(ours.out[peer]), normalise(originalOk(theirs, peer)));
    }
    // In the original, a's only route into the tunnel is its own prefix, which b is not in.
    const a = originalOk(theirs, "a").systemd.network;
    const peerB = a.netdevs["50-lan"].wireguardPeers[0];
    assert.deepEqual((peerB.wireguardPeerConfig ?? peerB).AllowedIPs, ["fd42::12/128"]);
    if (configurer === "networkd")
      assert.match(a.networks["50-lan"].address[0], /^fd09:4a36:7b02:6246:[0-9a-f:]+\/64$/);
  }
  const { dir, remove } = tempDir();
  try {
    const file = join(dir, "acl.json");
    writeFileSync(file, JSON.stringify(acl));
    const files = await wirenixInProcess([
      ...["generate", file, "--configurer", "networkd-files", "--peer", "a", "--format", "json"],
    ]);
    assert.equal(files.code, 0, files.stderr);
    const netdev = JSON.parse(files.stdout).a.files["50-lan.netdev"].text as string;
    assert.match(
      netdev,
      /^\[WireGuard\]\nListenPort=51820\nPrivateKeyFile=\/etc\/wg\.key\nRouteTable=main\n/m,
    );
  } finally {
    remove();
  }
});

test("11. names equal except for case are refused; the original accepts them", async () => {
  const acl = originalCases["case-duplicate-names"]();
  const ours = await generate(acl);
  assert.equal(ours.code, 1);
  assert.match(
    ours.stderr,
    /acl\.json: peers\[2\]\.name: peer name "A" differs from "a" \(peers\[0\]\) only in case: expected names unique regardless of case/,
  );
  // The original writes both into b's hosts, names a resolver answers alike.
  const original = originalOn("case-duplicate-names", "static", "short");
  assert.deepEqual(originalOk(original, "b").networking.hosts, {
    "10.0.0.1": ["a.lan"],
    "10.0.0.3": ["A.lan"],
  });
  // Subnets and groups alike, declared or only listed by peers.
  const subnets = meshAcl() as Json;
  subnets.subnets.push({ name: "LAN", endpoints: [] });
  const declared = meshAcl() as Json;
  declared.groups = [{ name: "ops" }, { name: "Ops" }];
  const listed = meshAcl() as Json;
  delete listed.groups;
  listed.peers[0].groups = ["ops"];
  listed.peers[1].groups = ["OPS"];
  for (const [changed, path] of [
    [subnets, /subnets\[1\]\.name: subnet name "LAN" differs from "lan"/],
    [declared, /groups\[1\]\.name: group name "Ops" differs from "ops"/],
    [
      listed,
      /peers\[1\]\.groups\[0\]: group name "OPS" differs from "ops" \(peers\[0\]\.groups\[0\]\)/,
    ],
  ] as const) {
    const run = await generate(changed);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, path);
  }
});

test("12. key paths are safe absolute paths; the original passes shell commands on", async () => {
  const acl = originalCases["hostile-key-paths"]();
  const ours = await generate(acl, "--configurer", "static");
  assert.equal(ours.code, 1);
  assert.match(
    ours.stderr,
    /peers\[1\]\.privateKeyFile: expected an absolute path of letters, digits and \. _ \+ @ = , : - between single slashes, without \. or \.\. parts \(character 11 is "\$"/,
  );
  assert.match(
    ours.stderr,
    /subnets\[0\]\.presharedKeyFile: expected an absolute path .*character 14 is "\\""/,
  );
  // The original writes both into b's configuration, where nixpkgs' scripted wireguard module
  // puts them into the root unit's script (test/system/security-nixos-paths.test.ts shows it).
  const theirs = originalOk(originalOn("hostile-key-paths", "static", "short"), "b");
  const lan = theirs.networking.wireguard.interfaces.lan;
  assert.equal(lan.privateKeyFile, "/run/keys/$(touch /run/pwned)/a.key");
  assert.equal(lan.peers[0].presharedKeyFile, '/run/keys/psk"; touch /run/pwned-psk; echo "');
  // Without the hostile paths, the same ACL is generated as the original does.
  const safe = originalCases["hostile-key-paths"]();
  safe.peers[1].privateKeyFile = "/etc/wg.key";
  delete safe.subnets[0].presharedKeyFile;
  assert.equal((await generate(safe)).code, 0);
});
