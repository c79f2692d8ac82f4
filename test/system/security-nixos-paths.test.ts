/**
 * Issue 23, item 2, proven with the real NixOS module system (nixpkgs from NIX_PATH, see
 * test/support/nixos-real.ts): nixpkgs' scripted `networking.wireguard` renders the key paths
 * into the shell script of a root unit (`wg set "wg0" private-key "<path>"`), networkd into
 * `.netdev` files. For every accepted edge path, the units NixOS renders from our output run
 * nothing but `wg`: each script line that holds a key path, run by the real bash with `wg` a
 * function that records its arguments and no other command on PATH, calls `wg` once with the
 * path as one argument, exactly as written; networkd's `PrivateKeyFile=`/`PresharedKeyFile=`
 * hold the path exactly. Every hostile path is refused before any output is written. And a
 * module written by hand with a hostile path shows what nixpkgs would render without the rule.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { KEYS } from "../support/acl.js";
import { HOSTILE_PATHS } from "../support/hostile-paths.js";
import { type Evaluation, evaluateHosts, nixpkgsFromNixPath } from "../support/nixos-real.js";
import { tempDir, wirenixInProcess, writeAcl } from "../support/run.js";
import { parseUnit } from "../support/systemd-unit.js";

/** Accepted paths at the edges of the rule, each with the preshared key path beside it. */
const EDGE_PATHS: readonly [string, string][] = [
  ["/run/agenix/wg-key", "/run/agenix/wg-psk"],
  ["/etc/wireguard/private.key", "/etc/wireguard/lan.psk"],
  ["/var/lib/wireguard/a+b@c=d,e:f-g_h.key", "/var/lib/wireguard/p+s@k=1,2:3"],
  ["/run/keys/-starts-with-dash", "/run/keys/-psk"],
  ["/run/keys/.hidden/...", "/run/keys/..psk"],
  ["/a", "/b"],
];

function acl(privateKeyFile: string, presharedKeyFile: string) {
  return {
    version: "v1",
    subnets: [{ name: "lan", endpoints: [{ port: 51820 }], presharedKeyFile }],
    groups: [],
    peers: [
      {
        name: "a",
        subnets: { lan: { listenPort: 51820, ipAddresses: ["10.0.0.1/24"] } },
        publicKey: KEYS.a,
        privateKeyFile,
        endpoints: [{ ip: "192.0.2.1" }],
      },
      {
        name: "b",
        subnets: { lan: { listenPort: 51820, ipAddresses: ["10.0.0.2/24"] } },
        publicKey: KEYS.b,
        privateKeyFile: "/run/keys/b.key",
        endpoints: [{ ip: "192.0.2.2" }],
      },
    ],
    connections: [{ a: [], b: [] }],
  };
}

let work: string;
let removeWork: () => void;
let evaluation: Evaluation;
/** A hand-written module, not our output: what nixpkgs makes of a hostile path. */
const HAND_WRITTEN = "hand-written";

before(async () => {
  ({ dir: work, remove: removeWork } = tempDir("wirenix-security-nixos-"));
  const hosts = [];
  for (const [i, [key, psk]] of EDGE_PATHS.entries()) {
    const file = writeAcl(work, acl(key, psk), `edge-${i}.json`);
    for (const configurer of ["static", "networkd"] as const) {
      const out = join(work, `out-${i}-${configurer}`);
      const ran = await wirenixInProcess([
        ...["generate", file, "--configurer", configurer, "--out", out],
      ]);
      assert.equal(ran.code, 0, ran.stderr);
      hosts.push({
        id: `${i}-${configurer}`,
        useNetworkd: configurer === "networkd",
        module: join(out, "a.nix"),
      });
    }
  }
  const hand = join(work, "hand-written.nix");
  writeFileSync(
    hand,
    `{ networking.wireguard.interfaces.wg0 = {
  ips = [ "10.0.0.1/24" ];
  privateKeyFile = ${JSON.stringify(HOSTILE_PATHS[0])};
  peers = [ { publicKey = "${KEYS.b}"; allowedIPs = [ "10.0.0.2/32" ]; presharedKeyFile = ${JSON.stringify(HOSTILE_PATHS[1]).replaceAll("$", "\\$")}; } ];
}; }
`,
  );
  hosts.push({ id: HAND_WRITTEN, useNetworkd: false, module: hand });
  const workDir = join(work, "eval");
  mkdirSync(workDir);
  evaluation = await evaluateHosts(hosts, { nixpkgs: nixpkgsFromNixPath(), workDir });
});

after(() => removeWork?.());

/**
 * Runs one script line with the real bash: `wg` is a function printing its arguments, PATH
 * holds nothing, so any other command fails ("command not found") and shows on stderr.
 */
