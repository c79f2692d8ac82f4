/** Policy tests in the ACL and the `check` command around them, through the real CLI. */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse as parseYaml, stringify as toYaml } from "yaml";
// The shape of `check --format json` only, as the CLI declares it: no value comes from it.
import type { CheckJson, CheckJsonItem, CheckSummary } from "../../src/cli/check.js";
import { fixtures } from "../support/paths.js";
import { wirenixInProcess } from "../support/run.js";

const spokeYaml = join(fixtures, "check", "example-spoke.yaml");
const dir = mkdtempSync(join(tmpdir(), "wirenix-check-"));

type Item = CheckJsonItem;

/** The spoke example with other policy tests, written as YAML by the yaml package. */
function spokeWith(tests: unknown, name: string): string {
  const acl = parseYaml(readFileSync(spokeYaml, "utf8")) as Record<string, unknown>;
  acl.tests = tests;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, toYaml(acl));
  return file;
}

/** The findings of `check --format json`, apart from them the passed assertions, and the summary. */
async function checkJson(
  file: string,
  ...flags: string[]
): Promise<{ code: number | null; items: Item[]; passed: Item[]; summary: CheckSummary }> {
  const run = await wirenixInProcess(["check", file, "--format", "json", ...flags]);
  assert.equal(run.stderr, "");
  const json = JSON.parse(run.stdout) as CheckJson;
  return {
    code: run.code,
    items: json.diagnostics.filter((i) => i.severity !== "info"),
    passed: json.diagnostics.filter((i) => i.severity === "info"),
    summary: json.summary,
  };
}

test("the example's policy tests pass: exit 0, nothing reported", async () => {
  const run = await wirenixInProcess(["check", spokeYaml]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /0 errors, 0 warnings; policy tests: 7 of 7 assertions passed in 2 tests/,
  );
  const json = await checkJson(spokeYaml);
  assert.deepEqual(json.items, []);
  assert.deepEqual(
    json.passed.map((i) => [i.code, i.path]),
    [
      ["policy-passed", "tests[0].reaches[0]"],
      ["policy-passed", "tests[0].reaches[1]"],
      ["policy-passed", "tests[0].notReaches[0]"],
      ["policy-passed", "tests[0].notReaches[1]"],
      ["policy-passed", "tests[1].reaches[0]"],
      ["policy-passed", "tests[1].reaches[1]"],
      ["policy-passed", "tests[1].reaches[2]"],
    ],
  );
  // The JSON keeps the summary: which policy tests ran and passed.
  assert.deepEqual(json.summary.policy, { tests: 2, assertions: 7, passed: 7, failed: 0 });
  assert.equal(json.summary.errors, 0);
  assert.match(json.summary.text, /policy tests: 7 of 7 assertions passed in 2 tests/);
});

test("a failing reaches names the test, the pair and where it stands", async () => {
  const file = spokeWith([{ from: "leaf1", reaches: ["central", "leaf2"] }], "reach-fails");
  const { code, items } = await checkJson(file);
  assert.equal(code, 1);
  assert.equal(items.length, 1);
  const [item] = items as [Item];
  assert.equal(item.code, "policy-failed");
  assert.equal(item.severity, "error");
  assert.equal(item.path, "tests[0].reaches[1]");
  assert.match(item.message, /tests\[0\] \(from "leaf1"\) failed: "leaf1" does not reach "leaf2"/);
  assert.equal(item.file, file);
  assert.equal(typeof item.line, "number");
});

test("a failing notReaches says on which subnet and by which connection", async () => {
  const file = spokeWith(
    [{ from: "leaf3", notReaches: ["leaf1", "central.mySpoke"] }],
    "not-fails",
  );
  const { code, items } = await checkJson(file);
  assert.equal(code, 1);
  assert.deepEqual(
    items.map((i) => [i.code, i.path]),
    [["policy-failed", "tests[0].notReaches[1]"]],
  );
  assert.match(
    items[0]?.message ?? "",
    /"leaf3" reaches "central" on subnet "mySpoke" by connections\[0\]/,
  );
  const text = await wirenixInProcess(["check", file]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^error: .*not-fails\.yaml: tests\[0\]\.notReaches\[1\]: /m);
  assert.match(text.stdout, /policy tests: 1 of 2 assertions passed in 1 test/);
});

test("the shape of tests is checked, with paths", async () => {
  const file = spokeWith(
    [
      { from: "leaf9", reaches: ["central"] },
      { from: "leaf1", reaches: "central" },
      { from: "leaf1", reaches: ["central.nowhere", "nobody", 7, "leaf1"], notreaches: [] },
      "leaf1",
      { reaches: ["central"] },
    ],
    "shapes",
  );
  const { code, items } = await checkJson(file);
  assert.equal(code, 1);
  assert.deepEqual(
    items.map((i) => [i.severity, i.code, i.path]),
    [
      ["error", "unknown-reference", "tests[0].from"],
      ["error", "invalid-test", "tests[1].reaches"],
      ["warning", "unknown-key", "tests[2].notreaches"],
      ["error", "unknown-reference", "tests[2].reaches[0]"],
      ["error", "unknown-reference", "tests[2].reaches[1]"],
      ["error", "invalid-test", "tests[2].reaches[2]"],
      ["error", "invalid-test", "tests[2].reaches[3]"],
      ["error", "invalid-test", "tests[3]"],
      ["error", "invalid-test", "tests[4].from"],
    ],
  );
  assert.match(items[3]?.message ?? "", /unknown subnet "nowhere"/);
  assert.match(items[4]?.message ?? "", /unknown peer "nobody"/);
});

