/**
 * `node dist/bench/review.js [--peers N] [--mesh N]`: how long the review commands take.
 *
 * - `diff` of two versions of an N-peer mesh (default 1000; the second has a rule and one
 *   listen port changed), through the real CLI: wall time of the process.
 * - `report` of an N-peer mesh (default 200; `--peers 50,200,1000` for several): the time to
 *   write it and its size, then, three times, how long Debian's Chromium (through
 *   playwright-core, headless) takes to open it: from navigation to the load event, and to the
 *   matrix drawn and painted with the main thread free again (the first frame after the
 *   matrix's cells exist, then one task), read from the page's own clock; and the renderer's
 *   main-thread time over that span (the DevTools protocol's TaskDuration), which the
 *   machine's load inflates less than the wall time.
 *
 * Numbers, not a test: the machine's load decides them. docs/benchmark.md keeps the last ones.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
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

interface Opened {
  load: number;
  drawn: number;
  busy: number;
}

/** Opens the report once in a new page: see the header for what is measured. */
async function open(browser: Browser, file: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.addInitScript(() => {
      const w = window as unknown as { wirenixDrawn?: number };
      const watch = new MutationObserver(() => {
        if (!document.querySelector("#matrix [data-from]")) return;
        watch.disconnect();
        requestAnimationFrame(() => setTimeout(() => (w.wirenixDrawn = performance.now()), 0));
      });
      watch.observe(document, { childList: true, subtree: true });
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const busy = async () =>
      (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")
        ?.value ?? 0;
    const before = await busy();
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => "wirenixDrawn" in window, null, { polling: 50 });
    const after = await busy();
    const times = await page.evaluate(() => ({
      load:
        (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined)
          ?.loadEventEnd ?? -1,
      drawn: (window as unknown as { wirenixDrawn: number }).wirenixDrawn,
    }));
    return { ...times, busy: (after - before) * 1000 };
  } finally {
    await page.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "wirenix-bench-review-"));
try {
  const mesh = Number(values.mesh);
  const [old, now] = meshPair(dir, mesh);
  const diff = timed(["diff", old, now, "--format", "json"]);
  console.log(`diff of a ${mesh}-peer mesh: exit ${diff.code}, ${diff.wall.toFixed(1)} s wall`);

  const browser = await launchChromium();
  try {
    for (const peers of values.peers.split(",").map(Number)) {
      const acl = join(dir, `mesh${peers}.json`);
      writeFileSync(acl, JSON.stringify(makeAcl("mesh", peers)));
      const out = join(dir, `report${peers}.html`);
      const made = timed(["report", acl, "-o", out]);
      const size = statSync(out).size / 1e6;
      console.log(
        `report of a ${peers}-peer mesh: exit ${made.code}, written in ${made.wall.toFixed(1)} s wall, ${size.toFixed(2)} MB`,
      );
      const runs: Opened[] = [];
      for (let i = 0; i < 3; i++) runs.push(await open(browser, out));
      const list = (key: keyof Opened) => runs.map((r) => r[key].toFixed(0)).join(", ");
      console.log(
        `report of a ${peers}-peer mesh opens: load event ${list("load")} ms; matrix drawn and painted ${list("drawn")} ms; renderer main thread busy ${list("busy")} ms`,
      );
    }
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
