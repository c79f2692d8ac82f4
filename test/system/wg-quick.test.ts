/**
 * wg-quick files, proven with the real wg-quick on wireguard-go in network namespaces: every
 * topology of the original's VM tests and README comes up, linked peers answer, others do not.
 */
import { strict as assert } from "node:assert";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { removeStaleNamespaces } from "../support/netns.js";
import { type BringUp, type Proof, prove } from "../support/prove.js";
import { TOPOLOGIES } from "../support/topologies.js";

const wgQuickUp: BringUp = async (lab, host, _peer, files) => {
  const confs = readdirSync(files).filter((f) => f.endsWith(".conf"));
  assert.ok(confs.length > 0, `${files} has .conf files`);
  for (const conf of confs.sort())
    await lab.mustExec(host, ["wg-quick", "up", join(files, conf)], {
      env: { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" },
    });
};

const proofs: Proof[] = [];
const started = Date.now();

before(async () => {
  await removeStaleNamespaces();
});

for (const topology of TOPOLOGIES)
  test(`wg-quick: ${topology.name}`, async (t) => {
    proofs.push(await prove(t, topology, "wg-quick", wgQuickUp));
  });

after(() => {
  const sum = (key: keyof Proof) => proofs.reduce((n, p) => n + p[key], 0);
  console.log(
    `# wg-quick e2e: ${proofs.length} topologies, ${sum("reachable")} reachable and ${sum("unreachable")} unreachable checks, ${sum("namesResolved")}/${sum("namesAbsent")} names resolved/absent, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});
