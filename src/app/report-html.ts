/**
 * `wirenix report` as one HTML page a person opens in a browser, with nothing to fetch: the
 * styles, the script and the topology picture are inline, and a Content-Security-Policy
 * forbids every request. The page shows the topology, the reachability matrix (filtered by
 * peer, group and service; each cell says why on hover and on click), every host's generated
 * files (secrets redacted before they get here), the check findings linked to their line of
 * the ACL (shown redacted too), and the diff when one is given. It reads well on a phone: the
 * matrix scrolls in its own box, everything else flows in one column. The matrix and the
 * files travel as compact data (report-data.ts) that the page's script (report-script.ts)
 * draws from as they come into view, so a page of a thousand peers opens as fast as one of ten.
 */
import type { FindingChange, HostDiff, HostFiles, NetworkDiff } from "../analysis/diff.js";
import { summaryLine } from "../analysis/diff-text.js";
import type { HostChange } from "../analysis/host-facts.js";
import type { Diagnostic } from "../core/diagnostics.js";
import { renderPath } from "../core/diagnostics.js";
import { cellText, packHostFiles, packReachChanges, type ReportMatrix } from "./report-data.js";
import { CELL_HEIGHT, HEADER_FONT, HEADER_MAX, REPORT_SCRIPT } from "./report-script.js";