test("tests that are not a list are one error", async () => {
  const file = spokeWith({ from: "leaf1" }, "not-a-list");
  const { code, items } = await checkJson(file);
  assert.equal(code, 1);
  assert.deepEqual(
    items.map((i) => [i.code, i.path]),
    [["invalid-test", "tests"]],
  );
});

test("subnet names with dots: peer.subnet splits at the first dot, as peer names have none", async () => {
  const acl = {
    version: "v1",
    subnets: [{ name: "lan.home", endpoints: [{ port: 51820 }] }],
    groups: [],
    peers: ["gw", "nas"].map((name, i) => ({
      name,
      subnets: { "lan.home": { listenPort: 51820 } },
      endpoints: [{ ip: `192.168.1.${i + 1}` }],
      // check configures every peer as generate does, so the keys must be there.
      publicKey: [
        "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=",
        "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=",
      ][i],
      privateKeyFile: "/etc/wg-key",
    })),
    connections: [{ a: [], b: [] }],
    tests: [{ from: "nas", reaches: ["gw", "gw.lan.home"] }],
  };
  const file = join(dir, "dots.json");
  writeFileSync(file, JSON.stringify(acl));
  const { code, items } = await checkJson(file);
  assert.equal(code, 0, JSON.stringify(items));
  assert.deepEqual(items, []);
  // A dot in a peer name is refused (intentional difference 9): `gw.home.lan.home` could not
  // be read one way only.
  (acl.peers[0] as { name: string }).name = "gw.home";
  writeFileSync(file, JSON.stringify(acl));
  const dotted = await checkJson(file);
  assert.equal(dotted.code, 1);
  assert.ok(
    dotted.items.some((i) => i.path === "peers[0].name" && /safe peer name/.test(i.message)),
  );
});

test("exit codes: warnings alone pass, --strict fails them, usage errors exit 2", async () => {
  const acl = parseYaml(readFileSync(spokeYaml, "utf8")) as Record<string, unknown>;
  (acl.groups as unknown[]).push({ name: "unused" });
  const file = join(dir, "warning.yaml");
  writeFileSync(file, toYaml(acl));
  const loose = await checkJson(file);
  assert.equal(loose.code, 0);
  assert.deepEqual(
    loose.items.map((i) => [i.severity, i.code, i.path]),
    [["warning", "empty-group", "groups[0]"]],
  );
  assert.equal((await checkJson(file, "--strict")).code, 1);
  assert.equal((await wirenixInProcess(["check", file, "--format", "xml"])).code, 2);
  assert.equal((await wirenixInProcess(["check"])).code, 2);
});

test("an invalid ACL is exit 1 with its validation errors, in JSON too", async () => {
  const file = join(dir, "invalid.json");
  writeFileSync(file, JSON.stringify({ version: "v1", subnets: [], groups: [], peers: [{}] }));
  const { code, items } = await checkJson(file);
  assert.equal(code, 1);
  assert.ok(items.some((i) => i.path === "peers[0].name" && i.severity === "error"));
  // `connections` is read lazily (only by peers on a subnet), so it is no error of the file.
  // What belongs there and what was found are fields of their own.
  const port = join(dir, "port.json");
  writeFileSync(
    port,
    JSON.stringify({
      version: "v1",
      subnets: [{ name: "lan", endpoints: [] }],
      groups: [],
      peers: [{ name: "a", subnets: { lan: { listenPort: 70000 } } }],
      connections: [],
    }),
  );
  const wrong = (await checkJson(port)).items.find(
    (i) => i.path === "peers[0].subnets.lan.listenPort",
  );
  assert.equal(wrong?.code, "invalid-value");
  assert.equal(wrong?.expected, "an integer 1-65535");
  assert.equal(wrong?.received, "70000");
  const missing = await checkJson(join(dir, "absent.json"));
  assert.equal(missing.code, 1);
  assert.equal(missing.items[0]?.code, "load-failed");
});

test("a target with an IPv6 zone ID is refused with its path", async () => {
  const file = spokeWith(
    [{ from: "leaf1", reaches: ["fe80::1%eth0", "fd00::1%lo:tcp/22", "central"] }],
    "zone",
  );
  const { code, items } = await checkJson(file);
  assert.equal(code, 1);
  assert.deepEqual(
    items.map((i) => [i.severity, i.code, i.path]),
    [
      ["error", "ipv6-zone-id", "tests[0].reaches[0]"],
      ["error", "ipv6-zone-id", "tests[0].reaches[1]"],
    ],
  );
  assert.match(
    items[0]?.message ?? "",
    /"fe80::1%eth0": expected an address without an IPv6 zone ID/,
  );
});
