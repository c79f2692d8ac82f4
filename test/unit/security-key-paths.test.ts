/**
 * Issue 23, item 2: key and secret paths reach shell scripts and unit files (nixpkgs' scripted
 * wireguard module renders `wg set "wg" private-key "<path>"` into a root unit; wg-quick's
 * PostUp runs through bash; networkd reads PrivateKeyFile=). A path from the ACL, a key
 * provider, --keys-dir or --secrets-dir is therefore absolute (--secrets-dir may be relative)
 * and made of letters, digits and `. _ + @ = , : -` between single slashes, without `.` or `..`
 * parts; anything else is refused by `check` and `generate` with its place (intentional
 * difference 12). The paths real ACLs use (every fixture) still pass.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { test } from "node:test";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { isKeyText } from "../../src/core/secrets.js";
import { keyPathProblem } from "../../src/network/values.js";
import { KEYS, meshAcl } from "../support/acl.js";
import { HOSTILE_PATHS } from "../support/hostile-paths.js";
import { fixtures, repoRoot } from "../support/paths.js";
import { tempDir, wirenixInProcess, writeAcl } from "../support/run.js";

/** Paths of real ACLs and edge cases of the rule that must keep working. */
const ACCEPTED_PATHS: readonly string[] = [
  "/run/agenix/wg-key",
  "/etc/wireguard/private.key",
  "/var/lib/wireguard/wg0.key",
  "/run/secrets/wirenix-peer-alpha",
  "/run/keys/psk-office-vpn.berlin.de",
  "/var/lib/wirenix/Zulu.key",
  "/run/keys/wg-laptop_3",
  "/a",
  "/run/keys/a+b@c=d,e:f",
  "/run/keys/-starts-with-dash",
  "/run/keys/.hidden",
  "/run/keys/...",
];

test("the rule: hostile paths are refused, real and edge-case paths pass", () => {
  for (const path of HOSTILE_PATHS)
    assert.notEqual(keyPathProblem(path), undefined, JSON.stringify(path));
  for (const path of ACCEPTED_PATHS) assert.equal(keyPathProblem(path), undefined, path);
  assert.match(keyPathProblem("/run/keys/$(x)") ?? "", /character 11 is "\$"/);
  assert.match(keyPathProblem("keys/a.key") ?? "", /relative/);
  assert.match(keyPathProblem("/run/../a") ?? "", /\.\. part/);
});

/** Every string at a privateKeyFile or presharedKeyFile key inside `data`. */
function keyPathsIn(data: unknown, found: string[] = []): string[] {
  if (Array.isArray(data)) for (const item of data) keyPathsIn(item, found);
  else if (typeof data === "object" && data !== null)
    for (const [key, value] of Object.entries(data)) {
      if ((key === "privateKeyFile" || key === "presharedKeyFile") && typeof value === "string")
        found.push(value);
      else keyPathsIn(value, found);
    }
  return found;
}

function* aclFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) yield* aclFiles(file);
    else if ([".json", ".yaml", ".yml", ".toml"].includes(extname(name))) yield file;
  }
}

test("every key path in the fixtures (corpus, original goldens, real-world shapes) and examples passes", () => {
  const paths = new Set<string>();
  for (const dir of [fixtures, join(repoRoot, "examples")])
    for (const file of aclFiles(dir)) {
      // Broken on purpose: bad-input holds an empty privateKeyFile, secret-echo keys pasted
      // where a path belongs (both refused before the path rule is asked), and
      // original/hostile-key-paths holds the hostile paths the original accepts.
      if (["/bad-input/", "/secret-echo/", "/hostile-key-paths/"].some((d) => file.includes(d)))
        continue;
      const text = readFileSync(file, "utf8");
      let data: unknown;
      try {
        const ext = extname(file);
        data =
          ext === ".json" ? JSON.parse(text) : ext === ".toml" ? parseToml(text) : parseYaml(text);
      } catch {
        continue; // not an ACL (a golden's text, a broken fixture)
      }
      for (const path of keyPathsIn(data)) if (!isKeyText(path)) paths.add(path);
    }
  assert.ok(paths.size >= 50, `only ${paths.size} key paths found`);
  const refused = [...paths].filter((p) => keyPathProblem(p) !== undefined);
  assert.deepEqual(refused, []);
});

const run = (args: string[]) => wirenixInProcess(args);

