/**
 * A network diff (check/diff.ts) for people: plain text for a terminal, and Markdown sized for
 * a pull-request comment (the summary first, every detail folded in `<details>`).
 */
import type { FindingChange, HostDiff, NetworkDiff, PolicyChange, ReachChange } from "./diff.js";
import type { HostChange } from "./host-facts.js";

const q = JSON.stringify;

/** `3 opened, 1 closed; hosts: 1 added, 2 changed; findings: 1 appeared; policy tests: 1 changed`. */
export function summaryLine(d: NetworkDiff): string {
  const s = d.summary;
  const parts: string[] = [];
  const list = (label: string, items: [number, string][]) => {
    const shown = items.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}`);
    if (shown.length > 0) parts.push(`${label}: ${shown.join(", ")}`);
  };
  list("reachability", [
    [s.opened, "opened"],
    [s.closed, "closed"],
  ]);
  list("hosts", [
    [s.hostsAdded, "added"],
    [s.hostsRemoved, "removed"],
    [s.hostsChanged, "changed"],
  ]);
  list("findings", [
    [s.findingsAppeared, "appeared"],
    [s.findingsDisappeared, "disappeared"],
  ]);
  list("policy tests", [[s.policyChanged, "changed"]]);
  return parts.length === 0 ? "no changes" : parts.join("; ");
}

function reachLine(c: ReachChange): string {
  return `${c.change === "opened" ? "+" : "-"} ${q(c.from)} -> ${q(c.to)} ${c.service} ${c.change}`;
}

function verdictLines(c: ReachChange, indent: string): string[] {
  const out: string[] = [];
  if (c.old)
    out.push(`${indent}before: ${c.old.reached ? "arrives" : "does not arrive"}: ${c.old.why}`);
  if (c.new)
    out.push(`${indent}after:  ${c.new.reached ? "arrives" : "does not arrive"}: ${c.new.why}`);
  return out;
}

function changeText(c: HostChange): string {
  const where = [c.subnet ? `on ${q(c.subnet)}` : "", c.peer ? `for ${q(c.peer)}` : ""]
    .filter(Boolean)
    .join(" ");
  const head = `${c.what}${where ? ` ${where}` : ""}`;
  if (c.old !== undefined && c.new !== undefined) return `${head}: ${c.old} -> ${c.new}`;
  if (c.new !== undefined) return `${head}: + ${c.new}`;
  return `${head}: - ${c.old}`;
}

function hostHead(h: HostDiff): string {
  return `${h.status} ${q(h.host)}${h.changes.length > 0 ? ` (${h.changes.length} change${h.changes.length === 1 ? "" : "s"})` : ""}`;
}

function findingText(f: FindingChange): string {
  const at = f.file ? `${f.file}${f.line === undefined ? "" : `:${f.line}`}: ` : "";
  return `${f.change === "appeared" ? "+" : "-"} ${at}${f.severity} [${f.code}] ${f.path ? `${f.path}: ` : ""}${f.message}`;
}

function policyText(p: PolicyChange): string {
  return `${p.path} from ${q(p.from)} ${p.expect} ${q(p.target)}: ${p.old ?? "absent"} -> ${p.new ?? "absent"}`;
}

/** The diff as text for a terminal. */
export function diffText(d: NetworkDiff): string {
  const lines = [summaryLine(d)];
  if (d.reachability.length > 0) {
    lines.push("", "reachability:");
    for (const c of d.reachability) lines.push(`  ${reachLine(c)}`, ...verdictLines(c, "      "));
    if (d.unexplained > 0)
      lines.push(`  (${d.unexplained} changes past the first ones are listed without the why)`);
  }
  if (d.hosts.length > 0) {
    lines.push("", "hosts:");
    for (const h of d.hosts) {
      lines.push(`  ${hostHead(h)}`);
      for (const c of h.changes) lines.push(`    ${changeText(c)}`);
      for (const p of h.problems ?? []) lines.push(`    cannot generate (${p})`);
      for (const f of h.files ?? [])
        lines.push(
          ...f.diff
            .trimEnd()
            .split("\n")
            .map((l) => `    ${l}`),
        );
    }
  }
  if (d.findings.length > 0) {
    lines.push("", "findings:");
    for (const f of d.findings) lines.push(`  ${findingText(f)}`);
  }
  if (d.policy.length > 0) {
    lines.push("", "policy tests:");
    for (const p of d.policy) lines.push(`  ${policyText(p)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Text in Markdown where it is code: no `|`, backticks or HTML can break out. */
function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  return `${fence}${text.replaceAll("|", "\\|").replaceAll("\n", " ")}${fence}`;
}

/** Plain text in a Markdown table cell or list. */
function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|#&]/g, (c) => `\\${c}`).replaceAll("\n", " ");
}

function details(summary: string, body: string[]): string[] {
  return ["<details>", `<summary>${summary}</summary>`, "", ...body, "", "</details>", ""];
}

/** The diff as Markdown for a pull-request comment: summary first, details folded. */
export function diffMarkdown(d: NetworkDiff, title = "Wirenix: what this change does"): string {
  const s = d.summary;
  const out = [`### ${md(title)}`, "", `**${md(summaryLine(d))}**`, ""];
  if (d.reachability.length > 0) {
    const opened = d.reachability.filter((c) => c.change === "opened");
    const closed = d.reachability.filter((c) => c.change === "closed");
    const table = (list: ReachChange[]) => [
      "| from | to | service | before | after |",
      "| --- | --- | --- | --- | --- |",
      ...list.map(
        (c) =>
          `| ${code(c.from)} | ${code(c.to)} | ${code(c.service)} | ${c.old ? code(c.old.why) : ""} | ${c.new ? code(c.new.why) : ""} |`,
      ),
    ];
    if (opened.length > 0) out.push(...details(`Reachability opened (${s.opened})`, table(opened)));
    if (closed.length > 0) out.push(...details(`Reachability closed (${s.closed})`, table(closed)));
    if (d.unexplained > 0)
      out.push(`_${d.unexplained} changes past the first ones are listed without the why._`, "");
  }
  if (d.hosts.length > 0) {
    const body: string[] = [];
    for (const h of d.hosts) {
      body.push(`- **${md(h.status)}** ${code(h.host)}`);
      for (const c of h.changes) body.push(`  - ${code(changeText(c))}`);
      for (const p of h.problems ?? []) body.push(`  - cannot generate: ${code(p)}`);
      for (const f of h.files ?? [])
        body.push(
          "",
          "  ```diff",
          ...f.diff
            .trimEnd()
            .split("\n")
            .map((l) => `  ${l.replaceAll("```", "` ` `")}`),
          "  ```",
        );
    }
    out.push(
      ...details(
        `Hosts (${[
          [s.hostsAdded, "added"],
          [s.hostsRemoved, "removed"],
          [s.hostsChanged, "changed"],
        ]
          .filter(([n]) => (n as number) > 0)
          .map(([n, w]) => `${n} ${w}`)
          .join(", ")})`,
        body,
      ),
    );
  }
  if (d.findings.length > 0)
    out.push(
      ...details(
        `Check findings (${s.findingsAppeared} appeared, ${s.findingsDisappeared} disappeared)`,
        d.findings.map(
          (f) => `- ${f.change === "appeared" ? "➕" : "➖"} ${code(findingText(f).slice(2))}`,
        ),
      ),
    );
  if (d.policy.length > 0)
    out.push(
      ...details(
        `Policy tests (${s.policyChanged} changed)`,
        d.policy.map((p) => `- ${code(policyText(p))}`),
      ),
    );
  return `${out.join("\n").trimEnd()}\n`;
}
