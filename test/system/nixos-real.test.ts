/**
 * Our NixOS output, proven by NixOS itself: every peer of the oracle ACLs and of the examples
 * is a host evaluated with nixpkgs' real `nixos/lib/eval-config.nix` (all of NixOS's modules,
 * their option declarations and types; nixpkgs from NIX_PATH), once with the module `generate
 * --out` wrote and once through flake.nix's `nixosModules.default` with agenix's or
 * sops-nix's module (stand-ins, test/support/nixos-secrets) holding the private key. Every host evaluates without a warning, a
 * trace or a failed assertion; the networkd units NixOS renders mean what our networkd-files
 * output says for the same peer; /etc/hosts has exactly the names of our hosts file; the
 * static configurer's wireguard-<dev> services render; the key file our configuration reads is
 * where agenix or sops-nix puts the secret. The `wrapped` peer shape warns with NixOS's own
 * deprecation, once per peer entry, and renders the same units.
 *
 * The matrix (see `cases`): every peer x static / networkd / networkd-dev-only with the short
 * names and the flat shape, as a module and through the flake module; the long and hash names
 * and the wrapped shape on three ACLs that exercise them most (two interfaces per peer,
 * several subnets, routes and exit nodes).
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import {
  type Evaluation,
  evaluateHosts,
  type HostConfig,
  type HostSpec,
  nixpkgsFromNixPath,
} from "../support/nixos-real.js";
import { fixtures, repoRoot } from "../support/paths.js";
import { tempDir, wirenixInProcess } from "../support/run.js";
import { parseUnit, unitMeaning } from "../support/systemd-unit.js";

type Configurer = "static" | "networkd" | "networkd-dev-only";
type Method = "short" | "long" | "hash";
type Shape = "flat" | "wrapped";
type KeyProvider = "acl" | "agenix" | "sops-nix";

/**
 * The old NixOS wrapper of each unit section `--nixos-peer-shape wrapped` writes, and the
 * warning NixOS 24.11 gives for each use of one (nixos/modules/system/boot/networkd.nix,
 * mkSubsectionType).
 */
const WRAPPERS: Record<string, string> = {
  WireGuardPeer: "wireguardPeerConfig",
  Route: "routeConfig",
  RoutingPolicyRule: "routingPolicyRuleConfig",
};
const deprecated = (wrapper: string) =>
  `trace: evaluation warning: Using '${wrapper}' is deprecated! Move all attributes inside one level up and remove it.`;

const differential = join(fixtures, "differential");
const ACLS: Record<string, string> = Object.fromEntries([
  ...readdirSync(differential)
    .filter((name) => name.startsWith("oracle-"))
    .sort()
    .map((name) => [name, join(differential, name, "acl.json")]),
  ["homelab", join(repoRoot, "examples", "homelab.yaml")],
  ["road-warrior", join(repoRoot, "examples", "road-warrior.yaml")],
  ["dns-mtu", join(fixtures, "dns-mtu", "acl.json")],
]);
/** Two interfaces per peer (names matter most), several subnets, routes and an exit node. */
const REPRESENTATIVE = ["oracle-double-dev-ring", "homelab", "road-warrior"];
const CONFIGURERS: Configurer[] = ["static", "networkd", "networkd-dev-only"];

interface Case {
  id: string;
  acl: string;
  peer: string;
  configurer: Configurer;
  method: Method;
  shape: Shape;
  keys: KeyProvider;
  via: "module" | "flake";
  /** The peer's networkd-files output (same ACL, names and keys). */
  files: string;
  /** The peer's configuration as `generate --format json` printed it. */
  generated: Record<string, any>;
  spec: HostSpec;
}

const { dir: work, remove } = tempDir("wirenix-nixos-real-");
after(remove);

const keyFlags = (acl: string, keys: KeyProvider): string[] =>
  keys === "acl"
    ? []
    : [
        "--key-provider",
        keys,
        "--key-provider",
        "acl",
        "--secrets-dir",
        join(work, "secrets", acl),
      ];

const shapeFlags = (configurer: Configurer, shape: Shape): string[] =>
  configurer === "static" ? [] : ["--nixos-peer-shape", shape];

const generated = new Set<string>();
/**
 * Runs `wirenix generate ARGS` once per distinct output, written to work/gen/NAME: with
 * `--out` (a directory), or what it printed (a file). Returns the path.
 */
