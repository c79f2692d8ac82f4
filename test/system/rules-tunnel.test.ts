/**
 * Access rules on real tunnels: the office ACL (a hub routing the tunnel network for two laptops
 * and two servers, with rules) generated for wg-quick and brought up with the real `wg-quick`
 * (its PostUp loads the nftables table with the real `nft`) on wireguard-go, one network
 * namespace per host. Every host listens on tcp/22, tcp/80, tcp/443 and udp/53 (socat); every
 * host then tries every other host on each of those and by ping. What the namespaces let through
 * must be exactly what `check` predicts for the same ACL, probe by probe: both for the ACL's own
 * policy tests and for a test of every (source, target, service) of the matrix.
 */
import { strict as assert } from "node:assert";
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { Lab, must, removeStaleNamespaces, run } from "../support/netns.js";
import { fixtures, wirenixBin } from "../support/paths.js";
import { listen, pool, probe } from "../support/probes.js";

const WG_GO = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const HOSTS = ["hub", "laptop1", "laptop2", "server1", "server2"] as const;
const ADDRESS: Record<string, string> = {
  hub: "10.0.0.1",
  laptop1: "10.0.0.11",
  laptop2: "10.0.0.12",
  server1: "10.0.0.21",
  server2: "10.0.0.22",
};
const SERVICES = ["tcp/22", "tcp/80", "tcp/443", "udp/53", "icmp"] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let lab: Lab | undefined;
const listeners: ChildProcess[] = [];

before(async () => {
  await removeStaleNamespaces();
});

after(async () => {
  for (const child of listeners) child.kill("SIGKILL");
  await lab?.destroy();
});

interface JsonItem {
  severity: string;
  code: string;
  path: string;
  test?: { from: string; target: string; expect: string; reached: boolean };
}

async function wirenix(args: readonly string[]): Promise<{ code: number; stdout: string }> {
  const ran = await run(process.execPath, [wirenixBin, ...args], { timeoutMs: 120_000 });
  return { code: ran.code, stdout: ran.stdout + ran.stderr };
}

function listenOn(host: string, service: string): void {
  listeners.push(listen(lab as Lab, host, service));
}

async function probeFrom(from: string, address: string, service: string): Promise<boolean> {
  return probe(lab as Lab, from, address, service);
}

/** Every assertion's prediction from `check --format json`, keyed `from target`. */
async function predictions(acl: string, keyFlags: string[]): Promise<Map<string, boolean>> {
  const checked = await wirenix([
    "check",
    acl,
    "--format",
    "json",
    "--configurer",
    "wg-quick",
    ...keyFlags,
  ]);
  const items = (JSON.parse(checked.stdout) as { diagnostics: JsonItem[] }).diagnostics;
  const out = new Map<string, boolean>();
  for (const item of items)
    if (item.test) out.set(`${item.test.from} ${item.test.target}`, item.test.reached);
  return out;
}

