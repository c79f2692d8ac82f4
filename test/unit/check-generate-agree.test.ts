/**
 * `check` refuses everything `generate` refuses, through the same validation path: on every
 * bad-input fixture both exit 1, and each error `generate` prints, `check` prints too. And
 * `check` takes generate's key options, so it knows whether every key will be found.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fixtures, repoRoot } from "../support/paths.js";
import { tempDir, wirenixInProcess } from "../support/run.js";

interface Case {
  args?: string[];
}

const run = wirenixInProcess;

const dir = join(fixtures, "bad-input");
const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as Record<string, Case>;

test("check and generate agree on every bad-input fixture", async () => {
  let compared = 0;
  for (const [name, c] of Object.entries(cases)) {
    const file = relative(repoRoot, join(dir, name));
    const generate = await run(["generate", ...(c.args ?? []), file]);
    const check = await run(["check", ...(c.args ?? []), file]);
    assert.equal(generate.code, 1, `${name}: generate exits ${generate.code}`);
    assert.equal(check.code, 1, `${name}: check exits ${check.code}\n${check.stdout}`);
    const errors = generate.stderr
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("wirenix: warning: "))
      .map((l) => l.replace(/^wirenix: error: /, ""));
    const checked = `${check.stdout}\n${check.stderr}`;
    for (const line of errors)
      assert.ok(checked.includes(line), `${name}: check does not say\n${line}\nbut:\n${checked}`);
    compared++;
  }
  assert.ok(compared >= 70);
});

const ACL = {
  version: "v1",
  subnets: [{ name: "lan", endpoints: [{ port: 51820 }] }],
  peers: ["alpha", "beta"].map((name, i) => ({
    name,
    subnets: { lan: { listenPort: 51820, ipAddresses: [`10.0.0.${i + 1}`] } },
    endpoints: [{ ip: `192.0.2.${i + 1}` }],
  })),
  connections: [{ a: [], b: [] }],
};

test("check asks the key providers generate asks: a key not found is an error of both", async () => {
  const { dir: tmp, remove } = tempDir();
  try {
    const acl = join(tmp, "acl.json");
    writeFileSync(acl, JSON.stringify(ACL));
    // No keys in the ACL: with the acl provider neither command can find them.
    const strict = await run(["check", "--strict", acl]);
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /privateKeyFile/);
    const generate = await run(["generate", acl]);
    assert.equal(generate.code, 1);
    // Provided outside the ACL, agenix-rekey style: both find them.
    const secrets = join(tmp, "secrets");
    mkdirSync(secrets);
    writeFileSync(
      join(secrets, "wirenix-peer-alpha.pub"),
      "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=\n",
    );
    const partial = ["--key-provider", "agenix-rekey", "--secrets-dir", secrets, acl];
    const missing = await run(["check", ...partial]);
    assert.equal(missing.code, 1, missing.stdout);
    assert.match(missing.stdout, /wirenix-peer-beta\.pub/);
    assert.equal((await run(["generate", ...partial])).code, 1);
    writeFileSync(
      join(secrets, "wirenix-peer-beta.pub"),
      "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=\n",
    );
    const found = await run(["check", ...partial]);
    assert.equal(found.code, 0, found.stdout);
    const made = await run(["generate", ...partial]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=/);
    // An option generate refuses, check refuses the same way (exit 2).
    assert.equal((await run(["check", "--key-provider", "agenix-rekey", acl])).code, 2);
  } finally {
    remove();
  }
});