export interface ReportInput extends ReportMatrix {
  title: string;
  /** How the ACL is named (its path). */
  acl: string;
  /** The ACL's text, secrets redacted, for the findings to link to. */
  aclText: string;
  peers: { name: string; groups: readonly string[]; subnets: readonly string[] }[];
  /** The topology as SVG, or why it is left out. */
  topology: { svg: string } | { omitted: string };
  hosts: Map<string, HostFiles>;
  findings: readonly Diagnostic[];
  diff?: NetworkDiff;
  /** What the diff compares, `OLD → NEW`. */
  diffTitle?: string;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** JSON inside `<script>`: nothing in it can end the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/**
 * The matrix colours. Each text colour on its background has a contrast ratio of at least
 * 4.5:1 (WCAG AA), which the browser test computes from the page; a cell's mark (the legend's
 * full, half or empty circle) is drawn in that colour by gradients, not as a character: laying
 * out a few thousand one-letter texts was most of the time the page took to open.
 */
const CSS = `
:root{color-scheme:light;--fg:#1a1a1a;--muted:#555;--line:#ccc;--accent:#0b57d0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header{padding:12px 16px;border-bottom:1px solid var(--line)}
header h1{margin:0;font-size:1.3em}
header p{margin:4px 0 0;color:var(--muted);word-break:break-all}
nav{display:flex;flex-wrap:wrap;gap:4px 14px;padding:8px 16px;border-bottom:1px solid var(--line);position:sticky;top:0;background:#fff;z-index:3}
nav a{color:var(--accent)}
main{padding:0 16px 32px;max-width:1400px}
section{margin-top:24px}
#hosts,#findings,#acl{content-visibility:auto;contain-intrinsic-size:auto 600px}
h2{font-size:1.15em;border-bottom:1px solid var(--line);padding-bottom:4px}
.filters{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:end;margin-bottom:8px}
.filters label{display:flex;flex-direction:column;font-size:.9em;color:var(--muted)}
.filters input,.filters select{font:inherit;padding:4px 6px;min-width:10em}
.scroll{overflow:auto;max-height:70vh;border:1px solid var(--line)}
table.matrix{border-collapse:separate;border-spacing:0;table-layout:fixed;font-size:13px;line-height:20px}
table.matrix th{background:#f7f7f7;color:#1a1a1a;font:${HEADER_FONT};padding:0 6px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;position:sticky;z-index:1}
table.matrix thead th{top:0;vertical-align:bottom}
table.matrix thead th.to{padding:6px 0}
table.matrix thead th.to span{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);max-height:${HEADER_MAX}px;overflow:hidden;text-overflow:ellipsis}
table.matrix tbody th{left:0;text-align:right}
table.matrix thead th.corner{left:0;z-index:2;text-align:left;white-space:normal}
table.matrix th.pad{padding:0}
table.matrix td{height:${CELL_HEIGHT}px;padding:0;text-align:center;box-shadow:inset 0 0 0 1px #fff;cursor:pointer}
table.matrix td.pad,table.matrix tr.pad td{box-shadow:none;background:none;cursor:default}
td.all{background:radial-gradient(circle,#fff 0 5px,transparent 5.5px) #1e5f24;color:#ffffff}
td.some{background:radial-gradient(circle,transparent 0 4.5px,#fff 4.6px 5.5px,transparent 5.6px),radial-gradient(circle,transparent 0 5.5px,#8a4600 5.6px),linear-gradient(90deg,#fff 50%,#8a4600 50%);background-color:#8a4600;color:#ffffff}
td.none{background:radial-gradient(circle,transparent 0 4.5px,#444 4.6px 5.5px,transparent 5.6px) #eeeeee;color:#444444}
td.self{background:#ffffff;color:#595959;cursor:default}
td:focus{outline:3px solid var(--accent);outline-offset:-3px}
.legend span{display:inline-block;padding:0 6px;margin-right:8px;border-radius:3px}
#cell-detail{margin-top:8px;padding:8px;border:1px solid var(--line);min-height:3em;white-space:pre-wrap;word-break:break-word}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12.5px;max-width:100%}
details{margin:6px 0}
summary{cursor:pointer}
.topology svg{max-width:100%;height:auto}
.acl{counter-reset:line;font-family:ui-monospace,monospace;font-size:12.5px;background:#f6f8fa;overflow:auto;padding:8px 0}
.acl div{white-space:pre;padding:0 8px}
.acl div:target{background:#fff3b0}
.acl div span{display:inline-block;width:3.5em;color:#595959;user-select:none}
ul.findings li{margin:4px 0}
.added{color:#1e5f24}.removed{color:#a1130f}
table.changes{border-collapse:collapse;font-size:13px}
table.changes td,table.changes th{border:1px solid var(--line);padding:3px 6px;vertical-align:top;text-align:left}
@media (max-width:700px){body{font-size:14px}main{padding:0 8px 24px}.filters label{flex:1 1 100%}.filters input,.filters select{width:100%}}
`;

function changeText(c: HostChange): string {
  const where = [c.subnet ? `on ${c.subnet}` : "", c.peer ? `for ${c.peer}` : ""]
    .filter(Boolean)
    .join(" ");
  const head = `${c.what}${where ? ` ${where}` : ""}`;
  if (c.old !== undefined && c.new !== undefined) return `${head}: ${c.old} → ${c.new}`;
  return c.new !== undefined ? `${head}: + ${c.new}` : `${head}: − ${c.old}`;
}

function hostDiffHtml(h: HostDiff): string {
  const items = h.changes.map((c) => `<li>${escapeHtml(changeText(c))}</li>`).join("");
  const problems = (h.problems ?? [])
    .map((p) => `<li>cannot generate: ${escapeHtml(p)}</li>`)
    .join("");
  const files = (h.files ?? [])
    .map(
      (f) =>
        `<details><summary>${escapeHtml(f.path)}</summary><pre>${escapeHtml(f.diff)}</pre></details>`,
    )
    .join("");
  return `<details><summary>${escapeHtml(h.status)} <strong>${escapeHtml(h.host)}</strong> (${h.changes.length} changes)</summary><ul>${items}${problems}</ul>${files}</details>`;
}

function findingChangeHtml(f: FindingChange): string {
  return `<li class="${f.change === "appeared" ? "added" : "removed"}">${f.change}: ${escapeHtml(`${f.severity} [${f.code}] ${f.path ? `${f.path}: ` : ""}${f.message}`)}</li>`;
}

function diffHtml(d: NetworkDiff, title: string): string {
  const parts = [
    `<section id="diff"><h2>Changes: ${escapeHtml(title)}</h2><p><strong>${escapeHtml(summaryLine(d))}</strong></p>`,
  ];
  if (d.reachability.length > 0)
    parts.push(
      // The rows are drawn by the page's script from its data, a page at a time.
      `<h3>Reachability</h3><div class="scroll"><table class="changes"><thead><tr><th scope="col">change</th><th scope="col">from</th><th scope="col">to</th><th scope="col">service</th><th scope="col">before</th><th scope="col">after</th></tr></thead><tbody id="reach-changes"></tbody></table></div><p id="reach-note" aria-live="polite"></p><button type="button" id="reach-more" hidden>Show more</button>`,
    );
  if (d.hosts.length > 0) parts.push(`<h3>Hosts</h3>${d.hosts.map(hostDiffHtml).join("")}`);
  if (d.findings.length > 0)
    parts.push(
      `<h3>Check findings</h3><ul class="findings">${d.findings.map(findingChangeHtml).join("")}</ul>`,
    );
  if (d.policy.length > 0)
    parts.push(
      `<h3>Policy tests</h3><ul>${d.policy.map((p) => `<li>${escapeHtml(`${p.path} from ${p.from} ${p.expect} ${p.target}: ${p.old ?? "absent"} → ${p.new ?? "absent"}`)}</li>`).join("")}</ul>`,
    );
  parts.push("</section>");
  return parts.join("\n");
}

function findingsHtml(findings: readonly Diagnostic[]): string {
  if (findings.length === 0) return "<p>No findings: check has nothing to say.</p>";
  const items = findings.map((d) => {
    const where = d.line === undefined ? "" : `<a href="#acl-L${d.line}">line ${d.line}</a> `;
    const path = d.path.length > 0 ? `${renderPath(d.path)}: ` : "";
    return `<li>${where}<strong>${escapeHtml(d.severity)}</strong> [${escapeHtml(d.code)}] ${escapeHtml(path + d.message)}</li>`;
  });
  return `<ul class="findings">${items.join("")}</ul>`;
}

/**
 * Each host as a closed `<details>`; its files are in the page's data and drawn when it is
 * opened (two hundred hosts' files as markup would cost the page seconds to open).
 */
function hostsHtml(hosts: Map<string, HostFiles>): string {
  return [...hosts.keys()]
    .map(
      (name, i) =>
        `<details class="host" data-host="${i}"><summary><strong>${escapeHtml(name)}</strong></summary></details>`,
    )
    .join("\n");
}

function aclHtml(text: string): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return lines
    .map((line, i) => `<div id="acl-L${i + 1}"><span>${i + 1}</span>${escapeHtml(line)}</div>`)
    .join("");
}

