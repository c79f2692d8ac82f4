/**
 * Which side of each pair of the lab's peers starts the handshake before the probes
 * (src/app/lab/handshakes.ts): the side that can dial the other, and where both can, the one
 * earlier in the plan; the other side pings only if no handshake came of it. Expected values
 * written out by hand for the homelab example (its laptop roams: nobody dials it).
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { test } from "node:test";
import { handshakeTargets } from "../../src/app/lab/handshakes.js";
import { planLab } from "../../src/app/lab/plan.js";
import { readNetwork } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import { repoRoot } from "../support/paths.js";

const KEYS = new Map([
  ["gateway", "G"],
  ["nas", "N"],
  ["media", "M"],
  ["laptop", "L"],
]);

test("homelab: every pair once a subnet, started by the side that dials, the earlier of two", () => {
  const read = readNetwork(join(repoRoot, "examples", "homelab.yaml"), createRegistry());
  assert.ok(read.ok);
  const network = read.value;
  const plan = planLab(network, "hs");
  assert.deepEqual(
    plan.hosts.map((h) => h.peer),
    ["gateway", "nas", "media", "laptop"],
  );
  const of = (peer: string) => {
    const host = plan.hosts.find((h) => h.peer === peer);
    assert.ok(host);
    return handshakeTargets(network, plan, host, KEYS).map((t) => [
      t.peer,
      t.address,
      t.publicKey,
      t.first,
    ]);
  };
  assert.deepEqual(of("gateway"), [
    ["media", "10.10.0.3", "M", true],
    ["nas", "10.10.0.2", "N", true],
    // The laptop roams: the gateway cannot dial it and sends it nothing; the laptop starts.
    ["media", "10.20.0.3", "M", true],
  ]);
  assert.deepEqual(of("nas"), [
    ["gateway", "10.10.0.1", "G", false],
    ["media", "10.10.0.3", "M", true],
  ]);
  assert.deepEqual(of("media"), [
    ["gateway", "10.10.0.1", "G", false],
    ["nas", "10.10.0.2", "N", false],
    ["gateway", "10.20.0.1", "G", false],
  ]);
  assert.deepEqual(of("laptop"), [["gateway", "10.20.0.1", "G", true]]);
});

test("a lab of some peers: the peers outside it are no targets", () => {
  const read = readNetwork(join(repoRoot, "examples", "homelab.yaml"), createRegistry());
  assert.ok(read.ok);
  const plan = planLab(read.value, "hs", ["gateway", "nas"]);
  const gateway = plan.hosts.find((h) => h.peer === "gateway");
  assert.ok(gateway);
  assert.deepEqual(
    handshakeTargets(read.value, plan, gateway, KEYS).map((t) => [t.peer, t.first]),
    [["nas", true]],
  );
});
