/** `wirenix generate` with the file configurers: the tree under --out, modes, all-or-nothing. */
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { wirenixInProcess, withTempDir } from "../support/run.js";

const PRIVATE_A = "MIELhEc0I7BseAanhk/+LlY/+Yf7GK232vKWITExnEI=";

function aclFile(dir: string, withKeyB = false): string {
  const peer = (name: string, ip: string, publicKey: string, privateKey?: string) => ({
    name,
    subnets: { lan: { listenPort: 51820, ipAddresses: [ip] } },
    publicKey,
    privateKeyFile: `/etc/wg/${name}.key`,
    ...(privateKey ? { privateKey } : {}),
    endpoints: [{ ip: `192.0.2.${ip.split(".")[3]}` }],
  });
  const file = join(dir, "acl.json");
  writeFileSync(
    file,
    JSON.stringify({
      version: "v1",
      subnets: [{ name: "lan", endpoints: [{ port: 51820 }] }],
      groups: [],
      peers: [
        peer("a", "10.1.0.1", "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=", PRIVATE_A),
        peer(
          "b",
          "10.1.0.2",
          "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=",
          withKeyB ? "yG4mJiduoAvzhUJMslRbZwOp1gowSfC+wgY8B/Mul1M=" : undefined,
        ),
      ],
      connections: [{ a: [], b: [] }],
    }),
  );
  return file;
}

async function wirenix(...argv: string[]) {
  const ran = await wirenixInProcess(argv);
  return { code: ran.code, out: ran.stdout, err: ran.stderr };
}

const mode = (path: string) => statSync(path).mode & 0o777;

test("--out writes DIR/<peer>/<files>, a .conf 0600 in a 0700 directory, and says so in one line", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    const run = await wirenix("generate", aclFile(dir), "--configurer", "wg-quick", "--out", out);
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out, "");
    const lines = run.err.split("\n").filter(Boolean);
    assert.equal(lines.at(-1), `wirenix: wrote 2 hosts into ${out} (wg-quick: <host>/): a, b`);
    assert.ok(
      lines.slice(0, -1).every((line) => line.startsWith("wirenix: warning:")),
      "only warnings besides",
    );
    assert.deepEqual(readdirSync(out).sort(), [".wirenix-manifest.json", "a", "b"]);
    assert.deepEqual(readdirSync(join(out, "a")).sort(), ["hosts", "lan.conf"]);
    // The .conf names the private key file: wg-quick warns about any other mode.
    assert.equal(mode(join(out, "a", "lan.conf")), 0o600);
    // Every file a file configurer writes is 0600.
    assert.equal(mode(join(out, "a", "hosts")), 0o600);
    assert.equal(mode(join(out, "a")), 0o700);
    assert.match(
      readFileSync(join(out, "a", "lan.conf"), "utf8"),
      /^Endpoint = 192\.0\.2\.2:51820$/m,
    );
    const again = await wirenix(
      "generate",
      aclFile(dir),
      "--configurer",
      "networkd-files",
      "--out",
      out,
    );
    assert.equal(again.code, 0);
    assert.equal(mode(join(out, "b", "50-lan.netdev")), 0o600);
    assert.equal(mode(join(out, "b", "50-lan.network")), 0o600);
    assert.deepEqual(readdirSync(join(out, "b")).sort(), [
      "50-lan.netdev",
      "50-lan.network",
      "hosts",
      "lan.conf",
    ]);
  }));

test("--inline-private-keys: the key file is 0600 in a 0700 directory, never printed", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    const run = await wirenix(
      ...["generate", aclFile(dir, true), "--configurer", "wg-quick"],
      ...["--out", out, "--inline-private-keys"],
    );
    assert.equal(run.code, 0, run.err);
    assert.ok(!run.out.includes(PRIVATE_A) && !run.err.includes(PRIVATE_A));
    assert.equal(mode(join(out, "a", "lan.conf")), 0o600);
    assert.equal(mode(join(out, "a")), 0o700);
    // Every file a file configurer writes is 0600.
    assert.equal(mode(join(out, "a", "hosts")), 0o600);
    assert.match(readFileSync(join(out, "a", "lan.conf"), "utf8"), /^PrivateKey = /m);
  }));

test("a run that fails for one peer writes nothing at all", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    const argv = ["generate", aclFile(dir), "--configurer", "wg-quick", "--out", out];
    const run = await wirenix(...argv, "--inline-private-keys");
    assert.equal(run.code, 1);
    assert.match(
      run.err,
      /peers\[1\]\.privateKey: no private key for peer "b" to write into its configuration: \/etc\/wg\/b\.key is not read, since keys are read into a configuration only from the keys directory/,
    );
    assert.ok(!existsSync(out), "no directory made");
    // With earlier output in place, a failing run leaves it as it was.
    assert.equal((await wirenix(...argv)).code, 0);
    const before = readFileSync(join(out, "a", "lan.conf"), "utf8");
    assert.equal((await wirenix(...argv, "--inline-private-keys")).code, 1);
    assert.equal(readFileSync(join(out, "a", "lan.conf"), "utf8"), before);
    assert.deepEqual(
      readdirSync(join(out, "a")).sort(),
      ["hosts", "lan.conf"],
      "no temp files left",
    );
  }));