test("the rules are enforced as check predicts, probe by probe", async (t) => {
  lab = await Lab.create(HOSTS);
  const acl = join(lab.dir, "office.yaml");
  writeFileSync(acl, readFileSync(join(fixtures, "rules", "office.yaml")));
  const keys = join(lab.dir, "keys");
  const out = join(lab.dir, "out");
  assert.equal((await wirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"])).code, 0);
  const keyFlags = ["--key-provider", "dir", "--keys-dir", keys];
  const checked = await wirenix(["check", acl, "--configurer", "wg-quick", ...keyFlags]);
  assert.equal(checked.code, 0, checked.stdout);
  assert.match(checked.stdout, /policy tests: 16 of 16 assertions passed in 4 tests/);
  const generated = await wirenix([
    "generate",
    acl,
    "--configurer",
    "wg-quick",
    ...keyFlags,
    "--out",
    out,
  ]);
  assert.equal(generated.code, 0, generated.stdout);

  for (const host of HOSTS) {
    await lab.mustExec(host, ["wg-quick", "up", join(out, host, "office.conf")], { env: WG_GO });
    // PostUp loaded the table with the real nft.
    const tables = await lab.mustExec(host, ["nft", "list", "tables"]);
    assert.match(tables, /table inet wirenix-rules-office/);
    for (const service of SERVICES) if (service !== "icmp") listenOn(host, service);
  }
  // Only the hub has an endpoint: every spoke says hello first (the packet itself may be
  // dropped by the rules; the handshake is not).
  for (let round = 0; round < 20; round++) {
    await Promise.all(
      HOSTS.slice(1).map((h) =>
        (lab as Lab).exec(h, ["ping", "-n", "-c", "1", "-W", "1", ADDRESS.hub as string]),
      ),
    );
    const shown = await lab.mustExec("hub", ["wg", "show", "office", "latest-handshakes"]);
    const times = shown
      .trim()
      .split("\n")
      .map((line) => Number(line.split("\t")[1]));
    if (times.length === 4 && times.every((x) => x > 0)) break;
    await sleep(250);
  }

  // The matrix: every host to every other, on every service, as check predicts it ...
  const matrix = parseYaml(readFileSync(acl, "utf8")) as Record<string, unknown>;
  matrix.tests = HOSTS.map((from) => ({
    from,
    reaches: HOSTS.filter((to) => to !== from).flatMap((to) => SERVICES.map((s) => `${to}:${s}`)),
  }));
  const matrixAcl = join(lab.dir, "matrix.yaml");
  writeFileSync(matrixAcl, toYaml(matrix));
  const predicted = await predictions(matrixAcl, keyFlags);
  const probes = HOSTS.flatMap((from) =>
    HOSTS.filter((to) => to !== from).flatMap((to) => SERVICES.map((s) => ({ from, to, s }))),
  );
  assert.equal(predicted.size, probes.length);
  // ... and as the namespaces let it through.
  const observed = await pool(
    probes.map((p) => () => probeFrom(p.from, ADDRESS[p.to] as string, p.s)),
    10,
  );
  const rows: string[] = [];
  const disagree: string[] = [];
  probes.forEach((p, i) => {
    const key = `${p.from} ${p.to}:${p.s}`;
    const seen = observed[i] as boolean;
    const said = predicted.get(key);
    rows.push(
      `${p.from.padEnd(8)} -> ${`${p.to}:${p.s}`.padEnd(16)} observed ${seen ? "pass" : "drop"}, check ${said ? "pass" : "drop"}`,
    );
    if (seen !== said) disagree.push(key);
  });
  t.diagnostic(`matrix (source -> target:service):\n${rows.join("\n")}`);
  assert.deepEqual(disagree, [], "check and the namespaces disagree");
  // Not a matrix of one answer: the rules both let through and drop.
  assert.ok(observed.some((x) => x) && observed.some((x) => !x));

  // The ACL's own tests, assertion by assertion, against the same observations.
  const own = await predictions(acl, keyFlags);
  assert.equal(own.size, 16);
  for (const [key, reached] of own) {
    const [from, target] = key.split(" ") as [string, string];
    const [name, service] = target.split(":") as [string, string | undefined];
    const services = service === undefined ? SERVICES : [service];
    const seen = (
      await Promise.all(services.map((s) => probeFrom(from, ADDRESS[name] as string, s)))
    ).some((x) => x);
    assert.equal(seen, reached, `${key}: observed ${seen}, check says ${reached}`);
  }

  // wg-quick down removes the table again.
  await lab.mustExec("server1", ["wg-quick", "down", join(out, "server1", "office.conf")], {
    env: WG_GO,
  });
  assert.doesNotMatch(await lab.mustExec("server1", ["nft", "list", "tables"]), /wirenix-rules/);
});

test("the networkd-files table loads with the real nft", async () => {
  const l = lab as Lab;
  const acl = join(l.dir, "office.yaml");
  const keys = join(l.dir, "keys");
  const out = join(l.dir, "networkd");
  const generated = await wirenix([
    ...["generate", acl, "--configurer", "networkd-files"],
    ...["--key-provider", "dir", "--keys-dir", keys, "--out", out],
  ]);
  assert.equal(generated.code, 0, generated.stdout);
  const file = join(out, "hub", "wirenix-rules-office.nft");
  // Loaded twice: the file replaces its table instead of doubling every rule.
  await must("ip", ["netns", "exec", l.ns("laptop1"), "nft", "-f", file]);
  await must("ip", ["netns", "exec", l.ns("laptop1"), "nft", "-f", file]);
  const listed = await must("ip", [
    "netns",
    "exec",
    l.ns("laptop1"),
    "nft",
    "list",
    "table",
    "inet",
    "wirenix-rules-office",
  ]);
  assert.equal(listed.match(/rules\[0\]/g)?.length, 2, listed);
  await must("ip", [
    "netns",
    "exec",
    l.ns("laptop1"),
    "nft",
    "delete",
    "table",
    "inet",
    "wirenix-rules-office",
  ]);
});

/**
 * Never wider than written: admin's address is written with its subnet's prefix length
 * (`10.0.0.2/24`, as real ACLs write interface addresses) and a rule lets admin in on tcp/22 and
 * icmp. The guest is in that /24 too; before, the rule admitted `ip saddr 10.0.0.2/24`, the
 * guest with it. Now only the host 10.0.0.2: admin passes, the guest is dropped, and `check`
 * says so beforehand.
 */
test("a rule from a peer written as 10.0.0.2/24 admits only that host", async (t) => {
  const hosts = ["server", "admin", "guest"] as const;
  const small = await Lab.create(hosts);
  t.after(() => small.destroy());
  const address = { server: "10.0.0.1", admin: "10.0.0.2", guest: "10.0.0.5" };
  const acl = join(small.dir, "wide.yaml");
  writeFileSync(
    acl,
    toYaml({
      version: "v1",
      subnets: [{ name: "wg", endpoints: [{ port: 51820 }] }],
      peers: [
        {
          name: "server",
          endpoints: [{ ip: small.underlay("server") }],
          subnets: { wg: { listenPort: 51820, ipAddresses: ["10.0.0.1"] } },
        },
        { name: "admin", subnets: { wg: { listenPort: 51820, ipAddresses: ["10.0.0.2/24"] } } },
        {
          name: "guest",
          groups: ["guest"],
          subnets: { wg: { listenPort: 51820, ipAddresses: ["10.0.0.5"] } },
        },
      ],
      connections: [
        {
          a: [{ type: "peer", rule: "is", value: "server" }],
          b: [{ type: "peer", rule: "not", value: "server" }],
        },
      ],
      rules: [
        {
          from: [{ type: "peer", rule: "is", value: "admin" }],
          to: [{ type: "peer", rule: "is", value: "server" }],
          allow: ["tcp/22", "icmp"],
        },
      ],
      tests: [
        { from: "admin", reaches: ["server:tcp/22", "server:icmp"] },
        { from: "guest", notReaches: ["server:tcp/22", "server:icmp"] },
      ],
    }),
  );
  const keys = join(small.dir, "keys");
  const out = join(small.dir, "out");
  assert.equal((await wirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"])).code, 0);
  const keyFlags = ["--key-provider", "dir", "--keys-dir", keys];
  const predicted = await predictions(acl, keyFlags);
  assert.deepEqual([...predicted].sort(), [
    ["admin server:icmp", true],
    ["admin server:tcp/22", true],
    ["guest server:icmp", false],
    ["guest server:tcp/22", false],
  ]);
  const generated = await wirenix([
    ...["generate", acl, "--configurer", "wg-quick", ...keyFlags, "--out", out],
  ]);
  assert.equal(generated.code, 0, generated.stdout);
  const serverConf = readFileSync(join(out, "server", "wg.conf"), "utf8");
  // The rule's source set holds admin's host alone, not the /24 it was written with.
  assert.match(
    serverConf,
    /'iifname "%i" ip saddr @v4_0 tcp dport @tcp_1 accept comment "rules\[0\]"'/,
  );
  assert.match(
    serverConf,
    /'set v4_0 \{' 'type ipv4_addr' 'flags interval' 'elements = \{ 10\.0\.0\.2 \}'/,
  );
  assert.doesNotMatch(serverConf, /elements = \{[^}]*\/24/);

  for (const host of hosts)
    await small.mustExec(host, ["wg-quick", "up", join(out, host, "wg.conf")], { env: WG_GO });
  const child = listen(small, "server", "tcp/22");
  t.after(() => child.kill("SIGKILL"));
  // Only the server has an endpoint: each client says hello first (the handshake passes even
  // where the rules drop the packet).
  for (let round = 0; round < 20; round++) {
    await Promise.all(
      ["admin", "guest"].map((h) =>
        small.exec(h, ["ping", "-n", "-c", "1", "-W", "1", address.server]),
      ),
    );
    const shown = await small.mustExec("server", ["wg", "show", "wg", "latest-handshakes"]);
    const times = shown
      .trim()
      .split("\n")
      .map((line) => Number(line.split("\t")[1]));
    if (times.length === 2 && times.every((x) => x > 0)) break;
    await sleep(250);
  }
  const observed: [string, boolean][] = [];
  for (const from of ["admin", "guest"] as const)
    for (const service of ["icmp", "tcp/22"]) {
      const seen = await probe(small, from, address.server, service);
      observed.push([`${from} server:${service}`, seen]);
    }
  t.diagnostic(`probes: ${JSON.stringify(observed)}`);
  assert.deepEqual(observed.sort(), [...predicted].sort());
});
