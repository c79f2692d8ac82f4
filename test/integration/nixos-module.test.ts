/**
 * The NixOS module of flake.nix, evaluated by the real nix-instantiate with nixpkgs' real
 * lib.evalModules: given the JSON that `wirenix generate --format json` printed, it yields
 * for a host exactly that peer's configuration; it merges several peers as `--merge` does;
 * its assertions catch a generated file made with other options; it relocates secrets into
 * wirenix.secretsDir; and its agenix-rekey generators, rendered and run with the real wg,
 * write a key pair the agenix-rekey key provider then reads.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { nixpkgsLib } from "../support/nixpkgs.js";
import { fixtures, repoRoot } from "../support/paths.js";
import { tempDir, wirenixInProcess } from "../support/run.js";

const evalFile = join(repoRoot, "test", "support", "nixos-eval.nix");

interface Evaluated {
  config: Record<string, unknown>;
  generators: Record<string, string>;
  failedAssertions: string[];
  warnings: string[];
}

/** Evaluates the module once per settings object, in one nix-instantiate run. */
function evalModule(cases: unknown[], extra: Record<string, string> = {}): Evaluated[] {
  const args = ["--eval", "--strict", "--json", evalFile];
  args.push("--arg", "repo", repoRoot.replace(/\/$/, ""));
  args.push("--argstr", "cases", JSON.stringify(cases));
  for (const [k, v] of Object.entries(extra)) args.push("--argstr", k, v);
  const r = spawnSync("nix-instantiate", args, { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) nixpkgsLib(); // when lib is what is missing, says so
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Evaluated[];
}

/** Drops empty objects, which the module's stand-in options show and generate leaves out. */
function pruned(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruned);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = pruned(v);
      if (p !== null && typeof p === "object" && !Array.isArray(p) && Object.keys(p).length === 0)
        continue;
      out[k] = p;
    }
    return out;
  }
  return value;
}

async function generateJson(
  acl: string,
  flags: string[],
): Promise<Record<string, unknown> | undefined> {
  const run = await wirenixInProcess(["generate", acl, "--format", "json", ...flags]);
  return run.code === 0 ? (JSON.parse(run.stdout) as Record<string, unknown>) : undefined;
}

test("nix-instantiate finds nixpkgs' lib as <nixpkgs/lib>", () => {
  assert.match(nixpkgsLib(), /\/lib$/);
});

test("for every peer, the module yields the configuration generate printed", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const cases = readdirSync(join(fixtures, "differential"))
    .filter((c) => c.startsWith("oracle-"))
    .concat(
      readdirSync(join(fixtures, "differential"))
        .filter((c) => c.startsWith("random-"))
        .slice(0, 6),
    );
  let compared = 0;
  for (const name of cases) {
    const acl = join(fixtures, "differential", name, "acl.json");
    for (const configurer of ["static", "networkd", "networkd-dev-only"])
      for (const devNameMethod of ["short", "hash"]) {
        const generated = await generateJson(acl, [
          "--configurer",
          configurer,
          "--dev-name-method",
          devNameMethod,
        ]);
        if (!generated) continue;
        const file = join(dir, `${name}-${configurer}-${devNameMethod}.json`);
        writeFileSync(file, JSON.stringify(generated));
        const peers = Object.keys(generated);
        // Half the hosts name their peer, the other half rely on the host name default.
        const settings = peers.map((peer, i) => ({
          wirenix: {
            enable: true,
            generated: file,
            configurer,
            devNameMethod,
            ...(i % 2 === 0 ? { peerName: peer } : {}),
          },
          networking: { hostName: i % 2 === 0 ? "some-host" : peer },
        }));
        const results = evalModule(settings);
        peers.forEach((peer, i) => {
          const r = results[i] as Evaluated;
          assert.deepEqual(
            r.failedAssertions,
            [],
            `${name} ${configurer} ${devNameMethod} ${peer}`,
          );
          assert.deepEqual(
            pruned(r.config),
            pruned(generated[peer]),
            `${name} ${configurer} ${devNameMethod} ${peer}`,
          );
          compared++;
        });
      }
  }
  assert.ok(compared >= 300, `compared ${compared} host configurations`);
  t.diagnostic(`${compared} host configurations compared`);
});

test("routes, exit nodes and openFirewall: the module applies boot and networking options", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = join(repoRoot, "examples", "road-warrior.yaml");
  let compared = 0;
  for (const configurer of ["static", "networkd"]) {
    const generated = await generateJson(acl, ["--configurer", configurer]);
    assert.ok(generated);
    const file = join(dir, `${configurer}.json`);
    writeFileSync(file, JSON.stringify(generated));
    const peers = Object.keys(generated);
    const results = evalModule(
      peers.map((peer) => ({
        wirenix: { enable: true, generated: file, configurer, peerName: peer },
      })),
    );
    peers.forEach((peer, i) => {
      const r = results[i] as Evaluated;
      assert.deepEqual(r.failedAssertions, [], `${configurer} ${peer}`);
      assert.deepEqual(pruned(r.config), pruned(generated[peer]), `${configurer} ${peer}`);
      compared++;
    });
    const vps = results[peers.indexOf("vps")] as Evaluated;
    assert.deepEqual((vps.config as any).networking.nat.internalInterfaces, ["vpn"]);
    assert.equal((vps.config as any).boot.kernel.sysctl["net.ipv4.conf.all.forwarding"], true);
  }
  t.diagnostic(`${compared} host configurations compared`);
});

