/**
 * Access rules on NixOS, proven by NixOS itself: the office ACL (with rules), and the sites ACL
 * (named networks: a router's LAN, a printer in it, the internet through an exit node with
 * reject), generated for the
 * `static` and `networkd` configurers, every peer evaluated with nixpkgs' real module system
 * (test/support/nixos-real.*). Each host evaluates without a warning or a failed assertion,
 * has `networking.nftables` on with our table, the NixOS firewall (now on nftables) trusts the
 * WireGuard interface so that our table alone decides for it, and the ruleset NixOS would load
 * (its tables put together as nftables.nix does) passes the real `nft --check`.
 */
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { run } from "../support/netns.js";
import {
  type Evaluation,
  evaluateHosts,
  type HostConfig,
  nixpkgsFromNixPath,
} from "../support/nixos-real.js";
import { fixtures } from "../support/paths.js";
import { tempDir, wirenixInProcess } from "../support/run.js";

const PEERS = ["hub", "laptop1", "laptop2", "server1", "server2"];
const CONFIGURERS = ["static", "networkd"] as const;
const { dir, remove } = tempDir("wirenix-rules-nixos-");
after(remove);

async function wirenix(args: string[]): Promise<string> {
  const ran = await wirenixInProcess(args);
  assert.equal(ran.code, 0, `wirenix ${args.join(" ")}: ${ran.stdout}${ran.stderr}`);
  return ran.stdout;
}

/** The host's evaluated config, which NixOS made without a warning, failed assertion or trace. */
function cleanConfig(evaluation: Evaluation, id: string): HostConfig {
  const result = evaluation.results.get(id);
  assert.ok(result?.config, `${id}: ${result?.error}`);
  assert.deepEqual(result.config.warnings, [], id);
  assert.deepEqual(result.config.failedAssertions, [], id);
  assert.deepEqual(result.traces, [], id);
  return result.config;
}

/**
 * The ruleset NixOS loads, put together as nixos/modules/services/networking/nftables.nix does,
 * passes the real nft's check in a network namespace of its own.
 */
async function nftChecks(id: string, config: HostConfig): Promise<void> {
  const ruleset = Object.values(config.nftables.tables)
    .filter((t) => t.enable)
    .map((t) => `table ${t.family} ${t.name} {\n${t.content}\n}\n`)
    .join("\n");
  const rulesetFile = join(dir, `ruleset-${id.replaceAll(" ", "-")}.nft`);
  writeFileSync(rulesetFile, ruleset);
  const checked = await run("unshare", ["-n", "nft", "--check", "-f", rulesetFile]);
  assert.equal(checked.code, 0, `${id}: ${checked.stderr}`);
}

test("NixOS evaluates the rules: nftables on, our table, the interface trusted, nft --check", async () => {
  const acl = join(dir, "office.yaml");
  writeFileSync(acl, readFileSync(join(fixtures, "rules", "office.yaml")));
  const keys = join(dir, "keys");
  await wirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"]);
  const specs = [];
  for (const configurer of CONFIGURERS) {
    const out = join(dir, configurer);
    await wirenix([
      ...["generate", acl, "--configurer", configurer],
      ...["--key-provider", "dir", "--keys-dir", keys, "--out", out],
    ]);
    for (const peer of PEERS)
      specs.push({
        id: `${configurer} ${peer}`,
        useNetworkd: configurer === "networkd",
        module: join(out, `${peer}.nix`),
      });
  }
  const evaluation: Evaluation = await evaluateHosts(specs, {
    nixpkgs: nixpkgsFromNixPath(),
    workDir: dir,
  });
  // The same table the networkd-files output writes for nft -f (one renderer for both).
  await wirenix([
    ...["generate", acl, "--configurer", "networkd-files"],
    ...["--key-provider", "dir", "--keys-dir", keys, "--out", join(dir, "files")],
  ]);
  for (const spec of specs) {
    const config = cleanConfig(evaluation, spec.id);
    assert.equal(config.nftables.enable, true, spec.id);
    assert.ok(config.trustedInterfaces.includes("office"), spec.id);
    const ours = config.nftables.tables["wirenix-rules-office"];
    assert.ok(ours, `${spec.id}: no wirenix-rules-office table`);
    assert.equal(ours.family, "inet");
    const firewall = config.nftables.tables["nixos-fw"];
    assert.ok(firewall, `${spec.id}: the NixOS firewall runs on nftables`);
    assert.match(firewall.content, /iifname \{[^}]*"office"[^}]*\} accept/);
    const peer = spec.id.split(" ")[1] as string;
    const file = readFileSync(join(dir, "files", peer, "wirenix-rules-office.nft"), "utf8");
    for (const line of ours.content.trim().split("\n"))
      assert.ok(file.includes(line), `${spec.id}: ${line} is in the networkd-files table too`);
    await nftChecks(spec.id, config);
  }
});

