/**
 * `wirenix lab` as a user runs it (root, the real CLI, wireguard-go or the kernel's WireGuard,
 * wg-quick, nft, socat in network namespaces it makes itself): every example ACL and the rules
 * fixture come out as predicted; a configurer that leaves one rule out is caught, probe named
 * with both predictions; the README's NAT scenario shows bob and carol as predicted; and after
 * success, failure, SIGINT and `lab down` no namespace, process, /etc/netns entry, state file
 * or temporary directory of the lab is left.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { run } from "../support/netns.js";
import { fixtures, repoRoot, wirenixBin } from "../support/paths.js";

const work = mkdtempSync(join(tmpdir(), "wirenix-lab-test-"));
after(() => rmSync(work, { recursive: true, force: true }));

// The labs of this file make their temporary directories here (TMPDIR), so that a lab another
// test run starts on this machine at the same time is never counted as one of theirs.
const labTmp = mkdtempSync(join(tmpdir(), "wirenix-lab-test-tmp-"));
after(() => rmSync(labTmp, { recursive: true, force: true }));
const labEnv = { ...process.env, TMPDIR: labTmp };

async function wirenix(args: readonly string[], cwd = work) {
  return run(process.execPath, [wirenixBin, ...args], { timeoutMs: 300_000, cwd, env: labEnv });
}

interface LabJson {
  hosts: { peer: string; namespace: string; behindNat?: string }[];
  wireguard: string;
  phases: Record<string, number>;
  probes: {
    from: string;
    target: string;
    address: string;
    service: string;
    predicted: "arrives" | "refused" | "dropped";
    observed: "arrives" | "refused" | "dropped" | null;
    asPredicted: boolean;
    explain?: string;
  }[];
  tests: { path: string; passed: boolean }[];
  summary: { probes: number; asPredicted: number; differ: number; line: string };
}

/** The namespaces, /etc/netns entries and lab temp dirs whose names start with the prefix. */
function leftovers(prefix: string): string[] {
  const names = (spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "")
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(prefix));
  const etc = existsSync("/etc/netns")
    ? readdirSync("/etc/netns").filter((n) => n.startsWith(prefix))
    : [];
  return [...names, ...etc.map((n) => `/etc/netns/${n}`)];
}

const prefixOf = (json: LabJson) => (json.hosts[0]?.namespace ?? "").replace(/\d+$/, "");