test("without --out the files map is printed as JSON; one peer's hosts file as itself", () =>
  withTempDir(async (dir) => {
    const file = await wirenix("generate", aclFile(dir), "--configurer", "hosts", "--peer", "a");
    assert.equal(file.code, 0, file.err);
    assert.match(file.out, /^# Generated by wirenix/);
    assert.match(file.out, /^10\.1\.0\.2 b\.lan$/m);
    const run = await wirenix(
      ...["generate", aclFile(dir), "--configurer", "hosts", "--peer", "a", "--format", "json"],
    );
    assert.equal(run.code, 0, run.err);
    const printed = JSON.parse(run.out);
    assert.deepEqual(Object.keys(printed), ["a"]);
    assert.equal(printed.a.files.hosts.secret, false);
    assert.match(printed.a.files.hosts.text, /^10\.1\.0\.2 b\.lan$/m);
    const nix = await wirenix("generate", aclFile(dir), "--configurer", "hosts", "--format", "nix");
    assert.match(nix.out, /^\{\n {2}a = \{/);
  }));

test("one --peer with one interface prints that interface's file, ready for wg-quick", () =>
  withTempDir(async (dir) => {
    const acl = aclFile(dir);
    const plain = await wirenix("generate", acl, "--configurer", "wg-quick", "--peer", "a");
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^# Generated by wirenix/);
    assert.match(plain.out, /^\[Interface\]$/m);
    assert.match(plain.out, /^PostUp = wg set %i private-key /m);
    const inline = await wirenix(
      ...["generate", acl, "--configurer", "wg-quick", "--peer", "a", "--subnet", "lan"],
      "--inline-private-keys",
    );
    assert.equal(inline.code, 0, inline.err);
    assert.ok(inline.out.includes(`PrivateKey = ${PRIVATE_A}\n`));
    assert.doesNotMatch(inline.out, /private-key/);
    assert.ok(!inline.err.includes(PRIVATE_A));
    // Several peers with their keys inline: only into files.
    const many = await wirenix(
      ...["generate", acl, "--configurer", "wg-quick"],
      "--inline-private-keys",
    );
    assert.equal(many.code, 2);
    assert.ok(!many.out.includes(PRIVATE_A) && !many.err.includes(PRIVATE_A));
    // --format json keeps the map of files.
    const json = await wirenix(
      ...["generate", acl, "--configurer", "wg-quick", "--peer", "a", "--format", "json"],
    );
    assert.deepEqual(Object.keys(JSON.parse(json.out).a.files), ["hosts", "lan.conf"]);
  }));

test("flags that do not fit the configurer are usage errors (exit 2)", () =>
  withTempDir(async (dir) => {
    const acl = aclFile(dir, true);
    const cases = [
      ["generate", acl, "--configurer", "wg-quick", "--inline-private-keys"],
      ["generate", acl, "--configurer", "static", "--inline-private-keys", "--out", join(dir, "o")],
      ["generate", acl, "--configurer", "wg-quick", "--merge", "--peer", "a", "--peer", "b"],
    ];
    for (const argv of cases) {
      const run = await wirenix(...argv);
      assert.equal(run.code, 2, argv.join(" "));
      assert.ok(!run.out.includes(PRIVATE_A) && !run.err.includes(PRIVATE_A));
    }
    assert.ok(!existsSync(join(dir, "o")));
  }));

test("a plugin's secret files are written 0600 under --out and never printed", () =>
  withTempDir(async (dir) => {
    const plugin = join(dir, "secret-plugin.mjs");
    writeFileSync(
      plugin,
      `export default { configurers: [{ name: "secret-files", description: "test", output: "files",
        configure: () => ({ files: { "wg/key": { text: "TOPSECRET\\n", secret: true } } }) }] };\n`,
    );
    const base = ["generate", aclFile(dir), "--plugin", plugin, "--configurer", "secret-files"];
    const printed = await wirenix(...base);
    assert.equal(printed.code, 1);
    assert.ok(!printed.out.includes("TOPSECRET") && !printed.err.includes("TOPSECRET"));
    assert.match(
      printed.err,
      /wg\/key holds a secret and is never printed; write the files into a directory \(--out DIR\)/,
    );
    const out = join(dir, "out");
    assert.equal((await wirenix(...base, "--out", out)).code, 0);
    assert.equal(mode(join(out, "a", "wg", "key")), 0o600);
    assert.equal(mode(join(out, "a", "wg")), 0o700);
    assert.equal(mode(join(out, "a")), 0o700);
  }));

test("when the file system refuses, the run says so (exit 1) and leaves nothing behind", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    const run0 = await wirenix("generate", aclFile(dir), "--configurer", "hosts", "--out", out);
    assert.equal(run0.code, 0);
    // "b" is now a file where a directory must go.
    rmSync(join(out, "b"), { recursive: true });
    writeFileSync(join(out, "b"), "in the way\n");
    const before = readFileSync(join(out, "a", "hosts"), "utf8");
    const run = await wirenix("generate", aclFile(dir), "--configurer", "wg-quick", "--out", out);
    assert.equal(run.code, 1);
    assert.match(
      run.err,
      /cannot write \S+\/out\/b: a file is in the way of a directory \(ENOTDIR\); nothing under \S+\/out was changed/,
    );
    assert.deepEqual(readdirSync(join(out, "a")), ["hosts"]);
    assert.equal(readFileSync(join(out, "a", "hosts"), "utf8"), before);
  }));