/** The whole page. */
export function reportHtml(input: ReportInput): string {
  const groups = [...new Set(input.peers.flatMap((p) => p.groups))].sort();
  const cells = cellText(input.cells, input.kinds.length);
  const data = {
    peers: input.peers,
    services: input.services,
    all: input.all,
    kinds: input.kinds.map((k) => [k.mask, k.why]),
    width: cells.width,
    cells: cells.text,
    whys: input.whys,
    ...packHostFiles(input.hosts),
    reach: packReachChanges(input.diff?.reachability ?? []),
  };
  const topology =
    "svg" in input.topology
      ? `<div class="topology">${input.topology.svg.replace(/^<\?xml[^>]*>\s*/, "").replace(/<!DOCTYPE[^>]*>\s*/, "")}</div>`
      : `<p>${escapeHtml(input.topology.omitted)}</p>`;
  const serviceOptions = input.services
    .map((s, i) => `<option value="${i}">${escapeHtml(s)}</option>`)
    .join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(input.title)}</title>
<style>${CSS}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}</style>
</head>
<body>
<header><h1>${escapeHtml(input.title)}</h1><p>${escapeHtml(input.acl)}: ${input.peers.length} peers</p></header>
<nav aria-label="Sections">${input.diff ? '<a href="#diff">Changes</a>' : ""}<a href="#topology">Topology</a><a href="#reachability">Reachability</a><a href="#hosts">Hosts</a><a href="#findings">Findings</a><a href="#acl">ACL</a></nav>
<main>
${input.diff ? diffHtml(input.diff, input.diffTitle ?? "") : ""}
<section id="topology"><h2>Topology</h2>${topology}</section>
<section id="reachability"><h2>Reachability</h2>
<p>Row: the sender; column: the peer its packets arrive at. Hover or select a cell for the way packets take (in the matrix, the arrow keys move and Enter explains).</p>
<p class="legend"><span class="cell-all" style="background:#1e5f24;color:#fff">\u25CF every service</span><span style="background:#8a4600;color:#fff">\u25D0 some services</span><span style="background:#eee;color:#444">\u25CB none</span></p>
<div class="filters">
<label for="filter-peer">Peer name contains<input id="filter-peer" type="search" autocomplete="off"></label>
<label for="filter-group">Group<select id="filter-group"><option value="">all peers</option>${groups.map((g) => `<option value="${escapeHtml(g)}">${escapeHtml(g)}</option>`).join("")}</select></label>
<label for="filter-service">Service<select id="filter-service"><option value="">any</option>${serviceOptions}</select></label>
</div>
<p id="matrix-note" aria-live="polite"></p>
<div class="scroll" id="matrix" tabindex="-1" role="region" aria-label="Reachability matrix"></div>
<div id="cell-detail" aria-live="polite">Select a cell to see why.</div>
</section>
<section id="hosts"><h2>Hosts and their files</h2>${hostsHtml(input.hosts)}</section>
<section id="findings"><h2>Check findings</h2>${findingsHtml(input.findings)}</section>
<section id="acl"><h2>The ACL</h2><div class="acl">${aclHtml(input.aclText)}</div></section>
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