/** Whether a process still runs (an ended one not yet reaped, a zombie, does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

function labTempDirs(): string[] {
  return readdirSync(labTmp).filter((n) => n.startsWith("wirenix-lab-"));
}

for (const [name, file] of [
  ["examples/homelab.yaml", join(repoRoot, "examples", "homelab.yaml")],
  ["examples/road-warrior.yaml", join(repoRoot, "examples", "road-warrior.yaml")],
  ["examples/sites.yaml", join(repoRoot, "examples", "sites.yaml")],
  ["the rules fixture", join(fixtures, "rules", "office.yaml")],
] as const)
  test(`lab on ${name}: every probe as predicted, exit 0, nothing left`, async (t) => {
    const before = labTempDirs();
    const ran = await wirenix(["lab", file, "--format", "json"]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    const json = JSON.parse(ran.stdout) as LabJson;
    assert.equal(json.wireguard, "wireguard-go", "this machine's kernel has no WireGuard module");
    assert.ok(json.probes.length > 0);
    for (const p of json.probes)
      assert.ok(p.asPredicted, `${p.from} -> ${p.address} ${p.service}: ${p.observed}`);
    assert.equal(json.summary.differ, 0);
    assert.match(ran.stderr, /WireGuard by wireguard-go/);
    assert.deepEqual(leftovers(prefixOf(json)), []);
    assert.deepEqual(labTempDirs(), before, "the lab's temporary directory is gone");
    t.diagnostic(`${json.summary.line}; ${JSON.stringify(json.phases)}`);
  });

test("the rules fixture: the matrix and the 16 policy assertions, in text", async () => {
  const ran = await wirenix(["lab", join(fixtures, "rules", "office.yaml")]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  // 5 hosts × 4 others × (tcp/22, tcp/443, udp/53, icmp), and tcp/80 of two policy tests.
  assert.match(ran.stdout, /^82 probes: 82 as predicted, 0 differ; tests: 16 passed, 0 failed$/m);
  // laptop1 reaches server1 on tcp/22 and tcp/443 and by ping, not on udp/53.
  assert.match(ran.stdout, /^laptop1 +\.\.\.\+ +\.\.\.\. +\+\+\.\+ +\+\+\.\+ *$/m);
});

test("a .nix ACL that reads <acls> named with --nix-path: the lab reads it with the user's path", async () => {
  // The ACL's data comes from a directory outside the ACL's own, allowed only by --nix-path:
  // a lab that read the ACL a second time without the user's flags failed here.
  const acls = mkdtempSync(join(work, "acls-"));
  const road = parseYaml(readFileSync(join(repoRoot, "examples", "road-warrior.yaml"), "utf8"));
  writeFileSync(join(acls, "road-warrior.json"), JSON.stringify(road));
  const acl = join(mkdtempSync(join(work, "nix-acl-")), "acl.nix");
  writeFileSync(acl, "builtins.fromJSON (builtins.readFile <acls/road-warrior.json>)\n");
  const ran = await wirenix(["lab", acl, "--format", "json", "--nix-path", `acls=${acls}`]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  const json = JSON.parse(ran.stdout) as LabJson;
  assert.ok(json.probes.length > 0);
  assert.equal(json.summary.differ, 0);
  assert.deepEqual(leftovers(prefixOf(json)), []);
  // Without the flag, the ACL is refused before any namespace is made.
  const refused = await wirenix(["lab", acl]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /acls\/road-warrior\.json.*--nix-path/);
});

test("an exit node, a routed LAN and rules: the LAN answers through home's forward chain", async () => {
  const ran = await wirenix(["lab", join(fixtures, "lab", "road-warrior-rules.yaml")]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  // 4 hosts × 3 others, vps, laptop and phone × the LAN, the LAN × the 4 peers, and home,
  // laptop, phone and the LAN × the internet; each × (tcp/22, udp/53, icmp). The policy tests'
  // probes are among them.
  assert.match(ran.stdout, /^69 probes: 69 as predicted, 0 differ; tests: 5 passed, 0 failed$/m);
  // Columns: vps, home, laptop, phone, 192.168.10.0/24, internet. phone reaches home and the LAN
  // only on udp/53, laptop on tcp/22 and by ping; laptop, vps's exit client, reaches all of the
  // internet (no rule names it); the LAN reaches home (no tunnel between them) and no one else
  // (no rule lets its packets in).
  assert.match(ran.stdout, /^phone +\.\.\. +\.\+\. +\.\.\. +\.\+\. +\.\.\. *$/m);
  assert.match(ran.stdout, /^laptop +\.\.\. +\+\.\+ +\.\.\. +\+\.\+ +\+\+\+ *$/m);
  assert.match(ran.stdout, /^vps +\+\+\+ +\+\+\+ +\+\+\+ +\+\+\+ *$/m);
  assert.match(ran.stdout, /^home +\.\.\. +\.\.\. +\.\.\. +\.\.\. *$/m);
  assert.match(ran.stdout, /^192\.168\.10\.0\/24 +\.\.\. +\+\+\+ +\.\.\. +\.\.\. +\.\.\. *$/m);
});

test("a configurer that leaves rules[2] out: exit 1, the probe named with both predictions", async () => {
  const ran = await wirenix([
    ...["lab", join(fixtures, "rules", "office.yaml")],
    ...["--plugin", join(fixtures, "lab", "drop-rule.mjs")],
    ...["--configurer", "wg-quick-without-rule-2"],
  ]);
  assert.equal(ran.code, 1, ran.stdout + ran.stderr);
  assert.match(
    ran.stdout,
    /^ {2}server1 -> server2 10\.0\.0\.22 udp\/53: observed dropped, predicted arrives \(explain: "server1" -\[office\]-> "hub" -\[office\]-> "server2": allowed by rules\[2\]\)$/m,
  );
  assert.match(
    ran.stdout,
    /server2 -> server1 10\.0\.0\.21 udp\/53: observed dropped, predicted arrives/,
  );
  assert.match(
    ran.stdout,
    /tests\[1\]\.reaches\[0\]: server1 reaches server2:udp\/53: observed dropped/,
  );
  assert.match(ran.stdout, /^82 probes: 80 as predicted, 2 differ; tests: 15 passed, 1 failed$/m);
});

/**
 * What the lab saw from each source to each target, one mark per service: `+` when a probe of
 * it (to any address of the target) was answered, else `x` when one was refused, else `.`.
 */