test("check and generate refuse every hostile privateKeyFile, naming peers[1].privateKeyFile", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  for (const [i, path] of HOSTILE_PATHS.entries()) {
    const acl = meshAcl();
    (acl.peers[1] as Record<string, unknown>).privateKeyFile = path;
    const file = writeAcl(dir, acl, `private-${i}.json`);
    const checked = await run(["check", file]);
    assert.equal(checked.code, 1, `${JSON.stringify(path)}: ${checked.stdout}`);
    assert.match(
      checked.stdout,
      /peers\[1\]\.privateKeyFile: expected an absolute path of letters/,
    );
    for (const configurer of ["static", "networkd", "wg-quick", "networkd-files"]) {
      const generated = await run(["generate", file, "--configurer", configurer, "--peer", "a"]);
      assert.equal(generated.code, 1, `${configurer} ${JSON.stringify(path)}`);
      assert.equal(generated.stdout, "", "nothing is printed");
      assert.match(generated.stderr, /peers\[1\]\.privateKeyFile: expected an absolute path/);
    }
  }
});

test("check and generate refuse every hostile presharedKeyFile, naming subnets[0].presharedKeyFile", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  for (const [i, path] of HOSTILE_PATHS.entries()) {
    const acl = meshAcl();
    (acl.subnets[0] as Record<string, unknown>).presharedKeyFile = path;
    const file = writeAcl(dir, acl, `psk-${i}.json`);
    const checked = await run(["check", file]);
    assert.equal(checked.code, 1, JSON.stringify(path));
    assert.match(checked.stdout, /subnets\[0\]\.presharedKeyFile: expected an absolute path/);
    const out = join(dir, `out-${i}`);
    const generated = await run(["generate", file, "--configurer", "wg-quick", "--out", out]);
    assert.equal(generated.code, 1);
    assert.match(generated.stderr, /subnets\[0\]\.presharedKeyFile: expected an absolute path/);
    assert.throws(() => statSync(out), "no output directory is made");
  }
});

test("a hostile path in YAML and TOML ACLs is refused with its line", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const yaml = join(dir, "acl.yaml");
  writeFileSync(
    yaml,
    `version: v1
subnets: [{ name: lan, endpoints: [{ port: 51820 }] }]
groups: []
peers:
  - name: a
    subnets: { lan: { listenPort: 51820, ipAddresses: [10.0.0.1] } }
    publicKey: "${KEYS.a}"
    privateKeyFile: '/run/keys/$(touch /run/pwned)/a.key'
connections: [{ a: [], b: [] }]
`,
  );
  const ran = await run(["check", yaml]);
  assert.equal(ran.code, 1);
  assert.match(
    ran.stdout,
    /acl\.yaml: peers\[0\]\.privateKeyFile: expected an absolute path .*character 11 is "\$".*\(line 8, column \d+\)/,
  );
});

test("a key provider plugin answering a hostile path is refused, naming the provider and peer", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const plugin = join(dir, "hostile.mjs");
  writeFileSync(
    plugin,
    `export default { keyProviders: [{ name: "hostile", description: "answers hostile paths", forPeer: () => ({ privateKeyFile: () => ${JSON.stringify(HOSTILE_PATHS[0])}, presharedKeyFile: () => ${JSON.stringify(HOSTILE_PATHS[1])} }) }] };\n`,
  );
  const acl = meshAcl();
  const file = writeAcl(dir, acl);
  for (const command of ["generate", "check"]) {
    const ran = await run([
      command,
      file,
      ...["--plugin", plugin, "--key-provider", "hostile", "--key-provider", "acl"],
    ]);
    assert.equal(ran.code, 1, `${command}: ${ran.stdout}${ran.stderr}`);
    assert.match(
      ran.stdout + ran.stderr,
      /peers\[0\]\.privateKeyFile: key provider "hostile" answered a bad private key file while configuring peer "a": expected an absolute path of letters.*character 11 is "\$"/,
    );
  }
});

test("--keys-dir and --secrets-dir whose paths would reach the output are refused (exit 2)", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = writeAcl(dir, meshAcl());
  const keys = await run(["generate", file, "--keys-dir", join(dir, "my keys")]);
  assert.equal(keys.code, 2);
  assert.match(
    keys.stderr,
    /".*my keys": its files are named in the output.*a space.*\(--keys-dir\)/,
  );
  const secrets = await run([
    "generate",
    file,
    ...["--key-provider", "agenix", "--secrets-dir", "$(touch /run/pwned)"],
  ]);
  assert.equal(secrets.code, 2);
  assert.match(
    secrets.stderr,
    /"\$\(touch \/run\/pwned\)": .* a path of letters.*\(--secrets-dir\)/,
  );
  // A relative --secrets-dir stays allowed: the NixOS module makes its files flake paths.
  const relative = await run([
    "generate",
    file,
    ...["--key-provider", "agenix", "--key-provider", "acl", "--secrets-dir", "secrets"],
  ]);
  assert.equal(relative.code, 0, relative.stderr);
});
