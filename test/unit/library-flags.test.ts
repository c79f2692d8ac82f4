/**
 * The library words its problems without the command line's flags: a problem a flag fixes
 * names the library option (`Diagnostic.option`), and the CLI prints the flag after the
 * message (src/cli/hints.ts). Walks the library's results for each such problem in process,
 * then the CLI's output for the same problems.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseNixPathFlag } from "../../src/acl/nix-path.js";
import { parseAcl } from "../../src/acl/parse.js";
import type { Diagnostic, Result } from "../../src/core/diagnostics.js";
import { starterAclText } from "../../src/edit/init.js";
import { planAddPeer } from "../../src/edit/peers.js";
import {
  check,
  createRegistry,
  defineKeyProvider,
  generate,
  readAcl,
  writeOut,
} from "../../src/index.js";
import { encryptKeys } from "../../src/keys/encrypt.js";
import { generateKeys } from "../../src/keys/generate-dir.js";
import type { Network } from "../../src/network/model.js";
import { repoRoot } from "../support/paths.js";
import { tempDir, wirenixInProcess } from "../support/run.js";

const homelab = join(repoRoot, "examples", "homelab.yaml");

/** A flag of the command line in a message (`--out`, `--keys-dir`): the library words none. */
const FLAG = /(^|[\s(`])--[a-z]/;

/** 32 bytes ("hello world hello world hello wo") in base64: a private key no peer here has. */
const STRANGE_KEY = "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd28=";
/** The gateway's public key in examples/homelab.yaml: not the laptop's. */
const GATEWAY_PUBLIC = "kwBWcEJh7oiRrZYUVZvsQZy5WE56sSZsiIE8eXmgKms=";

/** [code, option] of each diagnostic of a failed result; no message names a flag. */
function problems<T>(result: Result<T>): [string, string | undefined][] {
  assert.ok(!result.ok, "expected a failure");
  return shown(result.diagnostics);
}

/** [code, option] of each diagnostic; no message names a flag. */
function shown(diagnostics: readonly Diagnostic[]): [string, string | undefined][] {
  for (const d of diagnostics) assert.doesNotMatch(d.message, FLAG, d.message);
  return diagnostics.map((d) => [d.code, d.option]);
}

function homelabNetwork(): Network {
  const read = readAcl(homelab);
  assert.ok(read.ok);
  return read.value.network;
}

/** An ACL of one subnet and peers without public keys. */
const keylessAcl = {
  version: "v1",
  subnets: [{ name: "lan", endpoints: [] }],
  groups: [],
  peers: [
    { name: "a", subnets: { lan: { listenPort: 51820 } } },
    { name: "b", subnets: { lan: { listenPort: 51820 } } },
  ],
};

/** `keylessAcl` as the network the key commands read. */
function keylessNetwork(): Network {
  const parsed = parseAcl(keylessAcl);
  assert.ok(parsed.ok);
  return parsed.value;
}

test("key providers name the option they need, not its flag; a plain string is the message", async () => {
  for (const [keyProviders, option] of [
    [["dir"], "keysDir"],
    [["agenix"], "secretsDir"],
    [["agenix-rekey"], "secretsDir"],
  ] as const) {
    const result = await generate(homelab, { keyProviders });
    assert.deepEqual(problems(result), [["usage", option]], keyProviders[0]);
  }
  const dir = await generate(homelab, { keyProviders: ["dir"] });
  assert.equal(
    !dir.ok && dir.diagnostics[0]?.message,
    "the dir key provider needs a keys directory",
  );
  // A plugin's provider that answers a string: its words, as they are, with no option.
  const registry = createRegistry().register({
    keyProviders: [
      defineKeyProvider({
        name: "vault",
        description: "keys in a vault",
        checkOptions: () => "the vault key provider needs VAULT_ADDR set",
        forPeer: () => ({}),
      }),
    ],
  });
  const vault = await generate(homelab, { registry, keyProviders: ["vault"] });
  assert.ok(!vault.ok);
  assert.deepEqual(
    vault.diagnostics.map((d) => [d.code, d.option, d.message]),
    [["usage", undefined, "the vault key provider needs VAULT_ADDR set"]],
  );
});

test("a key read only from the keys directory: no flag (the CLI adds it by the code)", async () => {
  const { dir, remove } = tempDir();
  try {
    const result = await writeOut(homelab, {
      configurer: "wg-quick",
      peers: ["nas"],
      inlinePrivateKeys: true,
      out: join(dir, "out"),
    });
    assert.deepEqual(problems(result), [["no-private-key", undefined]]);
    assert.match(
      !result.ok ? (result.diagnostics[0]?.message ?? "") : "",
      /keys are read into a configuration only from the keys directory \(DIR\/nas\.key\), never from a path the ACL or a provider names$/,
    );
  } finally {
    remove();
  }
});

test("a file in the way under the output directory: the option is out", async () => {
  const { dir, remove } = tempDir();
  try {
    const out = join(dir, "out");
    mkdirSync(join(out, "nas"), { recursive: true });
    writeFileSync(join(out, "nas", "hosts"), "127.0.0.1 localhost\n");
    const result = await writeOut(homelab, { configurer: "hosts", out });
    assert.deepEqual(problems(result), [["write-failed", "out"]]);
    assert.equal(readFileSync(join(out, "nas", "hosts"), "utf8"), "127.0.0.1 localhost\n");
  } finally {
    remove();
  }
});

test("check with a keys directory: a stale public key names no flag", () => {
  const { dir, remove } = tempDir();
  try {
    writeFileSync(join(dir, "laptop.pub"), `${GATEWAY_PUBLIC}\n`);
    const checked = check(homelab, { keysDir: dir });
    assert.ok(checked.ok);
    const stale = checked.value.diagnostics.filter((d) => d.code === "stale-public-key");
    assert.deepEqual(shown(stale), [["stale-public-key", undefined]]);
    assert.equal(checked.value.errors, 1);
  } finally {
    remove();
  }
});

test("keys generate's refusals name the options rotate and updatesAcl", async () => {
  const { dir, remove } = tempDir();
  try {
    const network = homelabNetwork();
    const rotate = await generateKeys(network, join(dir, "k"), { rotate: ["gamma"] });
    assert.deepEqual(problems(rotate), [["usage", "rotate"]]);
    const notChosen = await generateKeys(network, join(dir, "k"), {
      peers: ["nas"],
      rotate: ["media"],
    });
    assert.deepEqual(problems(notChosen), [["usage", "rotate"]]);
    // A private key that is not the laptop's, and a .pub that is not its public key.
    mkdirSync(join(dir, "k"), { mode: 0o700 });
    writeFileSync(join(dir, "k", "laptop.key"), `${STRANGE_KEY}\n`, { mode: 0o600 });
    writeFileSync(join(dir, "k", "laptop.pub"), `${GATEWAY_PUBLIC}\n`);
    const wrong = await generateKeys(network, join(dir, "k"), { peers: ["laptop"] });
    assert.deepEqual(problems(wrong), [
      ["invalid-key", "rotate"],
      ["key-mismatch", "updatesAcl"],
    ]);
    // A keys directory that is a symbolic link is refused, in words without a flag.
    symlinkSync(join(dir, "k"), join(dir, "link"));
    const linked = await generateKeys(keylessNetwork(), join(dir, "link"));
    assert.ok(!linked.ok);
    shown(linked.diagnostics);
    assert.match(linked.diagnostics[0]?.message ?? "", /is a symbolic link/);
  } finally {
    remove();
  }
});

test("keys encrypt's refusals name the options updatesAcl and recipients", async () => {
  const { dir, remove } = tempDir();
  try {
    mkdirSync(join(dir, "k"), { mode: 0o700 });
    writeFileSync(join(dir, "k", "laptop.key"), `${STRANGE_KEY}\n`, { mode: 0o600 });
    const mismatch = await encryptKeys(homelabNetwork(), join(dir, "k"), join(dir, "s"), {
      peers: ["laptop"],
      recipients: [],
    });
    assert.deepEqual(problems(mismatch), [["key-mismatch", "updatesAcl"]]);
    writeFileSync(join(dir, "k", "a.key"), `${STRANGE_KEY}\n`, { mode: 0o600 });
    const none = await encryptKeys(keylessNetwork(), join(dir, "k"), join(dir, "s"), {
      peers: ["a"],
      recipients: [],
    });
    assert.deepEqual(problems(none), [["no-recipients", "recipients"]]);
  } finally {
    remove();
  }
});

test("a kept age file: the library's reason is flag-free; the CLI's line names --reencrypt", async () => {
  const { generateX25519Identity, identityToRecipient } = await import("age-encryption");
  const recipient = await identityToRecipient(await generateX25519Identity());
  const { dir, remove } = tempDir();
  try {
    mkdirSync(join(dir, "k"), { mode: 0o700 });
    writeFileSync(join(dir, "k", "a.key"), `${STRANGE_KEY}\n`, { mode: 0o600 });
    const encrypt = () =>
      encryptKeys(keylessNetwork(), join(dir, "k"), join(dir, "s"), {
        peers: ["a"],
        recipients: [{ recipient, source: "test" }],
      });
    assert.ok((await encrypt()).ok);
    const again = await encrypt();
    assert.ok(again.ok);
    assert.deepEqual(
      again.value.outcomes.map((o) => [o.name, o.action, o.reason]),
      [["a", "kept", "up to date"]],
    );
    writeFileSync(join(dir, "acl.json"), JSON.stringify(keylessAcl));
    writeFileSync(join(dir, "recipients.txt"), `${recipient}\n`);
    const ran = await wirenixInProcess([
      ...["keys", "encrypt", join(dir, "acl.json"), "--peer", "a"],
      ...["--dir", join(dir, "k"), "--secrets-dir", join(dir, "s")],
      ...["--recipients", join(dir, "recipients.txt")],
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(
      ran.stdout,
      /^kept {9}peer a: .*\(1 recipient; up to date \(--reencrypt to encrypt again\)\)$/m,
    );
  } finally {
    remove();
  }
});

test("editing the ACL: the subnet and the pool are named as options", () => {
  const data = { version: "v1", subnets: [{ name: "a" }, { name: "b" }], groups: [], peers: [] };
  assert.deepEqual(problems(planAddPeer(data, { name: "x" })), [["usage", "subnet"]]);
  assert.deepEqual(problems(planAddPeer(data, { name: "x", subnet: "c" })), [["usage", "subnet"]]);
  for (const pool of ["10.0.0.1", "10.0.0.5/24"])
    assert.deepEqual(problems(starterAclText("net.yaml", { pool })), [["usage", "pool"]]);
});

test("the Nix path entry parser words no flag (the lints: test/unit/lints/safe-names.test.ts)", () => {
  assert.throws(() => parseNixPathFlag("nixpkgs", undefined), {
    message: "NIX_PATH has no entry nixpkgs=... (it is not set); give its directory as nixpkgs=DIR",
  });
});

/** The CLI in process, failing; what it printed (`check` reports on standard output). */
async function stderrOf(args: readonly string[]): Promise<string> {
  const ran = await wirenixInProcess(args);
  assert.notEqual(ran.code, 0, ran.stderr);
  return `${ran.stdout}${ran.stderr}`;
}

test("the CLI shows the flag of the option after the library's message", async () => {
  assert.match(
    await stderrOf(["generate", homelab, "--key-provider", "dir"]),
    /^wirenix: error: the dir key provider needs a keys directory \(--keys-dir\)$/m,
  );
  assert.match(
    await stderrOf(["generate", homelab, "--key-provider", "agenix"]),
    /^wirenix: error: the agenix key provider needs a secrets directory \(--secrets-dir\)$/m,
  );
  const { dir, remove } = tempDir();
  try {
    assert.match(
      await stderrOf(["keys", "generate", homelab, "--dir", join(dir, "k"), "--rotate", "gamma"]),
      /cannot rotate the keys of "gamma": no such peer in the ACL \(--rotate NAME\)$/m,
    );
    writeFileSync(join(dir, "laptop.pub"), `${GATEWAY_PUBLIC}\n`);
    assert.match(
      await stderrOf(["check", homelab, "--keys-dir", dir]),
      /peers\[3\]\.publicKey: differs from .*laptop\.pub; write the keys directory's public keys into the ACL, or have the keys directory asked first when generating \(keys generate --update-acl, or generate --keys-dir DIR\)/,
    );
    // add-peer's "(--subnet)": test/integration/acl-edit.test.ts.
    assert.match(
      await stderrOf(["init", join(dir, "new.yaml"), "--pool", "10.0.0.5/24"]),
      /the pool "10\.0\.0\.5\/24": host bits are set .*did you mean 10\.0\.0\.0\/24\? \(--pool\)$/m,
    );
    const out = join(dir, "out");
    mkdirSync(join(out, "nas"), { recursive: true });
    writeFileSync(join(out, "nas", "hosts"), "127.0.0.1 localhost\n");
    assert.match(
      await stderrOf(["generate", homelab, "--configurer", "hosts", "--out", out]),
      /or choose another output directory \(--out DIR\)$/m,
    );
    assert.match(
      await stderrOf([
        "generate",
        homelab,
        "--configurer",
        "wg-quick",
        "--peer",
        "nas",
        "--inline-private-keys",
        "--out",
        join(dir, "out2"),
      ]),
      /only from the keys directory \(DIR\/nas\.key\), never from a path the ACL or a provider names; or give --keys-dir DIR, the directory wirenix keys generate \S+ --dir DIR made the keys in \(line 37, column 5\)$/m,
    );
  } finally {
    remove();
  }
});