function observedTable(
  json: LabJson,
  services: readonly string[],
): Record<string, Record<string, string>> {
  const rank = ["?", ".", "x", "+"];
  const mark = { arrives: "+", refused: "x", dropped: "." } as const;
  const out: Record<string, Record<string, string>> = {};
  for (const p of json.probes) {
    const row = out[p.from] ?? {};
    out[p.from] = row;
    const cell = (row[p.target] ?? "?".repeat(services.length)).split("");
    const at = services.indexOf(p.service);
    const seen = p.observed ? mark[p.observed] : "?";
    if (rank.indexOf(seen) > rank.indexOf(cell[at] ?? "?")) cell[at] = seen;
    row[p.target] = cell.join("");
  }
  return out;
}

const siteAcl = join(fixtures, "lab", "site-printer-exit.yaml");

test("a site behind a router, a printer in it, the internet behind an exit node: every probe as predicted, refusals and drops seen", async () => {
  const before = labTempDirs();
  const ran = await wirenix(["lab", siteAcl, "--format", "json"]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  const json = JSON.parse(ran.stdout) as LabJson & { services: string[] };
  assert.deepEqual(json.services, ["tcp/22", "tcp/443", "tcp/631", "icmp"]);
  for (const p of json.probes)
    assert.ok(
      p.asPredicted,
      `${p.from} -> ${p.address} ${p.service}: observed ${p.observed}, predicted ${p.predicted}`,
    );
  // Written by hand from the rules: office-lan (from 192.168.10.1) and printer (192.168.10.5,
  // inside office-lan) reach build on tcp/22 only and their router with no tunnel; laptops
  // reach the printer on tcp/631 and the internet on tcp/443, and the rest of the internet
  // refuses them at once (action: reject); everything else is dropped (rulesAction: drop). A
  // router does not probe its own LAN, nor the exit node the internet: no tunnel between them.
  const none = "....";
  const peersBut = (self: string) =>
    Object.fromEntries(
      ["router", "build", "exit", "laptop", "guest"]
        .filter((p) => p !== self)
        .map((p) => [p, none]),
    );
  assert.deepEqual(observedTable(json, json.services), {
    router: { ...peersBut("router"), internet: none },
    build: { ...peersBut("build"), "office-lan": none, printer: none, internet: none },
    exit: { ...peersBut("exit"), "office-lan": none, printer: none },
    laptop: { ...peersBut("laptop"), "office-lan": none, printer: "..+.", internet: "x+xx" },
    guest: { ...peersBut("guest"), "office-lan": none, printer: none, internet: none },
    "office-lan": { ...peersBut(""), router: "++++", build: "+...", internet: none },
    printer: { ...peersBut(""), router: "++++", build: "+...", internet: none },
  });
  assert.ok(json.probes.some((p) => p.observed === "refused" && p.predicted === "refused"));
  assert.ok(json.probes.some((p) => p.observed === "dropped" && p.predicted === "dropped"));
  assert.deepEqual(
    json.tests.filter((t) => !t.passed),
    [],
  );
  assert.equal(json.tests.length, 10);
  assert.deepEqual(leftovers(prefixOf(json)), []);
  assert.deepEqual(labTempDirs(), before);
});

test("a dual-stack site: IPv6 probes as predicted and as written by hand, the same as IPv4's", async () => {
  const ran = await wirenix([
    "lab",
    join(fixtures, "lab", "dual-stack-site.yaml"),
    "--format",
    "json",
  ]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  const json = JSON.parse(ran.stdout) as LabJson & { services: string[] };
  assert.deepEqual(json.services, ["tcp/22", "udp/53", "icmp"]);
  const family = (v6: boolean) => ({
    ...json,
    probes: json.probes.filter((p) => p.address.includes(":") === v6),
  });
  const v6 = family(true);
  // The site sends from its first address of the family (fd20::1), and is probed there.
  assert.ok(v6.probes.some((p) => p.from === "site" && p.target === "build"));
  assert.ok(v6.probes.some((p) => p.target === "site" && p.address === "fd20::1"));
  // Written by hand from the rules: build may ask the site for DNS and ping it; the site may
  // reach build on SSH and its own router with no tunnel between; everything else no rule
  // allows is refused at once (rulesAction: reject). The router does not probe its own LAN.
  const expected = {
    router: { build: "xxx", laptop: "xxx" },
    build: { router: "xxx", laptop: "xxx", site: "x++" },
    laptop: { router: "xxx", build: "xxx", site: "xxx" },
    site: { router: "+++", build: "+xx", laptop: "xxx" },
  };
  assert.deepEqual(observedTable(v6, json.services), expected, "IPv6");
  assert.deepEqual(observedTable(family(false), json.services), expected, "IPv4");
  for (const p of json.probes)
    assert.ok(
      p.asPredicted,
      `${p.from} -> ${p.address} ${p.service}: observed ${p.observed}, predicted ${p.predicted}`,
    );
  assert.deepEqual(
    json.tests.filter((t) => !t.passed),
    [],
  );
  assert.equal(json.tests.length, 6);
  assert.deepEqual(leftovers(prefixOf(json)), []);
});

test("a configurer that drops what the ACL rejects: exit 1, the refusals predicted and not seen named", async () => {
  const ran = await wirenix([
    ...["lab", siteAcl],
    ...["--plugin", join(fixtures, "lab", "reject-as-drop.mjs")],
    ...["--configurer", "wg-quick-reject-as-drop"],
  ]);
  assert.equal(ran.code, 1, ran.stdout + ran.stderr);
  for (const service of ["tcp/22", "tcp/631", "icmp"])
    assert.match(
      ran.stdout,
      new RegExp(
        `^ {2}laptop -> internet 1\\.1\\.1\\.1 ${service.replace("/", "\\/")}: observed dropped, predicted refused \\(explain: .*"exit".*\\)$`,
        "m",
      ),
    );
  assert.match(ran.stdout, / 3 differ; tests: 10 passed, 0 failed$/m);
});

test("the README's NAT scenario: bob and carol behind their own NATs, as predicted", async () => {
  const dir = mkdtempSync(join(work, "nat-"));
  assert.equal((await wirenix(["init", "net.yaml", "--pool", "10.42.0.0/24"], dir)).code, 0);
  const add = (args: string[]) => wirenix(["add-peer", "net.yaml", ...args], dir);
  assert.equal((await add(["alice", "--endpoint", "alice.example.org"])).code, 0);
  assert.equal((await add(["bob"])).code, 0);
  assert.equal((await add(["carol"])).code, 0);
  const ran = await wirenix(["lab", "net.yaml", "--format", "json"], dir);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  const json = JSON.parse(ran.stdout) as LabJson;
  assert.deepEqual(
    json.hosts.filter((h) => h.behindNat).map((h) => h.peer),
    ["bob", "carol"],
  );
  const between = json.probes.filter(
    (p) => (p.from === "bob" && p.target === "carol") || (p.from === "carol" && p.target === "bob"),
  );
  // Both ways, over IPv4 and IPv6, by ping (no rules: icmp is the matrix).
  assert.equal(between.length, 4);
  for (const p of between) assert.ok(p.asPredicted, `${p.from} -> ${p.address}`);
  // Through alice, the relay, they do reach each other.
  assert.ok(between.every((p) => p.observed === "arrives"));
  assert.deepEqual(leftovers(prefixOf(json)), []);
});

test("a failure halfway (wg-quick up fails on one host): one message, exit 1, nothing left", async () => {
  const before = labTempDirs();
  const ran = await wirenix([
    ...["lab", join(fixtures, "rules", "office.yaml")],
    ...["--plugin", join(fixtures, "lab", "broken-up.mjs")],
    ...["--configurer", "wg-quick-failing-up"],
  ]);
  assert.equal(ran.code, 1, ran.stdout + ran.stderr);
  assert.match(
    ran.stderr,
    /^wirenix: error: \[wnl-[0-9a-f]{6}-4\] wg-quick up .*server2\/office\.conf failed/m,
  );
  const prefix = /\[(wnl-[0-9a-f]{6}-)/.exec(ran.stderr)?.[1] as string;
  assert.deepEqual(leftovers(prefix), []);
  assert.deepEqual(labTempDirs(), before);
});

test("SIGINT while the lab is up: namespaces, processes and files removed", async () => {
  const before = labTempDirs();
  const child = spawn(
    process.execPath,
    [wirenixBin, "lab", join(fixtures, "rules", "office.yaml")],
    { stdio: ["ignore", "pipe", "pipe"], env: labEnv },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? code)),
  );
  // Wait until every host is up (wireguard-go daemons and listeners run), then interrupt.
  for (let i = 0; i < 1200 && !/up: 5 done/.test(stderr); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.match(stderr, /up: 5 done/);
  // This lab's namespaces only (another lab may run on the machine at the same time): the
  // prefix its state file, written by this child, records.
  const states = readdirSync("/run/wirenix-lab")
    .filter((f) => f.endsWith(".json"))
    .map(
      (f) =>
        JSON.parse(readFileSync(join("/run/wirenix-lab", f), "utf8")) as {
          pid: number;
          prefix: string;
        },
    );
  const own = states.find((state) => state.pid === child.pid)?.prefix;
  assert.match(own ?? "", /^wnl-[0-9a-f]{6}-$/);
  const namespaces = (spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "")
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(own as string));
  const pids = namespaces.flatMap((ns) =>
    (spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "")
      .split("\n")
      .map(Number)
      .filter((p) => p > 0),
  );
  assert.ok(pids.length >= 5, "wireguard-go and the listeners run in the namespaces");
  child.kill("SIGINT");
  assert.equal(await exited, "SIGINT");
  assert.deepEqual(leftovers(own as string), []);
  assert.deepEqual(pids.filter(alive), [], "every process of the lab is gone");
  assert.deepEqual(labTempDirs(), before);
});

test("--keep: lab exec runs in a peer's namespace, a second lab is refused, lab down ends it", async () => {
  const acl = join(work, "office.yaml");
  copyFileSync(join(fixtures, "rules", "office.yaml"), acl);
  const kept = await wirenix(["lab", acl, "--keep"]);
  assert.equal(kept.code, 0, kept.stdout + kept.stderr);
  assert.match(kept.stderr, /wirenix lab exec .*office\.yaml PEER -- CMD/);
  const shown = await wirenix([
    "lab",
    "exec",
    acl,
    "hub",
    "--",
    "wg",
    "show",
    "office",
    "listen-port",
  ]);
  assert.equal(shown.code, 0, shown.stderr);
  const again = await wirenix(["lab", acl]);
  assert.equal(again.code, 1);
  assert.match(
    again.stderr,
    /^wirenix: error: a lab of .*office\.yaml is already up \(kept\); take it down with `wirenix lab down .*office\.yaml`\n$/,
  );
  const down = await wirenix(["lab", "down", acl]);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(
    leftovers("wnl-").filter((n) => kept.stdout.includes(n)),
    [],
  );
  const gone = await wirenix(["lab", "exec", acl, "hub", "--", "true"]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no lab of .* is up/);
});

test("without root: one line saying what it needs, exit 2", () => {
  const acl = join(fixtures, "rules", "office.yaml");
  // A user other than root (a user namespace of its own: its uid is 65534, and it still reads
  // this checkout, which may sit in a directory only root may enter), and root whose
  // capabilities are dropped (as in a container without NET_ADMIN).
  const ways: [string, string, string[]][] = [
    ["another user", "unshare", ["--user", "--"]],
    ["root without capabilities", "setpriv", ["--bounding-set=-all", "--inh-caps=-all", "--"]],
  ];
  for (const [how, file, prefix] of ways)
    for (const [args, message] of [
      [["lab", acl], "wirenix lab needs root: it makes network namespaces (run it with sudo)"],
      [
        ["lab", "down", acl],
        "wirenix lab down needs root: it removes network namespaces (run it with sudo)",
      ],
    ] as const) {
      const ran = spawnSync(file, [...prefix, process.execPath, wirenixBin, ...args], {
        encoding: "utf8",
      });
      assert.equal(ran.status, 2, `${how}: ${ran.stderr}`);
      assert.equal(ran.stderr, `wirenix: error: ${message}\n`, how);
    }
});
