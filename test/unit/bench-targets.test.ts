/**
 * The bench's verdicts on issue 28's targets: the ratio to `cat`, with what start-up alone
 * costs beside it (its floor), and the 10,000-peer limits.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { type CommandRow, commandTargets } from "../../bench/commands.js";
import type { Measurement } from "../../bench/measure.js";

const took = (wallMs: number, peakRss = 100 * 2 ** 20): Measurement => ({
  wallMs,
  cpuMs: wallMs,
  peakRss,
  exitCode: 0,
  stderr: "",
});

const row = (command: string, topology: "mesh" | "hubs", peers: number, ours: number, cat = 50) =>
  ({
    command,
    topology,
    peers,
    entries: 0,
    bytes: 0,
    ours: took(ours),
    cat: took(cat),
  }) satisfies CommandRow;

test("the ratio to cat is judged against 4×, with start-up alone beside it", () => {
  const rows = [
    row("generate --format json", "mesh", 1000, 1800),
    row("generate --configurer wg-quick --out", "mesh", 1000, 150),
  ];
  const lines = commandTargets(rows, took(300));
  assert.ok(
    lines.includes(
      "MISSED  mesh 1000, generate --format json: ≤ 4× cat of its output: 36× (start-up alone, `wirenix --version`: 0.30 s, 6.0×)",
    ),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) =>
      l.startsWith("met     mesh 1000, generate --configurer wg-quick --out: ≤ 4×"),
    ),
    lines.join("\n"),
  );
  // Without a start-up measured, the ratio alone.
  assert.ok(
    commandTargets(rows).includes(
      "MISSED  mesh 1000, generate --format json: ≤ 4× cat of its output: 36×",
    ),
  );
});

test("at 10,010 peers: under 5 s and 1 GB each, a missing row named", () => {
  const lines = commandTargets([
    row("check", "hubs", 10_010, 4900),
    row("inspect", "hubs", 10_010, 5100),
  ]);
  assert.ok(
    lines.some((l) => /^met {5}hubs 10010, check: < 5 s and < 1 GB: 4\.90 s/.test(l)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /^MISSED {2}hubs 10010, inspect: < 5 s and < 1 GB: 5\.10 s/.test(l)),
    lines.join("\n"),
  );
});
