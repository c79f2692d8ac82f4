/**
 * The firewall follows the device wg-quick really creates. The office ACL (rules) generated for
 * wg-quick, each host's file saved under another name as users name them (wg-quick names the
 * interface after the file), brought up with the real wg-quick on wireguard-go: every host's
 * table is the renamed device's, loaded before the interface carries traffic, and every probe
 * of the matrix does what `check` predicts. Then one host in two networks: two ACLs whose files
 * are both `wg.conf`, saved as `home.conf` and `work.conf` on one host; and two peers of one ACL
 * on one host with `--dev-name-method hash`. Each device keeps its own table and is filtered
 * by its own rules (expected outcomes written by hand).
 */
import { strict as assert } from "node:assert";
import type { ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { Lab, must, removeStaleNamespaces, run } from "../support/netns.js";
import { fixtures, wirenixBin } from "../support/paths.js";
import { listen, outcome, pool, probe } from "../support/probes.js";

const WG_GO = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const labs: Lab[] = [];
const listeners: ChildProcess[] = [];

before(async () => {
  await removeStaleNamespaces();
});

after(async () => {
  for (const child of listeners) child.kill("SIGKILL");
  for (const lab of labs) await lab.destroy();
});

async function newLab(hosts: readonly string[]): Promise<Lab> {
  const lab = await Lab.create(hosts);
  labs.push(lab);
  return lab;
}

async function wirenix(args: readonly string[]): Promise<{ code: number; stdout: string }> {
  const ran = await run(process.execPath, [wirenixBin, ...args], { timeoutMs: 120_000 });
  return { code: ran.code, stdout: ran.stdout + ran.stderr };
}

async function mustWirenix(args: readonly string[]): Promise<string> {
  const ran = await wirenix(args);
  assert.equal(ran.code, 0, `wirenix ${args.join(" ")}:\n${ran.stdout}`);
  return ran.stdout;
}

/** Copies a generated file to `dir/name` as a user saves it (mode 0600, as wg-quick wants). */
function saveAs(from: string, dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const to = join(dir, name);
  copyFileSync(from, to);
  chmodSync(to, 0o600);
  return to;
}

/** Pings `address` from each of `hosts` until every one has a handshake (the rules may drop the ping). */
async function greet(lab: Lab, hosts: readonly string[], address: (host: string) => string) {
  for (let round = 0; round < 20; round++) {
    const results = await Promise.all(
      hosts.map(async (h) => {
        await lab.exec(h, ["ping", "-n", "-c", "1", "-W", "1", address(h)]);
        const shown = await lab.exec(h, ["wg", "show", "all", "latest-handshakes"]);
        return shown.stdout
          .trim()
          .split("\n")
          .every((line) => Number(line.split("\t")[2]) > 0);
      }),
    );
    if (results.every((x) => x)) return;
    await sleep(250);
  }
}

const OFFICE_HOSTS = ["hub", "laptop1", "laptop2", "server1", "server2"] as const;
const OFFICE_ADDRESS: Record<string, string> = {
  hub: "10.0.0.1",
  laptop1: "10.0.0.11",
  laptop2: "10.0.0.12",
  server1: "10.0.0.21",
  server2: "10.0.0.22",
};
/** How each host's file is saved, and the table wg-quick's device then gets (by hand). */
const RENAMED: Record<string, { file: string; table: string }> = {
  hub: { file: "home-net.conf", table: "wirenix-rules-home-net" },
  laptop1: { file: "alice.conf", table: "wirenix-rules-alice" },
  laptop2: { file: "wg0.conf", table: "wirenix-rules-wg0" },
  server1: { file: "srv_1.conf", table: "wirenix-rules-srv_1" },
  // nft names take no + or =: they become /2b and /3d.
  server2: { file: "a+b=c.conf", table: "wirenix-rules-a/2bb/3dc" },
};
const SERVICES = ["tcp/22", "tcp/80", "udp/53", "icmp"] as const;

test("renamed wg-quick files: each device filtered by its own table, as check predicts", async (t) => {
  const lab = await newLab(OFFICE_HOSTS);
  const acl = join(lab.dir, "office.yaml");
  writeFileSync(acl, readFileSync(join(fixtures, "rules", "office.yaml")));
  const keys = join(lab.dir, "keys");
  await mustWirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"]);
  const keyFlags = ["--key-provider", "dir", "--keys-dir", keys];
  const out = join(lab.dir, "out");
  await mustWirenix(["generate", acl, "--configurer", "wg-quick", ...keyFlags, "--out", out]);

  const files: Record<string, string> = {};
  for (const host of OFFICE_HOSTS) {
    const { file, table } = RENAMED[host] as { file: string; table: string };
    files[host] = saveAs(join(out, host, "office.conf"), join(lab.dir, "saved", host), file);
    await lab.mustExec(host, ["wg-quick", "up", files[host] as string], { env: WG_GO });
    // The table of the renamed device, loaded by PreUp, matching that device.
    const listed = await lab.mustExec(host, ["nft", "list", "table", "inet", table]);
    const device = file.slice(0, -".conf".length);
    assert.match(listed, new RegExp(`iifname "${device.replace(/[+=.]/g, "\\$&")}" drop`));
    assert.doesNotMatch(listed, /iifname "office"/);
    for (const service of SERVICES)
      if (service !== "icmp") listeners.push(listen(lab, host, service));
  }
  await greet(lab, OFFICE_HOSTS.slice(1), () => OFFICE_ADDRESS.hub as string);

  // check's prediction of every (source, target, service), from a policy test of the matrix.
  const matrix = parseYaml(readFileSync(acl, "utf8")) as Record<string, unknown>;
  matrix.tests = OFFICE_HOSTS.map((from) => ({
    from,
    reaches: OFFICE_HOSTS.filter((to) => to !== from).flatMap((to) =>
      SERVICES.map((s) => `${to}:${s}`),
    ),
  }));
  const matrixAcl = join(lab.dir, "matrix.yaml");
  writeFileSync(matrixAcl, toYaml(matrix));
  const checked = await wirenix(["check", matrixAcl, "--format", "json", ...keyFlags]);
  const predicted = new Map<string, boolean>();
  for (const item of (
    JSON.parse(checked.stdout) as {
      diagnostics: { test?: { from: string; target: string; reached: boolean } }[];
    }
  ).diagnostics)
    if (item.test) predicted.set(`${item.test.from} ${item.test.target}`, item.test.reached);

  const probes = OFFICE_HOSTS.flatMap((from) =>
    OFFICE_HOSTS.filter((to) => to !== from).flatMap((to) =>
      SERVICES.map((s) => ({ from, to, s })),
    ),
  );
  assert.equal(predicted.size, probes.length);
  const observed = await pool(
    probes.map((p) => () => probe(lab, p.from, OFFICE_ADDRESS[p.to] as string, p.s)),
    10,
  );
  const rows: string[] = [];
  const disagree: string[] = [];
  const seenAt = new Map<string, Set<boolean>>();
  probes.forEach((p, i) => {
    const seen = observed[i] as boolean;
    const said = predicted.get(`${p.from} ${p.to}:${p.s}`);
    const file = RENAMED[p.to]?.file as string;
    rows.push(
      `${p.from.padEnd(8)} -> ${`${p.to}:${p.s}`.padEnd(16)} (${file.padEnd(13)}) observed ${seen ? "pass" : "drop"}, check ${said ? "pass" : "drop"}`,
    );
    if (seen !== said) disagree.push(`${p.from} ${p.to}:${p.s}`);
    seenAt.set(p.to, (seenAt.get(p.to) ?? new Set()).add(seen));
  });
  t.diagnostic(`probes (source -> target:service (its file)):\n${rows.join("\n")}`);
  assert.deepEqual(disagree, [], "check and the namespaces disagree");
  // On every renamed file, something a rule allows passes and something no rule allows is dropped.
  for (const host of OFFICE_HOSTS)
    assert.deepEqual(seenAt.get(host), new Set([true, false]), `${RENAMED[host]?.file}`);

  for (const host of OFFICE_HOSTS) {
    await lab.mustExec(host, ["wg-quick", "down", files[host] as string], { env: WG_GO });
    assert.doesNotMatch(await lab.mustExec(host, ["nft", "list", "tables"]), /wirenix-rules/);
  }
});

/** One subnet `wg` with two peers: `shared` (dialled) and `other`, and one rule. */
function twoPeerAcl(
  shared: { address: string; port: number },
  other: { name: string; address: string },
  allow: string,
): object {
  return {
    version: "v1",
    subnets: [{ name: "wg", endpoints: [{ port: shared.port }] }],
    peers: [
      {
        name: "x",
        endpoints: [{ ip: "10.250.0.1" }],
        subnets: { wg: { listenPort: shared.port, ipAddresses: [shared.address] } },
      },
      { name: other.name, subnets: { wg: { listenPort: 51820, ipAddresses: [other.address] } } },
    ],
    connections: [{ a: [{ type: "peer", rule: "is", value: "x" }], b: [] }],
    rules: [
      {
        from: [{ type: "peer", rule: "is", value: other.name }],
        to: [{ type: "peer", rule: "is", value: "x" }],
        allow: [allow],
      },
    ],
  };
}

/** Probes the hand-written expectations from each client to its address on `shared`. */
async function expectFiltered(
  lab: Lab,
  cases: { from: string; to: string; pass: string[]; drop: string[] }[],
): Promise<string[]> {
  const rows: string[] = [];
  for (const c of cases) {
    for (const s of c.pass) {
      const seen = await probe(lab, c.from, c.to, s);
      rows.push(`${c.from} -> ${c.to}:${s} observed ${seen ? "pass" : "drop"}, expected pass`);
      assert.equal(seen, true, `${c.from} -> ${c.to}:${s} must pass`);
    }
    for (const s of c.drop) {
      const seen = await probe(lab, c.from, c.to, s);
      rows.push(`${c.from} -> ${c.to}:${s} observed ${seen ? "pass" : "drop"}, expected drop`);
      assert.equal(seen, false, `${c.from} -> ${c.to}:${s} must be dropped`);
    }
  }
  return rows;
}

test("one host in two networks: two ACLs, and two peers of one ACL with hash names", async (t) => {
  const lab = await newLab(["shared", "a", "b"]);
  for (const port of ["22", "80"]) listeners.push(listen(lab, "shared", `tcp/${port}`));

  // Two ACLs, both made by the same steps: each writes `wg.conf` for the shared host.
  const home = join(lab.dir, "home.json");
  const work = join(lab.dir, "work.json");
  writeFileSync(
    home,
    JSON.stringify(
      twoPeerAcl(
        { address: "10.1.0.1", port: 51830 },
        { name: "a", address: "10.1.0.2" },
        "tcp/22",
      ),
    ),
  );
  writeFileSync(
    work,
    JSON.stringify(
      twoPeerAcl(
        { address: "10.2.0.1", port: 51831 },
        { name: "b", address: "10.2.0.2" },
        "tcp/80",
      ),
    ),
  );
  const up: { host: string; file: string }[] = [];
  for (const [acl, client, name] of [
    [home, "a", "home.conf"],
    [work, "b", "work.conf"],
  ] as const) {
    const keys = `${acl}.keys`;
    await mustWirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"]);
    const out = `${acl}.out`;
    await mustWirenix([
      ...["generate", acl, "--configurer", "wg-quick", "--out", out],
      ...["--key-provider", "dir", "--keys-dir", keys],
    ]);
    up.push({ host: "shared", file: saveAs(join(out, "x", "wg.conf"), `${out}/saved`, name) });
    up.push({
      host: client,
      file: saveAs(join(out, client, "wg.conf"), `${out}/${client}`, "wg.conf"),
    });
  }
  for (const u of up) await lab.mustExec(u.host, ["wg-quick", "up", u.file], { env: WG_GO });
  const tables = await lab.mustExec("shared", ["nft", "list", "tables"]);
  assert.match(tables, /table inet wirenix-rules-home\n/);
  assert.match(tables, /table inet wirenix-rules-work\n/);
  await greet(lab, ["a"], () => "10.1.0.1");
  await greet(lab, ["b"], () => "10.2.0.1");
  const rows = await expectFiltered(lab, [
    { from: "a", to: "10.1.0.1", pass: ["tcp/22"], drop: ["tcp/80", "icmp"] },
    { from: "b", to: "10.2.0.1", pass: ["tcp/80"], drop: ["tcp/22", "icmp"] },
  ]);
  t.diagnostic(`two ACLs (home.conf, work.conf on one host):\n${rows.join("\n")}`);
  for (const u of up.reverse())
    await lab.mustExec(u.host, ["wg-quick", "down", u.file], { env: WG_GO });

  // One ACL, two of its peers on the shared host (/32 addresses: two interfaces on one host
  // cannot both route the subnet's prefix) (p and q, as --merge joins them), with hash
  // device names: wn. and the first 12 hex digits of sha256("<peer>.lan").
  const devices = {
    p: "wn.230093963b14",
    q: "wn.6133de111a07",
    a: "wn.ac47fdbb0e24",
    b: "wn.c5d021fe135c",
  };
  const merged = join(lab.dir, "merged.json");
  const member = (address: string, port: number) => ({
    lan: { listenPort: port, ipAddresses: [address] },
  });
  const peerIs = (value: string) => [{ type: "peer", rule: "is", value }];
  writeFileSync(
    merged,
    JSON.stringify({
      version: "v1",
      subnets: [{ name: "lan", endpoints: [] }],
      peers: [
        {
          name: "p",
          endpoints: [{ ip: "10.250.0.1", port: 51840 }],
          subnets: member("10.3.0.1/32", 51840),
        },
        {
          name: "q",
          endpoints: [{ ip: "10.250.0.1", port: 51841 }],
          subnets: member("10.3.0.2/32", 51841),
        },
        { name: "a", subnets: member("10.3.0.11", 51820) },
        { name: "b", subnets: member("10.3.0.12", 51820) },
      ],
      connections: [
        { a: peerIs("p"), b: peerIs("a") },
        { a: peerIs("q"), b: peerIs("b") },
      ],
      rules: [
        { from: peerIs("a"), to: peerIs("p"), allow: ["tcp/22"] },
        { from: peerIs("b"), to: peerIs("q"), allow: ["tcp/80"] },
      ],
    }),
  );
  const keys = `${merged}.keys`;
  await mustWirenix(["keys", "generate", merged, "--dir", keys, "--update-acl"]);
  const flags = ["--key-provider", "dir", "--keys-dir", keys, "--dev-name-method", "hash"];
  const out = `${merged}.out`;
  await mustWirenix(["generate", merged, "--configurer", "wg-quick", "--out", out, ...flags]);
  const mergedUp = [
    { host: "shared", peer: "p" },
    { host: "shared", peer: "q" },
    { host: "a", peer: "a" },
    { host: "b", peer: "b" },
  ].map(({ host, peer }) => {
    const file = join(out, peer, `${devices[peer as keyof typeof devices]}.conf`);
    chmodSync(file, 0o600);
    return { host, file };
  });
  for (const u of mergedUp) await lab.mustExec(u.host, ["wg-quick", "up", u.file], { env: WG_GO });
  const mergedTables = await lab.mustExec("shared", ["nft", "list", "tables"]);
  for (const device of [devices.p, devices.q])
    assert.match(
      mergedTables,
      new RegExp(`table inet wirenix-rules-${device.replace(".", "\\.")}\n`),
    );
  await greet(lab, ["a"], () => "10.3.0.1");
  await greet(lab, ["b"], () => "10.3.0.2");
  const mergedRows = await expectFiltered(lab, [
    { from: "a", to: "10.3.0.1", pass: ["tcp/22"], drop: ["tcp/80", "icmp"] },
    { from: "b", to: "10.3.0.2", pass: ["tcp/80"], drop: ["tcp/22", "icmp"] },
  ]);
  t.diagnostic(`two peers of one ACL on one host (hash names):\n${mergedRows.join("\n")}`);
  for (const u of mergedUp.reverse())
    await lab.mustExec(u.host, ["wg-quick", "down", u.file], { env: WG_GO });

  // The same two peers' networkd-files tables loaded on one host: both stay.
  const files = `${merged}.networkd`;
  await mustWirenix([
    "generate",
    merged,
    "--configurer",
    "networkd-files",
    "--out",
    files,
    ...flags,
  ]);
  for (const peer of ["p", "q"] as const)
    await must("ip", [
      ...["netns", "exec", lab.ns("shared"), "nft", "-f"],
      join(files, peer, `wirenix-rules-${devices[peer]}.nft`),
    ]);
  const loaded = await lab.mustExec("shared", ["nft", "list", "tables"]);
  for (const device of [devices.p, devices.q])
    assert.match(loaded, new RegExp(`table inet wirenix-rules-${device.replace(".", "\\.")}\n`));
});

test("#29 rules in the field: two networks on one host, files renamed, one rejecting and one dropping, a routed network as target", async (t) => {
  const lab = await newLab(["shared", "a", "b"]);
  for (const port of ["22", "80"]) listeners.push(listen(lab, "shared", `tcp/${port}`));
  // a routes 10.9.0.0/24 (named a-lan) and holds 10.9.0.5 in it itself, as a router holds an
  // address on its LAN.
  // (On its loopback: these kernels have no dummy devices.)
  await lab.mustExec("a", ["ip", "addr", "add", "10.9.0.5/32", "dev", "lo"]);
  for (const port of ["22", "80"]) listeners.push(listen(lab, "a", `tcp/${port}`));

  const peerIs = (value: string) => [{ type: "peer", rule: "is", value }];
  const acl = (
    port: number,
    prefix: string,
    client: string,
    extra: Record<string, unknown>,
  ): object => ({
    version: "v1",
    subnets: [{ name: "wg", endpoints: [{ port }] }],
    peers: [
      {
        name: "x",
        endpoints: [{ ip: "10.250.0.1" }],
        subnets: { wg: { listenPort: port, ipAddresses: [`${prefix}.1`] } },
      },
      {
        name: client,
        subnets: {
          wg: {
            listenPort: 51820,
            ipAddresses: [`${prefix}.2`],
            ...(client === "a" ? { routes: ["10.9.0.0/24"] } : {}),
          },
        },
      },
    ],
    connections: [{ a: peerIs("x"), b: [] }],
    ...extra,
  });
  // home: what no rule allows is refused; x may reach a's LAN on tcp/80 only.
  const home = join(lab.dir, "home.json");
  writeFileSync(
    home,
    JSON.stringify(
      acl(51830, "10.1.0", "a", {
        networks: [{ name: "a-lan", prefixes: ["10.9.0.0/24"] }],
        rulesAction: "reject",
        rules: [
          { from: peerIs("a"), to: peerIs("x"), allow: ["tcp/22"] },
          {
            from: peerIs("x"),
            to: [{ type: "network", rule: "is", value: "a-lan" }],
            allow: ["tcp/80"],
          },
        ],
      }),
    ),
  );
  // work: what no rule allows is dropped.
  const work = join(lab.dir, "work.json");
  writeFileSync(
    work,
    JSON.stringify(
      acl(51831, "10.2.0", "b", {
        rules: [{ from: peerIs("b"), to: peerIs("x"), allow: ["tcp/80"] }],
      }),
    ),
  );
  // Saved as users name them: the shared host's two files, and each client's.
  const saved = [
    {
      acl: home,
      peer: "x",
      host: "shared",
      name: "home-net.conf",
      table: "wirenix-rules-home-net",
    },
    { acl: home, peer: "a", host: "a", name: "site.conf", table: "wirenix-rules-site" },
    { acl: work, peer: "x", host: "shared", name: "Work_2.conf", table: "wirenix-rules-Work_2" },
    { acl: work, peer: "b", host: "b", name: "wg0.conf", table: "wirenix-rules-wg0" },
  ];
  for (const file of [home, work]) {
    const keys = `${file}.keys`;
    await mustWirenix(["keys", "generate", file, "--dir", keys, "--update-acl"]);
    await mustWirenix([
      ...["generate", file, "--configurer", "wg-quick", "--out", `${file}.out`],
      ...["--key-provider", "dir", "--keys-dir", keys],
    ]);
  }
  const up = saved.map((s) => ({
    ...s,
    file: saveAs(join(`${s.acl}.out`, s.peer, "wg.conf"), join(lab.dir, "saved", s.host), s.name),
  }));
  for (const u of up) await lab.mustExec(u.host, ["wg-quick", "up", u.file], { env: WG_GO });
  const tables = await lab.mustExec("shared", ["nft", "list", "tables"]);
  for (const u of up.filter((x) => x.host === "shared"))
    assert.match(tables, new RegExp(`table inet ${u.table}\n`));
  // Each table says its own action, for its own device.
  const homeTable = await lab.mustExec("shared", [
    "nft",
    "list",
    "table",
    "inet",
    "wirenix-rules-home-net",
  ]);
  assert.match(homeTable, /iifname "home-net"/);
  assert.match(homeTable, /reject with tcp reset/);
  const workTable = await lab.mustExec("shared", [
    "nft",
    "list",
    "table",
    "inet",
    "wirenix-rules-Work_2",
  ]);
  assert.match(workTable, /iifname "Work_2" drop/);
  assert.doesNotMatch(workTable, /reject/);
  await greet(lab, ["a"], () => "10.1.0.1");
  await greet(lab, ["b"], () => "10.2.0.1");

  // Expected by hand, from the two ACLs above.
  const cases = [
    { from: "a", to: "10.1.0.1", service: "tcp/22", expect: "arrives" },
    { from: "a", to: "10.1.0.1", service: "tcp/80", expect: "refused" },
    { from: "a", to: "10.1.0.1", service: "icmp", expect: "refused" },
    { from: "shared", to: "10.9.0.5", service: "tcp/80", expect: "arrives" },
    { from: "shared", to: "10.9.0.5", service: "tcp/22", expect: "refused" },
    { from: "shared", to: "10.1.0.2", service: "tcp/80", expect: "refused" },
    { from: "b", to: "10.2.0.1", service: "tcp/80", expect: "arrives" },
    { from: "b", to: "10.2.0.1", service: "tcp/22", expect: "dropped" },
    { from: "b", to: "10.2.0.1", service: "icmp", expect: "dropped" },
  ] as const;
  const rows: string[] = [];
  const wrong: string[] = [];
  for (const c of cases) {
    const seen = await outcome(lab, c.from, c.to, c.service);
    const row = `${c.from} -> ${c.to} ${c.service}: observed ${seen}, expected ${c.expect}`;
    rows.push(row);
    if (seen !== c.expect) wrong.push(row);
  }
  t.diagnostic(
    `two networks on one host (home-net.conf rejects, Work_2.conf drops):\n${rows.join("\n")}`,
  );
  assert.deepEqual(wrong, []);
  for (const u of up.reverse())
    await lab.mustExec(u.host, ["wg-quick", "down", u.file], { env: WG_GO });
  assert.doesNotMatch(await lab.mustExec("shared", ["nft", "list", "tables"]), /wirenix-rules/);
});