function runLine(line: string): { calls: string[][]; stderr: string; code: number } {
  // The stub package set names wg by its store path; the function stands in for it.
  const script = `wg() { printf 'CALL'; printf '\\0%s' "$@"; printf '\\n'; }
PATH=/nonexistent
${line.replace(/\S*\/bin\/wg(?=\s)/g, "wg")}
`;
  const ran = spawnSync("bash", ["--norc", "--noprofile", "-c", script], {
    encoding: "utf8",
    env: {},
  });
  const calls = ran.stdout
    .split("\n")
    .filter((l) => l.startsWith("CALL"))
    .map((l) => l.split("\0").slice(1));
  return { calls, stderr: ran.stderr, code: ran.status ?? -1 };
}

/** The lines of a script that name `path`, with their continuation lines joined. */
function linesWith(script: string, path: string): string[] {
  return script
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.includes(path));
}

test("NixOS evaluated every host", () => {
  for (const [id, result] of evaluation.results)
    assert.ok(result.config, `${id}: ${result.error ?? "no config"}`);
  assert.equal(evaluation.results.size, EDGE_PATHS.length * 2 + 1);
});

for (const [i, [key, psk]] of EDGE_PATHS.entries()) {
  test(`scripted wireguard: ${key} and ${psk} reach only wg, each as one argument`, () => {
    const config = evaluation.results.get(`${i}-static`)?.config;
    assert.ok(config);
    // The interface's unit and one unit per peer (nixpkgs' wireguard-<dev>-peer-<key>).
    const services = Object.values(config.services);
    assert.ok(services.length >= 1);
    for (const [path, option] of [
      [key, "private-key"],
      [psk, "preshared-key"],
    ] as const) {
      const lines = services.flatMap((service) => linesWith(service.script, path));
      assert.ok(lines.length >= 1, `${path} in a script`);
      for (const line of lines) {
        const { calls, stderr, code } = runLine(line);
        assert.equal(stderr, "", `nothing but wg ran: ${line}`);
        assert.equal(code, 0);
        assert.equal(calls.length, 1, "wg once");
        const args = calls[0] as string[];
        assert.equal(args[0], "set");
        assert.equal(args[args.indexOf(option) + 1], path, line);
      }
      // The units run their scripts; none holds the path itself (as a whole word).
      const word = new RegExp(`(^|[\\s="'])${path.replace(/[.+]/g, "\\$&")}($|[\\s"'])`, "m");
      for (const service of services) assert.doesNotMatch(service.unit, word);
    }
  });

  test(`networkd: ${key} and ${psk} are the netdev's key files exactly`, () => {
    const config = evaluation.results.get(`${i}-networkd`)?.config;
    assert.ok(config);
    const netdevs = Object.entries(config.units).filter(([name]) => name.endsWith(".netdev"));
    assert.equal(netdevs.length, 1);
    const sections = parseUnit(netdevs[0]?.[1] ?? "");
    const value = (section: string, name: string) =>
      sections
        .filter((s) => s.name === section)
        .flatMap((s) => s.entries.filter(([k]) => k === name).map(([, v]) => v));
    assert.deepEqual(value("WireGuard", "PrivateKeyFile"), [key]);
    assert.deepEqual(value("WireGuardPeer", "PresharedKeyFile"), [psk]);
    for (const service of Object.values(config.services))
      assert.ok(!service.script.includes(key), "no script holds the path");
  });
}

test("without the rule, nixpkgs renders a hostile path into the root unit's script", () => {
  const config = evaluation.results.get(HAND_WRITTEN)?.config;
  assert.ok(config, evaluation.results.get(HAND_WRITTEN)?.error);
  const script = Object.values(config.services)[0]?.script ?? "";
  const line = linesWith(script, "touch /run/pwned")[0];
  assert.ok(line, script);
  // What bash would run: something other than wg (touch, which is not on PATH here).
  const { stderr } = runLine(line);
  assert.match(stderr, /touch: command not found/);
});

test("every hostile path is refused before any output, for every NixOS configurer", async () => {
  for (const [i, path] of HOSTILE_PATHS.entries())
    for (const [key, psk, where] of [
      [path, "/run/keys/lan.psk", /peers\[0\]\.privateKeyFile: expected an absolute path/],
      ["/run/keys/a.key", path, /subnets\[0\]\.presharedKeyFile: expected an absolute path/],
    ] as const) {
      const file = writeAcl(work, acl(key, psk), `hostile-${i}.json`);
      for (const configurer of ["static", "networkd", "networkd-dev-only"]) {
        const out = join(work, `hostile-out-${i}-${configurer}`);
        const ran = await wirenixInProcess([
          ...["generate", file, "--configurer", configurer, "--out", out],
        ]);
        assert.equal(ran.code, 1, `${JSON.stringify(path)} ${configurer}`);
        assert.match(ran.stderr, where);
        assert.equal(ran.stdout, "");
        assert.ok(!existsSync(out), "nothing written");
      }
    }
});
