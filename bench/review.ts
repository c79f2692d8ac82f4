/**
 * `node dist/bench/review.js [--peers N] [--mesh N]`: how long the review commands take.
 *
 * - `diff` of two versions of an N-peer mesh (default 1000; the second has a rule and one
 *   listen port changed), through the real CLI: wall time of the process.
 * - `report` of an N-peer mesh (default 200): the time to write it, then the time Debian's
 *   Chromium (through playwright-core, headless) takes from navigation to the matrix drawn,
 *   read from the page's own clock (performance.now() after the matrix is there).
 *
 * Numbers, not a test: the machine's load decides them. docs/benchmark.md keeps the last ones.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { launchChromium } from "../test/support/browser.js";
import { makeAcl } from "./acls.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(repoRoot, "bin", "wirenix.js");
const { values } = parseArgs({
  options: { peers: { type: "string", default: "200" }, mesh: { type: "string", default: "1000" } },
});

/** Runs the CLI: its exit code and wall seconds. */
function timed(args: string[]): { wall: number; code: number | null } {
  const start = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    stdio: ["ignore", "ignore", "inherit"],
    maxBuffer: 1 << 30,
  });
  return { wall: (performance.now() - start) / 1000, code: r.status };
}

function meshPair(dir: string, n: number): [string, string] {
  const acl = makeAcl("mesh", n) as {
    peers: { name: string; subnets: { mesh: { listenPort: number } } }[];
    rules?: unknown[];
  };
  const old = join(dir, `mesh${n}-old.json`);
  writeFileSync(old, JSON.stringify(acl));
  acl.rules = [
    { from: [], to: [{ type: "peer", rule: "is", value: acl.peers[1]?.name }], allow: ["tcp/22"] },
    { from: [], to: [], allow: ["icmp"] },
  ];
  const changed = acl.peers[3];
  if (changed) changed.subnets.mesh.listenPort = 51999;
  const now = join(dir, `mesh${n}-new.json`);
  writeFileSync(now, JSON.stringify(acl));
  return [old, now];
}

const dir = mkdtempSync(join(tmpdir(), "wirenix-bench-review-"));
try {
  const mesh = Number(values.mesh);
  const [old, now] = meshPair(dir, mesh);
  const diff = timed(["diff", old, now, "--format", "json"]);
  console.log(`diff of a ${mesh}-peer mesh: exit ${diff.code}, ${diff.wall.toFixed(1)} s wall`);

  const peers = Number(values.peers);
  const acl = join(dir, `mesh${peers}.json`);
  writeFileSync(acl, JSON.stringify(makeAcl("mesh", peers)));
  const out = join(dir, "report.html");
  const made = timed(["report", acl, "-o", out]);
  console.log(
    `report of a ${peers}-peer mesh: exit ${made.code}, written in ${made.wall.toFixed(1)} s wall`,
  );
  const browser = await launchChromium();
  try {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${out}`);
      await page.waitForSelector("table.matrix td");
      runs.push(await page.evaluate(() => performance.now()));
      await page.close();
    }
    console.log(
      `report of a ${peers}-peer mesh opens (navigation to matrix drawn) in ${Math.min(...runs).toFixed(0)} ms (fastest of ${runs.map((r) => r.toFixed(0)).join(", ")})`,
    );
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
