/**
 * ACLs as people write them for the original (shapes seen in public repositories): no top-level
 * `groups`, no keys in the ACL (agenix-rekey provides them), an empty subnet endpoint `{ }`,
 * ports written as strings; one broken peer not blocking the others; and names, safe ones
 * through every output and unsafe ones refused everywhere (intentional difference 9).
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { Generator } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import type { ConfigTree } from "../../src/core/config-tree.js";
import type { Result } from "../../src/core/diagnostics.js";
import type { DevNameMethod } from "../../src/network/devname.js";
import { toJson } from "../../src/render/printers/json.js";
import { normalise } from "../support/normalise.js";
import { fixtures } from "../support/paths.js";
import { nixEval, tempDir, wirenixInProcess } from "../support/run.js";

type Acl = Record<string, unknown> & { peers: Record<string, unknown>[] };
type Golden = Record<string, Record<string, { ok?: unknown; error?: true }>>;

const homelabDir = join(fixtures, "real-world", "homelab");
/** A fresh copy of the homelab ACL (its golden is the original's output, via the oracle). */
const homelab = (): Acl => JSON.parse(readFileSync(join(homelabDir, "acl.json"), "utf8")) as Acl;
const registry = createRegistry();

const run = wirenixInProcess;

function withAcl<T>(acl: unknown, body: (file: string, dir: string) => Promise<T>): Promise<T> {
  const { dir, remove } = tempDir();
  const file = join(dir, "acl.json");
  writeFileSync(file, typeof acl === "string" ? acl : JSON.stringify(acl));
  return body(file, dir).finally(remove);
}

test("no top-level groups, an empty subnet endpoint, string ports: as the original makes them", () => {
  const acl = homelab();
  assert.equal("groups" in acl, false);
  const golden = JSON.parse(readFileSync(join(homelabDir, "golden.json"), "utf8")) as Golden;
  const parsed = parseAcl(acl, registry);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.diagnostics));
  let compared = 0;
  for (const [combo, peers] of Object.entries(golden)) {
    const [configurer, devNameMethod] = combo.split("/") as [string, DevNameMethod];
    const made = Generator.create(parsed.value, registry, {
      configurer,
      devNameMethod,
      nixosPeerShape: "flat",
      keyProviders: ["acl"],
    });
    assert.ok(made.ok);
    for (const [peer, expected] of Object.entries(peers)) {
      const ours: Result<ConfigTree> = made.value.configure(peer);
      assert.ok(ours.ok && expected.ok, `${combo} ${peer}`);
      assert.deepEqual(normalise(JSON.parse(toJson(ours.value))), normalise(expected.ok));
      compared++;
    }
  }
  assert.equal(compared, 27);
  // The string port reaches the output as the number: toString in the original.
  const wg = Generator.create(parsed.value, registry, {
    configurer: "wg-quick",
    devNameMethod: "short",
    nixosPeerShape: "flat",
    keyProviders: ["acl"],
  });
  assert.ok(wg.ok);
  assert.match(JSON.stringify(wg.value.configure("wither")), /192\.0\.2\.10:51820/);
});

test("the no-groups ACL that used to be refused generates", async () => {
  const file = join(fixtures, "real-world", "no-top-level-groups.yaml");
  const made = await run(["generate", file]);
  assert.equal(made.code, 0, made.stderr);
});

test("no keys in the ACL: agenix-rekey provides them", async () => {
  const acl = homelab();
  for (const peer of acl.peers) {
    delete peer.publicKey;
    delete peer.privateKeyFile;
  }
  const keys = homelab().peers.map((p) => [p.name, p.publicKey] as [string, string]);
  await withAcl(acl, async (file, dir) => {
    const secrets = join(dir, "secrets");
    mkdirSync(secrets);
    for (const [name, key] of keys)
      writeFileSync(join(secrets, `wirenix-peer-${name}.pub`), `${key}\n`);
    const args = ["--key-provider", "agenix-rekey", "--secrets-dir", secrets, file];
    for (const configurer of ["static", "networkd"]) {
      const made = await run(["generate", "--configurer", configurer, ...args]);
      assert.equal(made.code, 0, made.stderr);
      for (const [, key] of keys.slice(1)) assert.ok(made.stdout.includes(key), configurer);
      assert.match(made.stdout, /wirenix-peer-node1/);
    }
    assert.equal((await run(["check", "--strict", ...args])).code, 0);
  });
});

test("one peer lacking a key it needs: the others are generated, all-peer generate names it", async () => {
  const acl = homelab();
  const wither = acl.peers[2] as { subnets: Record<string, Record<string, unknown>> };
  delete wither.subnets.mySpoke?.listenPort;
  delete acl.peers[1]?.publicKey;
  await withAcl(acl, async (file) => {
    // wither's own listenPort: wither fails; hetzner's public key: node1 (linked to it) fails.
    const alone = await run(["generate", "--peer", "hetzner-ephemeral-alpha", file]);
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stdout, /hetzner-ephemeral-alpha|mySpoke/);
    const all = await run(["generate", file]);
    assert.equal(all.code, 1);
    assert.equal(all.stdout, "");
    assert.match(
      all.stderr,
      /peers\[2\]\.subnets\.mySpoke\.listenPort: missing, and the configuration of peer "wither" reads it/,
    );
    assert.match(all.stderr, /peers\[1\]\.publicKey/);
    assert.match(all.stderr, /node1/);
    for (const peer of ["wither", "node1"])
      assert.equal((await run(["generate", "--peer", peer, file])).code, 1, peer);
    const check = await run(["check", file]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /peers\[2\]\.subnets\.mySpoke\.listenPort/);
  });
});

