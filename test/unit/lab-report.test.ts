/**
 * The lab's report of three outcomes, in process: the prober's lines read into probes, a
 * refusal and a drop each as predicted or not, the matrix marks (`+`, `x`, `.`, `!`), the
 * difference lines naming both outcomes, and the JSON fields — for a run written out by hand.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { LabRun } from "../../src/app/lab/lab.js";
import type { LabPlan } from "../../src/app/lab/plan.js";
import { asPredicted, type LabProbe, readObservations } from "../../src/app/lab/probes.js";
import { reportJson, reportMarkdown, reportText, summarize } from "../../src/app/lab/report.js";

const plan: LabPlan = {
  prefix: "wnl-t-",
  bridge: "wnl-t-br",
  outside: [],
  hosts: [
    {
      peer: "laptop",
      ns: "wnl-t-0",
      v4: "198.18.0.1",
      v6: "fd00:1ab::1",
      endpointAddresses: [],
      endpointNames: [],
      lans: [],
    },
    {
      peer: "exit",
      ns: "wnl-t-1",
      v4: "198.18.0.2",
      v6: "fd00:1ab::2",
      endpointAddresses: [],
      endpointNames: [],
      lans: [],
    },
  ],
};

function probe(
  target: string,
  address: string,
  service: string,
  predicted: LabProbe["predicted"],
): LabProbe {
  return {
    from: "laptop",
    ns: "wnl-t-0",
    target,
    address,
    service,
    predicted,
    leaves: true,
    path: "p",
  };
}

function run(): LabRun {
  const probes = [
    probe("exit", "10.0.0.1", "tcp/443", "dropped"),
    probe("internet", "1.1.1.1", "tcp/443", "arrives"),
    probe("internet", "1.1.1.1", "tcp/22", "refused"),
    probe("exit", "10.0.0.1", "tcp/22", "dropped"),
  ];
  return {
    plan,
    probes: { probes, tests: [], services: ["tcp/22", "tcp/443"], problems: [] },
    wireguard: "wireguard-go",
    phases: { probes: 1.5 },
    kept: false,
  };
}

test("the prober's lines: arrives, refused, dropped; other lines are ignored", () => {
  const r = run();
  readObservations(
    "0 dropped\n1 arrives\nnoise\n2 refused\n3 refused\n9 arrives\n",
    r.probes.probes,
  );
  assert.deepEqual(
    r.probes.probes.map((p) => p.observed),
    ["dropped", "arrives", "refused", "refused"],
  );
});

test("a refusal where a drop is predicted differs, unless the packet never leaves its source", () => {
  const p = { ...probe("exit", "10.0.0.1", "tcp/22", "dropped"), observed: "refused" as const };
  assert.equal(asPredicted(p), false);
  assert.equal(asPredicted({ ...p, leaves: false }), true);
  assert.equal(asPredicted({ ...p, predicted: "refused" }), true);
  // A drop where a refusal is predicted differs, wherever the packet goes.
  assert.equal(
    asPredicted({ ...p, predicted: "refused", observed: "dropped", leaves: false }),
    false,
  );
});

test("text, markdown and JSON show refusals and drops, and the probe that differs", () => {
  const r = run();
  readObservations("0 dropped\n1 arrives\n2 refused\n3 refused\n", r.probes.probes);
  assert.deepEqual(summarize(r), {
    probes: 4,
    asPredicted: 3,
    differ: 1,
    testsPassed: 0,
    testsFailed: 0,
  });
  const text = reportText(r);
  assert.match(text, /\(\+ answered, x refused, \. no answer, ! not as predicted\)/);
  // laptop: exit tcp/22 refused (predicted dropped: !), tcp/443 dropped; internet refused, answered.
  assert.match(text, /^laptop {2}\s*!\. +x\+ *$/m);
  assert.match(
    text,
    /^ {2}laptop -> exit 10\.0\.0\.1 tcp\/22: observed refused, predicted dropped \(explain: p\)$/m,
  );
  assert.match(text, /^4 probes: 3 as predicted, 1 differ; tests: 0 passed, 0 failed$/m);
  assert.match(reportMarkdown(r), /^\| laptop \| {2}\| `!\.` \| `x\+` \|$/m);
  const json = JSON.parse(reportJson(r)) as { probes: Record<string, unknown>[] };
  assert.deepEqual(json.probes[2], {
    from: "laptop",
    target: "internet",
    address: "1.1.1.1",
    service: "tcp/22",
    predicted: "refused",
    observed: "refused",
    asPredicted: true,
  });
  assert.equal(json.probes[3]?.explain, "p");
});
