/**
 * The benchmark's ACLs are compared with the original on every run of `npm run bench`; this
 * keeps that true for small sizes of each topology: the original accepts them and generates,
 * through bench/original.nix, exactly what we generate.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { busiestPeer, makeAcl, type Topology } from "../../bench/acls.js";
import { DEFAULT_OPTIONS, Generator, parseAcl } from "../../src/pipeline.js";
import { createRegistry } from "../../src/registry.js";
import { normalise } from "../support/normalise.js";
import { repoRoot } from "../support/paths.js";

const shared = resolve(process.env.WIRENIX_SHARED ?? join(repoRoot, "..", "shared"));

function original(aclFile: string, peer?: string): unknown {
  const args = ["--eval", "--strict", "--json", join(repoRoot, "bench", "original.nix")];
  args.push("--arg", "wirenix", join(shared, "reference", "wirenix"));
  args.push("--arg", "nixlib", join(shared, "reference", "nixpkgs-lib"));
  args.push("--arg", "aclJson", aclFile);
  if (peer !== undefined) args.push("--argstr", "peer", peer);
  const run = spawnSync("nix-instantiate", args, { encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

for (const [topology, peers] of [
  ["mesh", 6],
  ["spoke", 6],
  ["mixed", 20],
] as [Topology, number][]) {
  test(`bench ACL ${topology} of ${peers} peers: same output as the original, all hosts and one`, () => {
    const acl = makeAcl(topology, peers);
    const dir = mkdtempSync(join(tmpdir(), "wirenix-bench-acl-"));
    try {
      const file = join(dir, "acl.json");
      writeFileSync(file, JSON.stringify(acl));
      const parsed = parseAcl(acl, createRegistry());
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.warnings, []);
      const created = Generator.create(parsed.value, createRegistry(), DEFAULT_OPTIONS);
      assert.ok(created.ok);
      const ours: Record<string, unknown> = {};
      for (const peer of parsed.value.peers) {
        const result = created.value.configure(peer.name);
        assert.ok(result.ok);
        ours[peer.name] = normalise(result.value);
      }
      assert.equal(Object.keys(ours).length, peers);
      assert.deepEqual(normalise(original(file)), ours);
      const one = busiestPeer(acl);
      assert.deepEqual(normalise(original(file, one)), { [one]: ours[one] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
