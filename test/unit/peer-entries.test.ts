/**
 * Peer entries are shared between hosts of one run (see src/render/configurers/peer-entries.ts). A
 * host's configuration made in a run of every host must equal the one made alone from a fresh
 * parse of the same ACL, where there is nothing to share: sharing never lends one host's
 * entry (routes, exit node, endpoint by group, keys) to another.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { makeAcl } from "../../bench/acls.js";
import { loadAcl } from "../../src/acl/load.js";
import { parseAcl } from "../../src/acl/parse.js";
import { DEFAULT_OPTIONS, type GenerateOptions, Generator } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import { defineKeyProvider } from "../../src/keys/provider.js";
import type { Network } from "../../src/network/model.js";
import { toJson } from "../../src/render/printers/json.js";
import { fixtures, repoRoot } from "../support/paths.js";

/**
 * Providers whose answers depend on the local peer, as a plugin's may: a preshared key file
 * per local peer; another public key for one pair of peers. Peers answered differently must
 * not share an entry.
 */
const pskPerPeer = defineKeyProvider({
  name: "psk-per-peer",
  description: "a preshared key file per local peer",
  forPeer: ({ peer }) => ({
    presharedKeyFile: (subnet) => `/run/psk/${subnet.name}/${peer.name}`,
  }),
});
const keyPerPair = defineKeyProvider({
  name: "key-per-pair",
  description: "peer b knows c by another public key",
  forPeer: ({ peer }) => ({
    publicKeyOf: (remote) =>
      peer.name === "b" && remote.name === "c"
        ? "bLocalViewOfCxxxxxxxxxxxxxxxxxxxxxxxxxxxxx="
        : undefined,
  }),
});
const registry = createRegistry().register({ keyProviders: [pskPerPeer, keyPerPair] });

function parsed(data: unknown): Network {
  const result = parseAcl(data, registry);
  assert.ok(result.ok);
  return result.value;
}

function configs(network: Network, options: GenerateOptions, peers: readonly string[]) {
  const created = Generator.create(network, registry, options);
  assert.ok(created.ok);
  return peers.map((peer) => {
    const result = created.value.configure(peer);
    return result.ok ? toJson(result.value) : JSON.stringify(result.diagnostics);
  });
}

function dataOf(file: string): unknown {
  const loaded = loadAcl(file);
  assert.ok(loaded.ok);
  return loaded.value.data;
}

/** One peer dials the exit node for everything, the others only for its address. */
function exitNodeMesh(): unknown {
  const peer = (name: string, i: number, extra: object = {}) => ({
    name,
    subnets: { vpn: { listenPort: 51820, ipAddresses: [`10.9.0.${i}`], ...extra } },
    publicKey: `${String(i).repeat(42).slice(0, 42)}A=`,
    privateKeyFile: `/etc/wireguard/${name}.key`,
    endpoints: [{ ip: `192.0.2.${i}` }],
  });
  return {
    version: "v1",
    subnets: [{ name: "vpn", endpoints: [{ port: 51820 }] }],
    groups: [],
    peers: [
      peer("a", 1, { exitNode: "exit" }),
      peer("b", 2),
      peer("c", 3),
      peer("exit", 4, { routes: ["198.51.100.0/24"] }),
    ],
    connections: [{ a: [{ type: "subnet", rule: "is", value: "vpn" }], b: [] }],
  };
}

const differential = join(fixtures, "differential");
const acls: [string, unknown][] = [
  ["road-warrior", dataOf(join(repoRoot, "examples", "road-warrior.yaml"))],
  ["homelab", dataOf(join(repoRoot, "examples", "homelab.yaml"))],
  ["bench mixed 30", makeAcl("mixed", 30)],
  ["exit node mesh", exitNodeMesh()],
  ...readdirSync(differential)
    .filter((_, i) => i % 10 === 0)
    .map((name): [string, unknown] => [
      name,
      JSON.parse(readFileSync(join(differential, name, "acl.json"), "utf8")),
    ]),
];

for (const configurer of ["static", "networkd", "networkd-dev-only"])
  for (const nixosPeerShape of ["flat", "wrapped"] as const)
    for (const keyProviders of [["acl"], ["psk-per-peer", "acl"], ["key-per-pair", "acl"]])
      test(`${configurer} (${nixosPeerShape}, keys from ${keyProviders.join(", ")}): every host made in one run equals it made alone`, () => {
        const options = { ...DEFAULT_OPTIONS, configurer, nixosPeerShape, keyProviders };
        for (const [name, data] of acls) {
          const peers = parsed(data).peers.map((p) => p.name);
          const together = configs(parsed(data), options, peers);
          peers.forEach((peer, i) => {
            const alone = configs(parsed(data), options, [peer])[0];
            assert.equal(together[i], alone, `${name}: ${peer}`);
          });
        }
      });

test("one network configured by several configurers in turn keeps their entries apart", () => {
  for (const [name, data] of acls) {
    const network = parsed(data);
    const peers = network.peers.map((p) => p.name);
    for (const configurer of ["static", "networkd", "networkd-dev-only"])
      for (const nixosPeerShape of ["flat", "wrapped"] as const) {
        const options = { ...DEFAULT_OPTIONS, configurer, nixosPeerShape };
        assert.deepEqual(
          configs(network, options, peers),
          configs(parsed(data), options, peers),
          `${name}: ${configurer} ${nixosPeerShape}`,
        );
      }
  }
});
