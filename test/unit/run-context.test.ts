/**
 * A library user generating again and again in one process (an editor plugin, a server) keeps
 * nothing from earlier runs: every cache lives in the generator's RunContext, which goes when
 * the generator goes. Measured with the garbage collector, not with time.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseAcl } from "../../src/acl/parse.js";
import { DEFAULT_OPTIONS, Generator } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import { toJson } from "../../src/render/printers/json.js";
import { toNix } from "../../src/render/printers/nix.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const registry = createRegistry();

/** A mesh of `size` peers whose every name, key and address is new in each round. */
function roundAcl(round: number, size: number): unknown {
  const subnet = `s${round}`;
  return {
    version: "v1",
    subnets: [{ name: subnet, endpoints: [{ port: 51820, persistentKeepalive: 25 }] }],
    groups: [],
    peers: Array.from({ length: size }, (_, i) => {
      const name = `round-${round}-peer-${i}-with-a-name-as-long-as-real-ones`;
      return {
        name,
        publicKey: createHash("sha256").update(name).digest("base64"),
        privateKeyFile: `/run/keys/${name}`,
        subnets: {
          [subnet]: {
            listenPort: 51820,
            ipAddresses: [`10.${round % 256}.${Math.floor(round / 256)}.${i + 1}`, "auto"],
          },
        },
        endpoints: [{ ip: `192.0.2.${i + 1}` }],
      };
    }),
    connections: [
      {
        a: [{ type: "subnet", rule: "is", value: subnet }],
        b: [{ type: "subnet", rule: "is", value: subnet }],
      },
    ],
  };
}

/** Every host of one round in every configurer that shares pieces, printed in both formats. */
function generateRound(round: number): WeakRef<object>[] {
  const parsed = parseAcl(roundAcl(round, 16), registry);
  assert.ok(parsed.ok);
  const refs: WeakRef<object>[] = [new WeakRef(parsed.value)];
  for (const configurer of ["static", "networkd"]) {
    const created = Generator.create(parsed.value, registry, { ...DEFAULT_OPTIONS, configurer });
    assert.ok(created.ok);
    const generator = created.value;
    refs.push(new WeakRef(generator.run));
    for (const peer of parsed.value.peers) {
      const config = generator.configure(peer.name);
      assert.ok(config.ok, JSON.stringify(config));
      assert.ok(toNix(config.value, "  ", generator.run).includes(peer.name));
      assert.ok(toJson(config.value, generator.run).length > 0);
    }
  }
  return refs;
}

async function collect(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

test("each run's context and network are collected once the caller drops them", async () => {
  const refs: WeakRef<object>[] = [];
  for (let round = 0; round < 20; round++) refs.push(...generateRound(round));
  await collect();
  assert.deepEqual(
    refs.filter((ref) => ref.deref() !== undefined).length,
    0,
    "runs still reachable after the caller dropped them",
  );
});

test("many runs on different networks do not grow the heap", async () => {
  // Warm up first: compiled code and the engine's own tables settle in the first runs.
  for (let round = 1000; round < 1100; round++) generateRound(round);
  const before = await collect();
  for (let round = 2000; round < 2400; round++) generateRound(round);
  const after = await collect();
  // 400 rounds of 16 peers with new names, keys and addresses: kept anywhere, they would be
  // megabytes (each round prints some 2,000 distinct strings).
  assert.ok(after - before < 1_000_000, `the heap grew by ${after - before} bytes over 400 runs`);
});
