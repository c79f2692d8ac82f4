/** `wirenix generate` as a user runs it: formats, peers, --merge, --out, key providers. */
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { stringify as toToml } from "smol-toml";
import { stringify as toYaml } from "yaml";
import { meshAcl } from "../support/acl.js";
import { normalise } from "../support/normalise.js";
import { fixtures, repoRoot } from "../support/paths.js";
import { nixEval, wirenix, withTempDir, writeAcl } from "../support/run.js";

type Json = Record<string, any>;

/** The networkd configurer, printed as JSON. */
const NETWORKD_JSON = ["--configurer", "networkd", "--format", "json"];
/** peer1 and peer3 of double-dev-ring on one host. */
const MERGE_1_3 = ["--merge", "--peer", "peer1", "--peer", "peer3"];

const oracleCase = (name: string) => join(fixtures, "differential", `oracle-${name}`);
const golden = (name: string) =>
  JSON.parse(readFileSync(join(oracleCase(name), "golden.json"), "utf8"));

test("YAML, TOML, JSON and Nix ACLs of one network give the same output as the original", () =>
  withTempDir((dir) => {
    const acl = JSON.parse(readFileSync(join(oracleCase("example-ring"), "acl.json"), "utf8"));
    writeFileSync(join(dir, "ring.yaml"), toYaml(acl));
    writeFileSync(join(dir, "ring.yml"), toYaml(acl));
    writeFileSync(join(dir, "ring.toml"), toToml(acl));
    const files = [
      join(oracleCase("example-ring"), "acl.json"),
      join(dir, "ring.yaml"),
      join(dir, "ring.yml"),
      join(dir, "ring.toml"),
      join(fixtures, "nix-acl", "ring.nix"),
    ];
    const expected = golden("example-ring")["networkd/short"];
    for (const file of files) {
      const ran = wirenix(["generate", file, ...NETWORKD_JSON]);
      assert.equal(ran.code, 0, `${file}: ${ran.stderr}`);
      const out = JSON.parse(ran.stdout) as Json;
      for (const [peer, config] of Object.entries(expected) as [string, Json][])
        assert.deepEqual(normalise(out[peer]), normalise(config.ok), `${file} ${peer}`);
    }
  }));

