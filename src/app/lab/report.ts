/**
 * The lab's findings for people and programs: a matrix of sources and targets (one mark per
 * service), the probes that differ from their prediction with both predictions and explain's
 * path, the policy tests, the time per phase, and the summary line; as text, markdown for a
 * pull request comment, or JSON with every probe.
 */
import { INTERNET } from "../../network/named-networks.js";
import type { LabRun } from "./lab.js";
import { asPredicted, type LabProbe, type LabTest } from "./probes.js";

export interface LabSummary {
  probes: number;
  asPredicted: number;
  differ: number;
  testsPassed: number;
  testsFailed: number;
}

const matches = asPredicted;

/** Whether the lab saw what the test asserts. */
export function testPassed(t: LabTest): boolean {
  return (t.observed === true) === (t.expect === "reaches");
}

export function summarize(run: LabRun): LabSummary {
  const { probes, tests } = run.probes;
  const asPredicted = probes.filter(matches).length;
  const testsPassed = tests.filter(testPassed).length;
  return {
    probes: probes.length,
    asPredicted,
    differ: probes.length - asPredicted,
    testsPassed,
    testsFailed: tests.length - testsPassed,
  };
}

/** `N probes: N as predicted, N differ; tests: N passed, N failed`. */
export function summaryLine(s: LabSummary): string {
  return `${s.probes} probes: ${s.asPredicted} as predicted, ${s.differ} differ; tests: ${s.testsPassed} passed, ${s.testsFailed} failed`;
}

/** One probe in words: `laptop1 -> server1 10.0.0.21 tcp/22: observed dropped, predicted arrives`. */
export function probeLine(p: LabProbe): string {
  return `${p.from} -> ${p.target} ${p.address} ${p.service}: observed ${p.observed ?? "not probed"}, predicted ${p.predicted} (explain: ${p.path})`;
}

const MARK = { arrives: "+", refused: "x", dropped: "." } as const;

/** The legend of the matrix marks. */
const LEGEND = "+ answered, x refused, . no answer, ! not as predicted";

/**
 * The matrix: a row per source, a column per target (peers, then routed networks and the
 * addresses in them), one mark per service in the order of the legend: `+` answered, `x`
 * refused, `.` no answer (each as predicted), `!` not as predicted.
 */
function matrixRows(run: LabRun): { sources: string[]; targets: string[]; cells: string[][] } {
  const { probes, services } = run.probes;
  const sources = [...new Set(probes.map((p) => p.from))];
  const { plan } = run;
  const lans = plan.hosts.flatMap((h) => h.lans.flatMap((l) => l.addresses.map((a) => a.name)));
  const probed = new Set(probes.map((p) => p.target));
  // Every peer, then the routed networks and the internet probed, then what only policy tests
  // send to.
  const beyond = [...lans, ...(plan.internet ? [INTERNET] : [])].filter((t) => probed.has(t));
  const targets = [...new Set([...plan.hosts.map((h) => h.peer), ...beyond, ...probed])];
  const cells = sources.map((from) =>
    targets.map((to) => {
      if (to === from) return "";
      return services
        .map((service) => {
          const ps = probes.filter(
            (p) => p.from === from && p.target === to && p.service === service,
          );
          if (ps.length === 0) return " ";
          if (ps.some((p) => !matches(p))) return "!";
          const seen = (o: keyof typeof MARK) => ps.some((p) => p.observed === o);
          return MARK[seen("arrives") ? "arrives" : seen("refused") ? "refused" : "dropped"];
        })
        .join("");
    }),
  );
  return { sources, targets, cells };
}

function phasesText(run: LabRun): string {
  return Object.entries(run.phases)
    .map(([phase, s]) => `${phase} ${s.toFixed(2)} s`)
    .join(", ");
}

function failedTests(run: LabRun): string[] {
  return run.probes.tests
    .filter((t) => !testPassed(t))
    .map(
      (t) =>
        `${t.path}: ${t.from} ${t.expect} ${t.target}: observed ${t.observed ? "arrives" : "dropped"}, check predicted ${t.predicted ? "arrives" : "dropped"}`,
    );
}