test("several peerNames on one host give what generate --merge gives", async () => {
  const acl = join(fixtures, "differential", "oracle-double-dev-ring", "acl.json");
  const all = await generateJson(acl, ["--configurer", "networkd", "--dev-name-method", "hash"]);
  assert.ok(all);
  // Two identities that are not linked to each other: --merge leaves out links between a
  // host's own identities, which the module's peerNames merge (as the original's) keeps.
  const [a, , b] = Object.keys(all) as [string, string, string];
  const run = await wirenixInProcess([
    "generate",
    acl,
    "--format",
    "json",
    "--configurer",
    "networkd",
    "--dev-name-method",
    "hash",
    "--merge",
    "--peer",
    a,
    "--peer",
    b,
    "--host",
    "both",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const merged = JSON.parse(run.stdout).both;
  const [r] = evalModule([
    {
      wirenix: {
        enable: true,
        generated: all,
        configurer: "networkd",
        devNameMethod: "hash",
        peerNames: [a, b],
      },
    },
  ]);
  assert.ok(r);
  assert.deepEqual(r.failedAssertions, []);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(pruned(r.config), pruned(merged));
  const [warned] = evalModule([
    { wirenix: { enable: true, generated: all, configurer: "static", peerNames: [a, b] } },
  ]);
  assert.equal(warned?.warnings.length, 2);
  assert.match(
    warned?.warnings.join("\n") ?? "",
    /use "hash"[\s\S]*does not support several peerNames/,
  );
});

test("a disabled module sets nothing", () => {
  const [r] = evalModule([{ wirenix: { enable: false, generated: {} } }]);
  assert.deepEqual(pruned(r?.config), {});
  assert.deepEqual(r?.failedAssertions, []);
});

test("the module's assertions catch a generated file made with other options", async () => {
  const acl = join(fixtures, "differential", "oracle-mesh", "acl.json");
  const staticShort = await generateJson(acl, []);
  const networkd = await generateJson(acl, ["--configurer", "networkd"]);
  assert.ok(staticShort && networkd);
  const peer = Object.keys(staticShort)[0] as string;
  const base = { enable: true, peerName: peer };
  const results = evalModule([
    { wirenix: { ...base, generated: staticShort, configurer: "networkd" } },
    { wirenix: { ...base, generated: networkd } },
    { wirenix: { ...base, generated: staticShort, devNameMethod: "hash" } },
    { wirenix: { ...base, generated: staticShort, keyProviders: ["agenix-rekey"] } },
    { wirenix: { ...base, generated: staticShort, keyProviders: ["sops-nix", "acl"] } },
    { wirenix: { ...base, generated: staticShort, peerName: "nobody" } },
    { wirenix: { enable: true, generated: staticShort }, networking: { hostName: "nixos" } },
  ]);
  const messages = results.map((r) => r.failedAssertions.join("\n"));
  assert.match(
    messages[0] ?? "",
    /uses networking\.wireguard, but wirenix\.configurer is "networkd"/,
  );
  assert.match(messages[1] ?? "", /is for systemd-networkd, but wirenix\.configurer is "static"/);
  assert.match(messages[2] ?? "", /devNameMethod is "hash", but the generated interfaces/);
  assert.match(messages[3] ?? "", /include agenix or agenix-rekey, but .* declares no age secret/);
  assert.match(messages[4] ?? "", /include sops-nix, but .* declares no sops secret/);
  assert.match(messages[5] ?? "", /no peer nobody in wirenix\.generated/);
  assert.match(messages[6] ?? "", /no peer nixos in wirenix\.generated .* set wirenix\.peerName/);
});

test("agenix and sops secrets are taken from wirenix.secretsDir", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = join(fixtures, "keys", "net.yaml");
  const keys = join(dir, "keys");
  assert.equal((await wirenixInProcess(["keys", "generate", acl, "--dir", keys])).code, 0);
  const withProvider = (provider: string) =>
    generateJson(acl, [
      "--key-provider",
      provider,
      "--key-provider",
      "dir",
      "--keys-dir",
      keys,
      "--secrets-dir",
      "secrets",
    ]);
  const agenix = await withProvider("agenix");
  const sops = await withProvider("sops-nix");
  assert.ok(agenix && sops);
  const flakeDir = join(dir, "flake", "secrets");
  const results = evalModule([
    {
      wirenix: {
        enable: true,
        peerName: "beta",
        generated: agenix,
        keyProviders: ["agenix", "dir"],
        secretsDir: flakeDir,
      },
    },
    {
      wirenix: {
        enable: true,
        peerName: "beta",
        generated: sops,
        keyProviders: ["sops-nix", "dir"],
        secretsDir: flakeDir,
      },
    },
    {
      wirenix: {
        enable: true,
        peerName: "beta",
        generated: agenix,
        keyProviders: ["agenix", "dir"],
      },
    },
  ]);
  const [ageResult, sopsResult, noDir] = results as [Evaluated, Evaluated, Evaluated];
  assert.deepEqual(ageResult.failedAssertions, []);
  const ageSecrets = (ageResult.config.age as { secrets: Record<string, { file: string }> })
    .secrets;
  assert.equal(ageSecrets["wirenix-peer-beta"]?.file, join(flakeDir, "wirenix-peer-beta.age"));
  assert.equal(
    ageSecrets["wirenix-subnet-office"]?.file,
    join(flakeDir, "wirenix-subnet-office.age"),
  );
  const sopsSecrets = (sopsResult.config.sops as { secrets: Record<string, { sopsFile: string }> })
    .secrets;
  assert.deepEqual(sopsResult.failedAssertions, []);
  assert.equal(
    sopsSecrets["wirenix-peer-beta"]?.sopsFile,
    join(flakeDir, "wirenix-peer-beta.yaml"),
  );
  // Apart from the relocated files, the configuration is generate's.
  const expected = structuredClone(agenix.beta) as {
    age: { secrets: Record<string, { file: string }> };
  };
  for (const [name, s] of Object.entries(expected.age.secrets))
    s.file = join(flakeDir, `${name}.age`);
  assert.deepEqual(pruned(ageResult.config), pruned(expected));
  assert.match(
    noDir.failedAssertions.join("\n"),
    /relative files \(secrets\/wirenix-peer-beta\.age .*set wirenix\.secretsDir/,
  );
});

test("the agenix-rekey generators, run with the real wg, write a key pair the provider reads", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = join(fixtures, "keys", "net.yaml");
  const wgPath = execFileSync("sh", ["-c", "command -v wg"], { encoding: "utf8" }).trim();
  const secrets = join(dir, "secrets");
  execFileSync("mkdir", ["-p", secrets]);
  // alpha's and beta's keys exist so that laptop's configuration can be generated at all.
  for (const peer of ["alpha", "beta", "laptop"]) {
    const [r] = evalModule(
      [
        {
          wirenix: {
            enable: true,
            peerName: "laptop",
            generated: {},
            keyProviders: ["agenix-rekey"],
          },
        },
      ],
      {
        wgPrefix: dirname(dirname(wgPath)),
        generatorFile: join(secrets, `wirenix-peer-${peer}.age`),
      },
    );
    assert.ok(r);
    assert.deepEqual(Object.keys(r.generators).sort(), [
      "wirenix-wireguard-key",
      "wirenix-wireguard-psk",
    ]);
    const privateKey = execFileSync(
      "bash",
      ["-c", r.generators["wirenix-wireguard-key"] as string],
      { encoding: "utf8" },
    ).trim();
    const pub = readFileSync(join(secrets, `wirenix-peer-${peer}.pub`), "utf8").trim();
    assert.equal(
      pub,
      execFileSync("wg", ["pubkey"], { input: `${privateKey}\n`, encoding: "utf8" }).trim(),
    );
    const psk = execFileSync("bash", ["-c", r.generators["wirenix-wireguard-psk"] as string], {
      encoding: "utf8",
    }).trim();
    assert.match(
      execFileSync("wg", ["pubkey"], { input: `${psk}\n`, encoding: "utf8" }),
      /^[A-Za-z0-9+/]{43}=\n$/,
    );
  }
  const generated = await generateJson(acl, [
    "--key-provider",
    "agenix-rekey",
    "--secrets-dir",
    secrets,
  ]);
  assert.ok(generated);
  const laptop = generated.laptop as {
    age: { secrets: Record<string, { generator: { script: string } }> };
  };
  const [r] = evalModule([
    { wirenix: { enable: true, peerName: "laptop", generated, keyProviders: ["agenix-rekey"] } },
  ]);
  assert.ok(r);
  assert.deepEqual(r.failedAssertions, []);
  for (const secret of Object.values(laptop.age.secrets))
    assert.ok(
      secret.generator.script in r.generators,
      `generator ${secret.generator.script} is defined`,
    );
  const office = (
    generated.laptop as {
      networking: {
        wireguard: { interfaces: Record<string, { peers: { name: string; publicKey: string }[] }> };
      };
    }
  ).networking.wireguard.interfaces.office;
  assert.equal(
    office?.peers.find((p) => p.name === "alpha")?.publicKey,
    readFileSync(join(secrets, "wirenix-peer-alpha.pub"), "utf8").trim(),
  );
});
