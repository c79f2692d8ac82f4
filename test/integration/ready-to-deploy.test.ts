/**
 * What the library decides that the CLI only prints: where output goes and what may be printed
 * (output plans, secrets), keys found by the key providers for inlining (private and preshared,
 * from the ACL or a keys directory), the phone configuration `qr` encodes, the stale-key rule,
 * merged hosts, and the policy tests the network carries.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { chooseInterface, planOutput, printProblem } from "../../src/app/output-plan.js";
import { phoneConfiguration } from "../../src/app/phone.js";
import {
  DEFAULT_OPTIONS,
  defaultKeyProviders,
  type GenerateOptions,
  Generator,
} from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import { generateKeys } from "../../src/keys/generate-dir.js";
import { stalePublicKeys, unsetPublicKeys } from "../../src/keys/stale.js";
import type { Network } from "../../src/network/model.js";
import { filesOf } from "../../src/render/configurers/files.js";
import { withTempDir } from "../support/run.js";
import { wgKeyPair } from "../support/wg.js";

const registry = createRegistry();

/** Three peers on `wg` (pool-style addresses), `two` also on `lan`; keys as asked. */
function network(
  extra: { privateKey?: string; psk?: string; publicKeys?: boolean; aPublicKey?: string } = {},
): Network {
  const pair = (name: string) => ({
    name,
    subnets: {
      wg: { listenPort: 51820, ipAddresses: [`10.42.0.${name.length}`, "auto"] },
      ...(name === "two" ? { lan: { listenPort: 51821 } } : {}),
    },
    ...(extra.publicKeys === false ? {} : { publicKey: wgKeyPair().publicKey }),
    privateKeyFile: `/etc/wireguard/${name}.key`,
    endpoints: [{ ip: `192.0.2.${name.length}` }],
  });
  const parsed = parseAcl(
    {
      version: "v1",
      subnets: [
        {
          name: "wg",
          endpoints: [{ port: 51820 }],
          ...(extra.psk === undefined ? {} : { presharedKeyFile: extra.psk }),
        },
        { name: "lan", endpoints: [{}] },
      ],
      groups: [],
      peers: [
        {
          ...pair("a"),
          ...(extra.privateKey ? { privateKey: extra.privateKey } : {}),
          ...(extra.aPublicKey ? { publicKey: extra.aPublicKey } : {}),
        },
        pair("two"),
        pair("three"),
      ],
      connections: [{ a: [], b: [] }],
      tests: [{ from: "a", reaches: ["two"] }],
    },
    registry,
  );
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

function generator(net: Network, options: Partial<GenerateOptions> = {}): Generator {
  const made = Generator.create(net, registry, { ...DEFAULT_OPTIONS, ...options });
  assert.ok(made.ok, JSON.stringify(made));
  return made.value;
}

const wgQuick = registry.configurers.get("wg-quick");
const networkdFiles = registry.configurers.get("networkd-files");
const networkd = registry.configurers.get("networkd");
assert.ok(wgQuick && networkdFiles && networkd);

test("--keys-dir alone means the dir key provider, then the ACL's keys", () => {
  assert.deepEqual(defaultKeyProviders("keys"), ["dir", "acl"]);
  assert.deepEqual(defaultKeyProviders(undefined), ["acl"]);
});

test("one peer and one interface of a file configurer print that interface's file", () => {
  const net = network();
  const base = { devNameMethod: "short" as const };
  assert.deepEqual(planOutput(net, wgQuick, { ...base, peers: ["a"] }), {
    ok: true,
    value: { kind: "interface-file", peer: "a", subnet: "wg", device: "wg" },
    warnings: [],
  });
  // Two interfaces: --subnet picks one; without it, a refusal that says how (never JSON where
  // a file was expected, as `> gw.conf` would get).
  const two = planOutput(net, wgQuick, { ...base, peers: ["two"] });
  assert.ok(!two.ok);
  assert.equal(
    two.diagnostics[0]?.message,
    'peer "two" has 2 interfaces (subnets "lan", "wg") and wg-quick writes one file for each: print the one of a subnet ("lan"), write them all into an output directory, or print them all as JSON',
  );
  const lan = planOutput(net, wgQuick, { ...base, peers: ["two"], subnet: "lan" });
  assert.deepEqual(lan.ok && lan.value, {
    kind: "interface-file",
    peer: "two",
    subnet: "lan",
    device: "lan",
  });
  // --format json, several peers, a NixOS configurer, --out: as before.
  const json = planOutput(net, wgQuick, { ...base, peers: ["a"], format: "json" });
  assert.deepEqual(json.ok && json.value, { kind: "document", format: "json" });
  const all = planOutput(net, wgQuick, { ...base, peers: [] });
  assert.deepEqual(all.ok && all.value, { kind: "document", format: "json" });
  const nix = planOutput(net, networkd, { ...base, peers: ["a"] });
  assert.deepEqual(nix.ok && nix.value, { kind: "document", format: "nix" });
  const out = planOutput(net, wgQuick, { ...base, peers: ["a"], out: "dir" });
  assert.deepEqual(out.ok && out.value, { kind: "file-tree", dir: "dir" });
  // networkd-files writes two files per interface: no one file to print.
  const nd = planOutput(net, networkdFiles, { ...base, peers: ["a"], inlinePrivateKeys: true });
  assert.ok(!nd.ok && /several files for peer "a"/.test(nd.diagnostics[0]?.message ?? ""));
  // hosts writes one file per peer, whatever its interfaces: that file is printed.
  const hosts = registry.configurers.get("hosts");
  assert.ok(hosts);
  const hostsTwo = planOutput(net, hosts, { ...base, peers: ["two"] });
  assert.deepEqual(hostsTwo.ok && hostsTwo.value, {
    kind: "peer-file",
    peer: "two",
    path: "hosts",
  });
});

test("private keys reach a stream only as one interface's file, asked for with inlining", () => {
  const net = network();
  const base = { devNameMethod: "short" as const, inlinePrivateKeys: true };
  for (const [request, why] of [
    [{ ...base, peers: [] }, /only as the one file of one peer/],
    [{ ...base, peers: ["two"] }, /has 2 interfaces \(subnets "lan", "wg"\).*\("lan"\)/],
    [{ ...base, peers: ["a"], format: "json" as const }, /only as the one file/],
  ] as const) {
    const plan = planOutput(net, wgQuick, request);
    assert.ok(!plan.ok && why.test(plan.diagnostics[0]?.message ?? ""), JSON.stringify(plan));
  }
  const nixos = planOutput(net, networkd, { ...base, peers: ["a"] });
  assert.ok(
    !nixos.ok &&
      /written inline only by file configurers/.test(nixos.diagnostics[0]?.message ?? ""),
  );
  const subnetWithoutPeer = planOutput(net, wgQuick, {
    devNameMethod: "short",
    peers: [],
    subnet: "wg",
  });
  assert.ok(!subnetWithoutPeer.ok);

  // A secret file is printed in the one-file plan with inlining, never in the document.
  const config = { files: { "wg.conf": { text: "[Interface]\n", secret: true } } };
  const file = { kind: "interface-file" as const, peer: "a", subnet: "wg", device: "wg" };
  assert.equal(printProblem(config, wgQuick, file, true), undefined);
  assert.match(printProblem(config, wgQuick, file, false)?.message ?? "", /never printed/);
  const document = { kind: "document" as const, format: "json" as const };
  assert.match(printProblem(config, wgQuick, document, true)?.message ?? "", /never printed/);
  assert.equal(printProblem(config, wgQuick, { kind: "file-tree", dir: "d" }, true), undefined);
  // The file of another device is not there to print.
  const other = { ...file, device: "other" };
  assert.match(printProblem(config, wgQuick, other, true)?.message ?? "", /no file for interface/);
});

test("chooseInterface: the only subnet, the one given, or a clear choice", () => {
  const net = network();
  assert.deepEqual(chooseInterface(net, "a", undefined), { ok: true, value: "wg", warnings: [] });
  const bad = chooseInterface(net, "a", "lan");
  assert.ok(!bad.ok);
  assert.match(bad.diagnostics[0]?.message ?? "", /"lan" is not a subnet of "a"; choose.*"wg"/);
});

test("inlining takes the private and preshared keys from the keys directory the provider reads", () =>
  withTempDir(async (dir) => {
    const keys = join(dir, "keys");
    const net = network({ psk: "/etc/wireguard/wg.psk", publicKeys: false });
    const made = await generateKeys(net, keys);
    assert.ok(made.ok, JSON.stringify(made));
    // The subnet names a presharedKeyFile: keys generate makes its key too.
    const psk = made.value.outcomes.find((o) => o.kind === "subnet");
    assert.deepEqual([psk?.name, psk?.action], ["wg", "created"]);
    const gen = generator(net, {
      configurer: "wg-quick",
      keyProviders: defaultKeyProviders(keys),
      keysDir: keys,
      inlinePrivateKeys: true,
    });
    const result = gen.configure("a");
    assert.ok(result.ok, JSON.stringify(result));
    const conf = Object.fromEntries(filesOf(result.value, "wg-quick"))["wg.conf"];
    assert.equal(conf?.secret, true);
    const text = conf?.text ?? "";
    assert.match(text, /^PrivateKey = [A-Za-z0-9+/]{43}=$/m);
    assert.equal(text.match(/^PresharedKey = [A-Za-z0-9+/]{43}=$/gm)?.length, 2);
    assert.doesNotMatch(text, /PostUp|wg\.psk/);
    // The same from networkd-files: PresharedKey= in the secret .netdev.
    const nd = generator(net, {
      configurer: "networkd-files",
      keyProviders: ["dir", "acl"],
      keysDir: keys,
      inlinePrivateKeys: true,
    }).configure("a");
    assert.ok(nd.ok);
    const netdev = Object.fromEntries(filesOf(nd.value, "networkd-files"))["50-wg.netdev"];
    assert.equal(netdev?.secret, true);
    assert.match(netdev?.text ?? "", /^PresharedKey=/m);
    assert.doesNotMatch(netdev?.text ?? "", /PresharedKeyFile/);
    // Without inlining the files name the ACL's (the target machine's) preshared key file.
    const plain = generator(net, {
      configurer: "wg-quick",
      keyProviders: ["dir", "acl"],
      keysDir: keys,
    }).configure("a");
    assert.ok(plain.ok);
    assert.match(JSON.stringify(plain.value), /preshared-key '\/etc\/wireguard\/wg\.psk'/);
  }));

test("inlining takes the private key from the ACL; without one anywhere it says where to look", () => {
  const { privateKey, publicKey } = wgKeyPair();
  // The key must be a's (issue 23): the ACL's publicKey of a is its public key.
  const gen = generator(network({ privateKey, aPublicKey: publicKey }), {
    configurer: "wg-quick",
    inlinePrivateKeys: true,
  });
  const a = gen.configure("a");
  assert.ok(a.ok);
  assert.ok(JSON.stringify(a.value).includes(`PrivateKey = ${privateKey}`));
  const two = gen.configure("two");
  assert.ok(!two.ok);
  assert.equal(two.diagnostics[0]?.code, "no-private-key");
  assert.deepEqual(two.diagnostics[0]?.path, ["peers", 1, "privateKey"]);
  // It says where to look in the library's words; the CLI adds the flag (key-hints.ts).
  assert.match(two.diagnostics[0]?.message ?? "", /only from the keys directory \(DIR\/two\.key\)/);
  assert.doesNotMatch(two.diagnostics[0]?.message ?? "", /--[a-z]/);
});

test("phoneConfiguration: the one interface with its keys inline, keys through the providers", () =>
  withTempDir((dir) => {
    const keys = join(dir, "keys");
    const pair = wgKeyPair();
    const net = network({ psk: "/etc/wireguard/wg.psk", aPublicKey: pair.publicKey });
    mkdirSync(keys, { mode: 0o700 });
    const presharedKey = execFileSync("wg", ["genpsk"], { encoding: "utf8" }).trim();
    writeFileSync(join(keys, "a.key"), `${pair.privateKey}\n`, { mode: 0o600 });
    writeFileSync(join(keys, "wg.psk"), `${presharedKey}\n`, { mode: 0o600 });
    const made = phoneConfiguration(net, registry, { peer: "a", keysDir: keys });
    assert.ok(made.ok, JSON.stringify(made));
    assert.match(
      made.value,
      new RegExp(`^PrivateKey = ${pair.privateKey.replaceAll("+", "\\+")}$`, "m"),
    );
    assert.equal(made.value.split(`PresharedKey = ${presharedKey}`).length, 3);
    assert.doesNotMatch(made.value, /PostUp/);
    // The registry is left as it was: no one-off configurer slipped in.
    assert.deepEqual([...registry.configurers.keys()], [...createRegistry().configurers.keys()]);
    // A key file given explicitly is used when it holds a's key; another peer's key is
    // refused (issue 23); a bad one is a usage problem naming the file only.
    const other = wgKeyPair();
    writeFileSync(join(dir, "other.key"), other.privateKey);
    const wrong = phoneConfiguration(net, registry, {
      peer: "a",
      keysDir: keys,
      privateKeyFile: join(dir, "other.key"),
    });
    assert.ok(!wrong.ok && wrong.diagnostics[0]?.code === "key-mismatch");
    writeFileSync(join(dir, "own.key"), pair.privateKey);
    const given = phoneConfiguration(net, registry, {
      peer: "a",
      keysDir: keys,
      privateKeyFile: join(dir, "own.key"),
    });
    assert.ok(given.ok && given.value.includes(pair.privateKey));
    const bad = phoneConfiguration(net, registry, {
      peer: "a",
      privateKeyFile: join(dir, "nothing"),
    });
    assert.ok(!bad.ok && bad.diagnostics[0]?.code === "usage");
    // Two subnets: the choice is asked for.
    const two = phoneConfiguration(net, registry, { peer: "two", keysDir: keys });
    assert.ok(!two.ok && two.diagnostics[0]?.option === "subnet");
    // No preshared key readable here: the phone cannot do without it.
    const noPsk = phoneConfiguration(
      network({ psk: "/nonexistent/wg.psk", aPublicKey: pair.publicKey }),
      registry,
      { peer: "a", privateKeyFile: join(dir, "own.key") },
    );
    assert.ok(!noPsk.ok && noPsk.diagnostics[0]?.code === "no-preshared-key");
  }));

test("stale public keys: the ACL's key differs from the keys directory's, or is missing", () => {
  const net = network();
  const a = net.peer("a");
  assert.ok(a?.publicKey);
  const fresh = wgKeyPair().publicKey;
  const stale = stalePublicKeys(
    net,
    new Map([
      ["a", a.publicKey],
      ["two", fresh],
    ]),
    "keys",
  );
  assert.deepEqual(
    stale.map((d) => [d.severity, d.code, d.path]),
    [["warning", "stale-public-key", ["peers", 1, "publicKey"]]],
  );
  assert.match(stale[0]?.message ?? "", /differs from keys\/two\.pub/);
  const keyless = network({ publicKeys: false });
  assert.deepEqual(unsetPublicKeys(keyless, new Map([["three", fresh]])), ["three"]);
});

test("a merged host never lists its own identities as peers; one device name twice is an error", () => {
  const net = network();
  const hash = generator(net, { configurer: "networkd", devNameMethod: "hash" });
  const merged = hash.configureMerged(["a", "two"]);
  assert.ok(merged.ok, JSON.stringify(merged));
  const text = JSON.stringify(merged.value);
  for (const own of ["a", "two"])
    assert.ok(
      !text.includes(net.peer(own)?.publicKey ?? "?"),
      `${own}'s key is no peer of its host`,
    );
  assert.ok(text.includes(net.peer("three")?.publicKey ?? "?"), "three is a peer of the host");
  const short = generator(net, { configurer: "networkd" }).configureMerged(["a", "two"]);
  assert.ok(!short.ok);
  assert.deepEqual(
    short.diagnostics.map((d) => [d.severity, d.code]),
    [["error", "devname-clash"]],
  );
  assert.match(short.diagnostics[0]?.message ?? "", /both would get interface "wg"/);
});

test("the network carries the ACL's policy tests for check, their targets resolved", () => {
  assert.deepEqual(network().policyTests, [
    {
      index: 0,
      from: "a",
      reaches: [{ path: ["tests", 0, "reaches", 0], text: "two", target: { peer: "two" } }],
      notReaches: [],
    },
  ]);
});