const CONFIGURERS = [
  "static",
  "networkd",
  "networkd-dev-only",
  "wg-quick",
  "networkd-files",
  "hosts",
];

test("real names pass through every output: Nix, wg-quick, networkd files, hosts, --out paths", async () => {
  await withAcl(homelab(), async (file, dir) => {
    for (const configurer of CONFIGURERS) {
      const out = join(dir, configurer);
      const made = await run(["generate", "--configurer", configurer, "--out", out, file]);
      assert.equal(made.code, 0, `${configurer}: ${made.stderr}`);
      // Wirenix's own bookkeeping (.wirenix-manifest.json) aside.
      const written = readdirSync(out)
        .filter((name) => !name.startsWith("."))
        .sort();
      if (["static", "networkd", "networkd-dev-only"].includes(configurer)) {
        assert.deepEqual(written, ["hetzner-ephemeral-alpha.nix", "node1.nix", "wither.nix"]);
        const config = nixEval(join(out, "node1.nix")) as {
          networking: { hosts: Record<string, string[]> };
        };
        const names = Object.values(config.networking.hosts).flat().sort();
        assert.ok(names.includes("wither.lan.home"), JSON.stringify(names));
        assert.ok(names.includes("hetzner-ephemeral-alpha.mySpoke"), JSON.stringify(names));
      } else {
        assert.deepEqual(written, ["hetzner-ephemeral-alpha", "node1", "wither"]);
        const files = readdirSync(join(out, "node1"));
        assert.ok(files.length > 0);
        const text = files.map((f) => readFileSync(join(out, "node1", f), "utf8")).join("\n");
        if (configurer === "hosts") assert.match(text, /wither\.lan\.home/);
      }
    }
  });
});

/** Unsafe names, shown escaped: spaces, control characters, NUL, newline, quotes, `/`, huge. */
const UNSAFE = [
  "two words",
  "tab\there",
  "nul\u0000x",
  "line\nPrivateKey = x",
  'quo"te',
  "it's",
  "a/../../etc",
  "-leading",
  ".hidden",
  "x".repeat(64),
  "m".repeat(1 << 20),
  "caf\u00e9",
];

function rename(acl: Acl, where: "peer" | "subnet", to: string): Acl {
  if (where === "peer") {
    const old = acl.peers[0]?.name as string;
    (acl.peers[0] as Record<string, unknown>).name = to;
    const conn = (acl.connections as { a: { value: string }[] }[])[1];
    if (conn?.a[0]?.value === old) conn.a[0].value = to;
    return acl;
  }
  const subnets = acl.subnets as { name: string }[];
  const old = subnets[1]?.name as string;
  (subnets[1] as { name: string }).name = to;
  for (const peer of acl.peers) {
    const member = peer.subnets as Record<string, unknown>;
    if (old in member) {
      member[to] = member[old];
      delete member[old];
    }
  }
  for (const c of acl.connections as {
    a: { value: string }[];
    b: { value: string }[];
    subnets?: string[];
  }[]) {
    for (const f of [...c.a, ...c.b]) if (f.value === old) f.value = to;
    if (c.subnets) c.subnets = c.subnets.map((s) => (s === old ? to : s));
  }
  return acl;
}

test("unsafe names are refused by every command and output, with the path, escaped, and what is allowed", async () => {
  for (const where of ["peer", "subnet"] as const)
    for (const name of UNSAFE) {
      const path = where === "peer" ? "peers[0].name" : "subnets[1].name";
      await withAcl(rename(homelab(), where, name), async (file, dir) => {
        for (const configurer of CONFIGURERS) {
          const out = join(dir, `out-${configurer}`);
          const made = await run(["generate", "--configurer", configurer, "--out", out, file]);
          assert.equal(made.code, 1, `${where} ${JSON.stringify(name).slice(0, 40)} ${configurer}`);
          assert.equal(existsSync(out), false, "nothing may be written");
          assert.ok(
            made.stderr.includes(`${path}: expected a safe ${where} name`),
            made.stderr.slice(0, 500),
          );
          assert.match(made.stderr, /letters, digits, "-" and "_"/);
          // Shown escaped (JSON), and never a megabyte of it.
          assert.ok(
            made.stderr.includes(JSON.stringify(name).slice(0, 20)),
            made.stderr.slice(0, 500),
          );
          assert.ok(made.stderr.length < 4000);
          assert.ok(!made.stderr.includes("\u0000"));
          assert.equal(made.stderr.trim().split("\n").length, 1, made.stderr.slice(0, 500));
        }
        const check = await run(["check", file]);
        assert.equal(check.code, 1);
        assert.ok(check.stdout.includes(`${path}: expected a safe ${where} name`));
      });
    }
});

test("real names seen in the wild are safe", () => {
  // node1, hetzner-ephemeral-alpha, wither, lan.home and mySpoke are the homelab's own.
  assert.ok(parseAcl(homelab(), registry).ok);
  for (const [where, name] of [
    ["peer", "k8s-worker-01"],
    ["peer", "laptop_3"],
    ["subnet", "wg_mesh.dc1"],
    ["subnet", "home"],
  ] as const) {
    const parsed = parseAcl(rename(homelab(), where, name), registry);
    assert.ok(parsed.ok, `${name}: ${JSON.stringify(!parsed.ok && parsed.diagnostics)}`);
  }
});