test("a merged host (--merge, hash device names) keeps a table per device: both filtered", async () => {
  const acl = join(dir, "office.yaml");
  const keys = join(dir, "keys");
  const specs = [];
  for (const configurer of CONFIGURERS) {
    const out = join(dir, `merged-${configurer}`);
    await wirenix([
      ...["generate", acl, "--configurer", configurer, "--merge", "--host", "shared"],
      ...["--peer", "laptop1", "--peer", "server1", "--dev-name-method", "hash"],
      ...["--key-provider", "dir", "--keys-dir", keys, "--out", out],
    ]);
    specs.push({
      id: `merged ${configurer}`,
      useNetworkd: configurer === "networkd",
      module: join(out, "shared.nix"),
    });
  }
  const evaluation = await evaluateHosts(specs, { nixpkgs: nixpkgsFromNixPath(), workDir: dir });
  // Written by hand: the hash device names of laptop1 and server1 on "office"
  // (`wn.` and the first 12 hex digits of sha256("laptop1.office") and sha256("server1.office")).
  const devices = ["wn.801f231865df", "wn.f418a90eb93e"];
  for (const spec of specs) {
    const result = evaluation.results.get(spec.id);
    assert.ok(result?.config, `${spec.id}: ${result?.error}`);
    const config = result.config;
    assert.deepEqual(config.failedAssertions, [], spec.id);
    assert.deepEqual(config.warnings, [], spec.id);
    for (const device of devices) {
      const table = config.nftables.tables[`wirenix-rules-${device}`];
      assert.ok(table, `${spec.id}: no table for ${device}`);
      assert.match(table.content, new RegExp(`iifname "${device.replace(".", "\\.")}" drop`));
      assert.ok(config.trustedInterfaces.includes(device), `${spec.id}: ${device} trusted`);
    }
    await nftChecks(spec.id, config);
  }
});

test("NixOS evaluates the rules beyond WireGuard addresses: sites, a printer, the internet, reject", async () => {
  const acl = join(dir, "sites.yaml");
  writeFileSync(acl, readFileSync(join(fixtures, "rules", "sites.yaml")));
  const keys = join(dir, "sites-keys");
  await wirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"]);
  const peers = ["gw", "exit", "build", "laptop1", "laptop2"];
  const specs = [];
  for (const configurer of CONFIGURERS) {
    const out = join(dir, `sites-${configurer}`);
    await wirenix([
      ...["generate", acl, "--configurer", configurer],
      ...["--key-provider", "dir", "--keys-dir", keys, "--out", out],
    ]);
    for (const peer of peers)
      specs.push({
        id: `sites ${configurer} ${peer}`,
        useNetworkd: configurer === "networkd",
        module: join(out, `${peer}.nix`),
      });
  }
  const evaluation = await evaluateHosts(specs, { nixpkgs: nixpkgsFromNixPath(), workDir: dir });
  for (const spec of specs) {
    const config = cleanConfig(evaluation, spec.id);
    const ours = config.nftables.tables["wirenix-rules-office"];
    assert.ok(ours, `${spec.id}: no wirenix-rules-office table`);
    // Written by hand: what the router, the exit node and the receiver hold of the new rules.
    if (spec.id.endsWith(" gw"))
      assert.match(ours.content, /oifname "office" ip saddr @v4_5 drop\n/);
    if (spec.id.endsWith(" exit"))
      assert.match(
        ours.content,
        /iifname "office" ip saddr @v4_6 ip daddr != @v4_7 meta l4proto tcp reject with tcp reset comment "rules\[2\]"/,
      );
    if (spec.id.endsWith(" build"))
      assert.match(
        ours.content,
        /iifname "office" ip saddr @v4_0 tcp dport @tcp_1 accept comment "rules\[0\]"/,
      );
    await nftChecks(spec.id, config);
  }
});