test("--peer limits the output to the named peers", () => {
  const file = join(oracleCase("mesh"), "acl.json");
  const ran = wirenix(["generate", file, "--peer", "node2", "--peer", "node1", "--format", "json"]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(Object.keys(JSON.parse(ran.stdout)), ["node1", "node2"]);
  const unknown = wirenix(["generate", file, "--peer", "nobody"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--peer "nobody": no such peer/);
});

test("--merge joins several identities into one host, as the original's peerNames", () => {
  const file = join(oracleCase("double-dev-ring"), "acl.json");
  const args = ["generate", file, ...NETWORKD_JSON, "--dev-name-method", "hash"];
  const ran = wirenix([...args, ...MERGE_1_3, "--host", "node1"]);
  assert.equal(ran.code, 0, ran.stderr);
  const node1 = JSON.parse(ran.stdout).node1 as Json;
  const expected = golden("double-dev-ring")["networkd/hash"];
  const netdevs = node1.systemd.network.netdevs;
  for (const peer of ["peer1", "peer3"]) {
    const theirs = expected[peer].ok.systemd.network.netdevs as Json;
    for (const [name, netdev] of Object.entries(theirs))
      assert.deepEqual(normalise(netdevs[name]), normalise(netdev));
    for (const [address, names] of Object.entries(expected[peer].ok.networking.hosts as Json))
      for (const n of names as string[]) assert.ok(node1.networking.hosts[address].includes(n));
  }
  assert.equal(Object.keys(netdevs).length, 2);
  assert.doesNotMatch(ran.stderr, /warning/);

  const short = wirenix(["generate", file, "--configurer", "networkd", ...MERGE_1_3]);
  assert.equal(short.code, 1, "two identities, one device name: an error, not a warning");
  assert.match(
    short.stderr,
    /^wirenix: error: .*subnets\[0\]\.name: peers "peer1" and "peer3" cannot share one host: both would get interface "ring"/m,
  );
  assert.equal(short.stdout, "");
});

test("--out writes one NixOS module per peer that evaluates to the JSON output", () =>
  withTempDir((dir) => {
    const file = join(oracleCase("mesh"), "acl.json");
    const out = join(dir, "hosts");
    const ran = wirenix(["generate", file, "--configurer", "networkd", "--out", out]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, "");
    const json = JSON.parse(wirenix(["generate", file, ...NETWORKD_JSON]).stdout);
    const written = readdirSync(out)
      .filter((name) => name !== ".wirenix-manifest.json")
      .sort();
    assert.deepEqual(
      written,
      Object.keys(json)
        .map((p) => `${p}.nix`)
        .sort(),
    );
    for (const name of written) {
      assert.equal(statSync(join(out, name)).mode & 0o777, 0o644);
      assert.deepEqual(nixEval(join(out, name)), json[name.replace(/\.nix$/, "")]);
    }
    const jsonOut = join(dir, "json");
    assert.equal(wirenix(["generate", file, "--format", "json", "--out", jsonOut]).code, 0);
    assert.ok(existsSync(join(jsonOut, "node1.json")));
  }));

test("a failed run writes nothing under --out and reports every failing peer", () =>
  withTempDir((dir) => {
    const acl = meshAcl();
    delete (acl.peers[1] as Json).publicKey;
    delete (acl.peers[2] as Json).privateKeyFile;
    const file = writeAcl(dir, acl);
    const out = join(dir, "out");
    const ran = wirenix(["generate", file, "--out", out]);
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /acl\.json: peers\[1\]\.publicKey: no public key for peer "b"/);
    assert.match(
      ran.stderr,
      /acl\.json: peers\[2\]\.privateKeyFile: no private key file for peer "c"/,
    );
    assert.ok(!existsSync(out), "the directory it would have made is not left behind");
  }));

test("device names over 15 characters fail with a hint; clashes keep the first subnet and warn", () =>
  withTempDir((dir) => {
    const acl = meshAcl();
    acl.subnets[0] = { name: "lan.very-long-subnet", endpoints: [{ port: 51820 }] };
    for (const peer of acl.peers)
      (peer as Json).subnets = { "lan.very-long-subnet": { listenPort: 51820 } };
    const file = writeAcl(dir, acl);
    const long = wirenix(["generate", file, "--dev-name-method", "long"]);
    assert.equal(long.code, 1);
    assert.match(
      long.stderr,
      /subnets\[0\]\.name: device name "lan\.very-long-subnet" .* at most 15; the hash naming method keeps every name short \(--dev-name-method hash\)/,
    );
    assert.equal(wirenix(["generate", file]).code, 0, "short gives lan");

    acl.subnets.push({ name: "lan.b", endpoints: [{ port: 51821 }] });
    (acl.peers[0] as Json).subnets["lan.b"] = { listenPort: 51821 };
    (acl.peers[1] as Json).subnets["lan.b"] = { listenPort: 51821 };
    writeAcl(dir, acl);
    const clash = wirenix(["generate", file, "--format", "json", "--peer", "a"]);
    assert.equal(clash.code, 0, clash.stderr);
    assert.match(
      clash.stderr,
      /both get device name "lan" on peer "a"; only "lan\.b" is configured/,
    );
    assert.equal(JSON.parse(clash.stdout).a.networking.wireguard.interfaces.lan.listenPort, 51821);
  }));

test("agenix-rekey declares the secrets and points at their runtime paths", () =>
  withTempDir((dir) => {
    const acl = meshAcl();
    for (const peer of acl.peers) {
      writeFileSync(
        join(dir, `wirenix-peer-${(peer as Json).name}.pub`),
        `${(peer as Json).publicKey}\n`,
      );
      delete (peer as Json).publicKey;
      delete (peer as Json).privateKeyFile;
    }
    const file = writeAcl(dir, acl);
    const missing = wirenix(["generate", file, "--key-provider", "agenix-rekey"]);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /agenix-rekey key provider needs a secrets directory \(--secrets-dir\)/,
    );
    const rekey = ["generate", file, "--key-provider", "agenix-rekey", "--secrets-dir", dir];
    const ran = wirenix([...rekey, ...NETWORKD_JSON]);
    assert.equal(ran.code, 0, ran.stderr);
    const a = JSON.parse(ran.stdout).a as Json;
    assert.deepEqual(a.age.secrets["wirenix-peer-a"], {
      owner: "root",
      mode: "640",
      group: "systemd-network",
      rekeyFile: join(dir, "wirenix-peer-a.age"),
      generator: { tags: ["wirenix", "wirenix.peer"], script: "wirenix-wireguard-key" },
    });
    assert.deepEqual(a.age.secrets["wirenix-subnet-lan"].generator.tags, [
      "wirenix",
      "wirenix.subnet",
    ]);
    const netdev = a.systemd.network.netdevs["50-lan"];
    assert.equal(netdev.wireguardConfig.PrivateKeyFile, "/run/agenix/wirenix-peer-a");
    assert.equal(netdev.wireguardPeers[0].PresharedKeyFile, "/run/agenix/wirenix-subnet-lan");
    assert.equal(
      netdev.wireguardPeers[0].PublicKey,
      "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=",
    );
    const statik = JSON.parse(wirenix([...rekey, "--format", "json"]).stdout);
    assert.equal(statik.a.age.secrets["wirenix-peer-a"].group, "root");
  }));

test("the bundled example generates, and --help and --version answer", () => {
  const ran = wirenix(["generate", join(repoRoot, "examples", "homelab.yaml")]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /gateway = \{/);
  assert.equal(ran.stderr, "");
  const help = wirenix(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /generate/);
  assert.match(wirenix(["--version"]).stdout, /^\d+\.\d+\.\d+/);
  assert.equal(wirenix(["generate"]).code, 2);
  assert.equal(wirenix(["frobnicate"]).code, 2);
});