export function reportText(run: LabRun): string {
  const { sources, targets, cells } = matrixRows(run);
  const width = Math.max(4, ...sources.map((s) => s.length));
  const colWidth = targets.map((t, j) =>
    Math.max(t.length, ...cells.map((row) => (row[j] ?? "").length)),
  );
  const lines = [
    `${run.plan.hosts.length} hosts on ${run.wireguard}; marks per service: ${run.probes.services.join(" ")} (${LEGEND})`,
    `${"from".padEnd(width)}  ${targets.map((t, j) => t.padEnd(colWidth[j] ?? 0)).join("  ")}`,
    ...sources.map(
      (s, i) =>
        `${s.padEnd(width)}  ${(cells[i] ?? []).map((c, j) => c.padEnd(colWidth[j] ?? 0)).join("  ")}`,
    ),
  ];
  const differ = run.probes.probes.filter((p) => !matches(p));
  if (differ.length > 0)
    lines.push("", "not as predicted:", ...differ.map((p) => `  ${probeLine(p)}`));
  const failed = failedTests(run);
  if (failed.length > 0) lines.push("", "policy tests failed:", ...failed.map((f) => `  ${f}`));
  lines.push("", `time: ${phasesText(run)}`, summaryLine(summarize(run)));
  return `${lines.join("\n")}\n`;
}

const md = (text: string) => text.replaceAll("|", "\\|");

export function reportMarkdown(run: LabRun): string {
  const { sources, targets, cells } = matrixRows(run);
  const lines = [
    `### wirenix lab: ${summaryLine(summarize(run))}`,
    "",
    `${run.plan.hosts.length} hosts on ${run.wireguard}. Marks per service (${run.probes.services.join(", ")}): \`+\` answered, \`x\` refused, \`.\` no answer, \`!\` not as predicted.`,
    "",
    `| from | ${targets.map(md).join(" | ")} |`,
    `|---|${targets.map(() => "---").join("|")}|`,
    ...sources.map(
      (s, i) => `| ${md(s)} | ${(cells[i] ?? []).map((c) => (c ? `\`${c}\`` : "")).join(" | ")} |`,
    ),
  ];
  const differ = run.probes.probes.filter((p) => !matches(p));
  if (differ.length > 0)
    lines.push("", "**Not as predicted:**", "", ...differ.map((p) => `- ${md(probeLine(p))}`));
  const failed = failedTests(run);
  if (failed.length > 0)
    lines.push("", "**Policy tests failed:**", "", ...failed.map((f) => `- ${md(f)}`));
  lines.push("", `Time: ${phasesText(run)}.`);
  return `${lines.join("\n")}\n`;
}

export function reportJson(run: LabRun): string {
  const summary = summarize(run);
  return `${JSON.stringify(
    {
      hosts: run.plan.hosts.map((h) => ({
        peer: h.peer,
        namespace: h.ns,
        underlay: h.v4,
        ...(h.nat ? { behindNat: h.nat.ns } : {}),
        ...(h.lans.length > 0
          ? {
              routedNetworks: h.lans.map((l) => ({
                network: l.network,
                namespace: l.ns,
                addresses: l.addresses.map((a) => a.address),
              })),
            }
          : {}),
        ...(h.internet ? { exitNode: true } : {}),
      })),
      wireguard: run.wireguard,
      kept: run.kept,
      phases: run.phases,
      services: run.probes.services,
      probes: run.probes.probes.map((p) => ({
        from: p.from,
        ...(p.source ? { source: p.source } : {}),
        target: p.target,
        address: p.address,
        service: p.service,
        predicted: p.predicted,
        observed: p.observed ?? null,
        asPredicted: matches(p),
        ...(matches(p) ? {} : { explain: p.path }),
      })),
      tests: run.probes.tests.map((t) => ({
        path: t.path,
        from: t.from,
        target: t.target,
        expect: t.expect,
        predicted: t.predicted,
        observed: t.observed ?? null,
        passed: testPassed(t),
      })),
      summary: { ...summary, line: summaryLine(summary) },
    },
    null,
    2,
  )}\n`;
}