async function generate(name: string, args: string[], to: "out" | "stdout"): Promise<string> {
  const path = join(work, "gen", name);
  if (generated.has(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const run = await wirenixInProcess([
    "generate",
    ...args,
    ...(to === "out" ? ["--out", path] : []),
  ]);
  assert.equal(run.code, 0, `wirenix generate ${args.join(" ")}: ${run.stderr}`);
  if (to === "stdout") writeFileSync(path, run.stdout);
  generated.add(path);
  return path;
}

/**
 * The secret files generated configurations name, as placeholders: agenix and sops-nix only
 * read them when the system is built (sops-nix hashes its file at evaluation), never here.
 */
function placeholderSecrets(generated: Record<string, any>): void {
  for (const peer of Object.values(generated)) {
    const files = [
      ...Object.values(peer.age?.secrets ?? {}).map((s: any) => s.file),
      ...Object.values(peer.sops?.secrets ?? {}).map((s: any) => s.sopsFile),
    ];
    for (const file of files as string[]) {
      mkdirSync(dirname(file), { recursive: true });
      if (!existsSync(file)) writeFileSync(file, "placeholder: only evaluated, never decrypted\n");
    }
  }
}

async function casesFor(
  aclName: string,
  configurer: Configurer,
  method: Method,
  shape: Shape,
  via: "module" | "flake",
  keysOf: (peerIndex: number) => KeyProvider,
): Promise<Case[]> {
  const acl = ACLS[aclName] as string;
  const common = (keys: KeyProvider) => [
    acl,
    "--dev-name-method",
    method,
    ...keyFlags(aclName, keys),
  ];
  const jsonOf = async (keys: KeyProvider) => {
    const args = [...common(keys), "--configurer", configurer, ...shapeFlags(configurer, shape)];
    const name = `${aclName}/${configurer}-${method}-${shape}-${keys}`;
    const file = await generate(`${name}.json`, [...args, "--format", "json"], "stdout");
    const config = JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
    placeholderSecrets(config);
    return { file, config, args, name };
  };
  const peers = Object.keys((await jsonOf(keysOf(0))).config);
  const out: Case[] = [];
  for (const [i, peer] of peers.entries()) {
    const keys = keysOf(i);
    const { file, config, args, name } = await jsonOf(keys);
    const files = await generate(
      `${aclName}/files-${method}-${keys}`,
      [...common(keys), "--configurer", "networkd-files"],
      "out",
    );
    const id = `${via} ${configurer} ${method} ${shape} ${keys}: ${aclName} ${peer}`;
    const spec: HostSpec = { id, useNetworkd: configurer !== "static" };
    if (via === "module") {
      spec.module = join(await generate(name, args, "out"), `${peer}.nix`);
    } else {
      spec.flake = {
        enable: true,
        generated: file,
        peerName: peer,
        configurer,
        devNameMethod: method,
        keyProviders: keys === "acl" ? ["acl"] : [keys, "acl"],
        ...(keys === "acl" ? {} : { secretsDir: join(work, "secrets", aclName) }),
      };
    }
    if (keys === "agenix") spec.agenix = true;
    if (keys === "sops-nix") spec.sops = true;
    out.push({
      id,
      acl: aclName,
      peer,
      configurer,
      method,
      shape,
      keys,
      via,
      files: join(files, peer),
      generated: config[peer] as Record<string, any>,
      spec,
    });
  }
  return out;
}

const cases: Case[] = [];
const acl = (): KeyProvider => "acl";
for (const name of Object.keys(ACLS))
  for (const [c, configurer] of CONFIGURERS.entries()) {
    cases.push(...(await casesFor(name, configurer, "short", "flat", "module", acl)));
    // agenix and sops-nix in turn, so each configurer meets both on every ACL with two peers.
    const secrets = (i: number): KeyProvider => ((i + c) % 2 === 0 ? "agenix" : "sops-nix");
    cases.push(...(await casesFor(name, configurer, "short", "flat", "flake", secrets)));
  }
for (const name of REPRESENTATIVE) {
  for (const configurer of CONFIGURERS)
    for (const method of ["long", "hash"] as const)
      cases.push(...(await casesFor(name, configurer, method, "flat", "module", acl)));
  for (const configurer of ["networkd", "networkd-dev-only"] as const)
    cases.push(...(await casesFor(name, configurer, "short", "wrapped", "module", acl)));
}
for (const configurer of CONFIGURERS)
  cases.push(...(await casesFor("homelab", configurer, "hash", "flat", "flake", acl)));

/** Hosts without Wirenix: the kernel settings NixOS makes by itself, to tell ours apart. */
const baseline = (useNetworkd: boolean): HostSpec => ({
  id: `baseline: NixOS without Wirenix, useNetworkd ${useNetworkd}`,
  useNetworkd,
});

let evaluation: Evaluation | undefined;
const started = Date.now();

before(async () => {
  const nixpkgs = nixpkgsFromNixPath();
  evaluation = await evaluateHosts([baseline(true), baseline(false), ...cases.map((c) => c.spec)], {
    nixpkgs,
    workDir: work,
  });
});

after(() => {
  if (!evaluation) return;
  const count = (pick: (c: Case) => boolean) => cases.filter(pick).length;
  process.stdout.write(
    `# NixOS ${evaluation.nixosRelease} (nixpkgs lib ${evaluation.libVersion}): ` +
      `${cases.length} hosts (${count((c) => c.via === "module")} modules, ` +
      `${count((c) => c.via === "flake")} through the flake module, ` +
      `${count((c) => c.keys === "agenix")} agenix, ${count((c) => c.keys === "sops-nix")} sops-nix, ` +
      `${count((c) => c.shape === "wrapped")} wrapped) in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
});

/** The unit files of a networkd-files output directory, by name. */
function unitFiles(dir: string, suffixes: string[]): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => suffixes.some((s) => f.endsWith(s)))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), "utf8")]),
  );
}

/** `ip name` pairs of a hosts file, without comments and the host's own localhost names. */
function hostPairs(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "")
    .flatMap((line) => {
      const [ip, ...names] = line.split(/\s+/);
      return names
        .filter((name) => name !== "localhost" && name !== "wirenix-host")
        .map((name) => `${ip} ${name}`);
    })
    .sort();
}

function checkUnits(c: Case, config: HostConfig): void {
  if (c.configurer === "static") {
    assert.deepEqual(Object.keys(config.units), [], "the static configurer has no networkd unit");
    return;
  }
  assert.equal(config.networkdEnabled, true);
  // networkd-dev-only leaves addresses and routes to networking.*: only its .netdev is compared.
  const ours = unitFiles(
    c.files,
    c.configurer === "networkd" ? [".netdev", ".network"] : [".netdev"],
  );
  assert.deepEqual(Object.keys(config.units).sort(), Object.keys(ours), "the same unit files");
  for (const [name, text] of Object.entries(ours)) {
    assert.ok(config.etcUnits.includes(`systemd/network/${name}`), `${name} in environment.etc`);
    assert.deepEqual(
      unitMeaning(config.units[name] as string),
      unitMeaning(text),
      `${name}: NixOS renders (left) what our networkd-files wrote (right)?\n` +
        `--- NixOS\n${config.units[name]}\n--- networkd-files ${join(c.files, name)}\n${text}`,
    );
  }
}

function checkServices(c: Case, config: HostConfig): void {
  if (c.configurer !== "static") return;
  const devs = Object.keys(c.generated.networking?.wireguard?.interfaces ?? {});
  assert.ok(devs.length > 0, "the peer has interfaces");
  for (const dev of devs) {
    const service = config.services[`wireguard-${dev}`];
    assert.ok(service, `systemd.services."wireguard-${dev}" exists`);
    assert.match(service.script, new RegExp(`ip link add dev "${dev.replace(/\./g, "\\.")}"`));
    assert.match(service.unit, /^\[Unit\]/m);
  }
}

/** `key = value` lines of a sysctl.d file, as sysctl reads them. */
function sysctlFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const entries = readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith(";"))
    .map((line) => line.split("=").map((part) => part.trim()) as [string, string]);
  return Object.fromEntries(entries);
}

/**
 * Routers and exit nodes: NixOS's kernel settings beyond its own defaults are our sysctl.d
 * file's, and it masquerades what comes from the interfaces our nftables file masquerades.
 * networkd-dev-only leaves these to the user, like addresses.
 */
function checkForwarding(c: Case, config: HostConfig): void {
  if (c.configurer === "networkd-dev-only") return;
  const base = evaluation?.results.get(baseline(c.configurer !== "static").id)?.config;
  assert.ok(base, "the host without Wirenix evaluated");
  const ours = Object.fromEntries(
    Object.entries(config.sysctl).filter(([key, value]) => base.sysctl[key] !== value),
  );
  assert.deepEqual(ours, sysctlFile(join(c.files, "sysctl.d", "90-wirenix.conf")), "sysctl");
  const nft = join(c.files, "wirenix-nat.nft");
  const masqueraded = existsSync(nft)
    ? [...readFileSync(nft, "utf8").matchAll(/iifname "([^"]+)".* masquerade/g)].map((m) => m[1])
    : [];
  assert.deepEqual(
    config.nat.enable ? [...config.nat.internalInterfaces].sort() : [],
    masqueraded.sort(),
    "NixOS masquerades the interfaces the nftables file does",
  );
  assert.equal(config.nat.externalInterface, "", "from every interface, like the file");
}

/** The key file our configuration reads is where agenix or sops-nix puts the secret. */
function checkSecrets(c: Case, config: HostConfig): void {
  const secrets = { ...config.ageSecrets, ...config.sopsSecrets };
  if (c.keys === "acl") {
    assert.deepEqual(secrets, {});
    return;
  }
  const path = secrets[`wirenix-peer-${c.peer}`];
  assert.ok(path, `${c.keys} declares wirenix-peer-${c.peer}`);
  assert.ok(
    path.startsWith(c.keys === "agenix" ? "/run/agenix" : "/run/secrets/"),
    `${c.keys} puts it under its own directory: ${path}`,
  );
  const rendered = [
    ...Object.values(config.units),
    ...Object.values(config.services).map((s) => s.script),
  ].join("\n");
  assert.ok(
    rendered.includes(`PrivateKeyFile=${path}\n`) || rendered.includes(`private-key "${path}"`),
    `the interface reads its key from ${path}`,
  );
}

for (const c of cases)
  test(c.id, () => {
    const result = evaluation?.results.get(c.id);
    assert.ok(result, "evaluated");
    assert.equal(result.error, undefined, `NixOS evaluation failed:\n${result.error}`);
    const config = result.config as HostConfig;
    assert.deepEqual(config.warnings, [], "config.warnings");
    assert.deepEqual(config.failedAssertions, [], "failed assertions");
    // Wrapped: one deprecation per wrapped section NixOS rendered; flat: nothing at all.
    const wrapped = Object.values(config.units)
      .flatMap(parseUnit)
      .flatMap((section) => WRAPPERS[section.name] ?? [])
      .map(deprecated);
    assert.deepEqual(
      [...result.traces].sort(),
      c.shape === "wrapped" ? wrapped.sort() : [],
      "traces on stderr",
    );
    if (c.shape === "wrapped") assert.ok(wrapped.length > 0, "the host uses a wrapper");
    checkUnits(c, config);
    checkServices(c, config);
    checkForwarding(c, config);
    checkSecrets(c, config);
    assert.deepEqual(
      hostPairs(config.hosts),
      hostPairs(readFileSync(join(c.files, "hosts"), "utf8")),
      "/etc/hosts has the names of our hosts file",
    );
  });

/**
 * dns and mtu as NixOS applies them, values written by hand from test/fixtures/dns-mtu (subnet:
 * DNS 10.0.0.53 and fd00::53, MTU 1380; a: MTU 1420 and no DNS; c: DNS 10.0.0.1).
 */
test("dns and mtu: the values NixOS renders into the units and the wireguard service", () => {
  const config = (peer: string, configurer: Configurer) => {
    const c = cases.find(
      (x) =>
        x.acl === "dns-mtu" &&
        x.peer === peer &&
        x.configurer === configurer &&
        x.via === "module" &&
        x.method === "short",
    );
    assert.ok(c, `a case for ${peer} ${configurer}`);
    const result = evaluation?.results.get(c.id);
    assert.ok(result?.config, `${c.id} evaluated`);
    return result.config;
  };
  const values = (text: string | undefined, section: string, key: string) =>
    parseUnit(text ?? "")
      .filter((s) => s.name === section)
      .flatMap((s) => s.entries.filter(([k]) => k === key).map(([, v]) => v));
  for (const [peer, mtu, dns] of [
    ["a", "1420", []],
    ["b", "1380", ["10.0.0.53", "fd00::53"]],
    ["c", "1380", ["10.0.0.1"]],
  ] as const) {
    const networkd = config(peer, "networkd").units;
    assert.deepEqual(values(networkd["50-lan.netdev"], "NetDev", "MTUBytes"), [mtu], peer);
    assert.deepEqual(values(networkd["50-lan.network"], "Network", "DNS"), dns, peer);
    const devOnly = config(peer, "networkd-dev-only").units;
    assert.deepEqual(values(devOnly["50-lan.netdev"], "NetDev", "MTUBytes"), [mtu], peer);
    const script = config(peer, "static").services["wireguard-lan"]?.script ?? "";
    assert.match(
      script,
      new RegExp(`link set "lan" mtu ${mtu}$`, "m"),
      `${peer}: static sets the MTU`,
    );
  }
});
