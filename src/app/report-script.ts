/**
 * The report page's script (inline; the page fetches nothing). It draws only the part of the
 * matrix in view: a table the size of the whole matrix whose rows and columns out of view are
 * one empty spacer each, redrawn as the box scrolls, so a thousand peers (a million cells)
 * open as fast as ten. The cells are read from the page's data as they are drawn
 * (report-data.ts); a cell's why is built from its kind's template when it is hovered,
 * focused or selected. Keyboard: Tab enters the matrix at one cell, the arrow keys, Home, End,
 * Page Up and Page Down move, Enter or Space explains. The hosts' files are inflated once,
 * in the background after the matrix is drawn, and a host's are written out when it opens.
 */
import { CELL_DIGITS } from "./report-data.js";

/** A cell's size in CSS pixels; the page measures the real one after drawing. */
export const CELL_WIDTH = 26;
export const CELL_HEIGHT = 24;
/** The font of the matrix's headers, which the page measures names with. */
export const HEADER_FONT = '600 13px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif';
/** Names longer than this (in CSS pixels) are cut with an ellipsis in the headers. */
export const HEADER_MAX = 180;
/** How many of the diff's reachability changes the page adds at a time. */
const REACH_PAGE = 200;

export const REPORT_SCRIPT = String.raw`
"use strict";
const data = JSON.parse(document.getElementById("report-data").textContent);
const peers = data.peers;
const n = peers.length;
const all = BigInt("0x" + data.all);
const kindMasks = data.kinds.map((k) => BigInt("0x" + k[0]));
const DIGITS = "${CELL_DIGITS}";
const digit = new Uint8Array(128);
for (let d = 0; d < 64; d++) digit[DIGITS.charCodeAt(d)] = d;
const peerInput = document.getElementById("filter-peer");
const groupSelect = document.getElementById("filter-group");
const serviceSelect = document.getElementById("filter-service");
const holder = document.getElementById("matrix");
const detail = document.getElementById("cell-detail");
const note = document.getElementById("matrix-note");
const esc = (t) => t.replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"})[c]);
const WORD = { all: "reaches with every service", some: "reaches with some services", none: "does not reach" };
/** How many rows and columns beyond the box are drawn, so a scroll shows no gap. */
const OVERSCAN = 8;

function kindOf(i, j) {
  let k = 0;
  const at = (i * n + j) * data.width;
  for (let d = 0; d < data.width; d++) k = k * 64 + digit[data.cells.charCodeAt(at + d)];
  return k;
}
const maskOf = (i, j) => kindMasks[kindOf(i, j)];
function servicesText(mask) {
  if (mask === 0n) return "nothing";
  if (mask === all) return "every service";
  const out = [];
  data.services.forEach((s, i) => { if (mask & (1n << BigInt(i))) out.push(s); });
  return out.join(", ");
}
const fullClass = (mask) => (mask === 0n ? "none" : mask === all ? "all" : "some");

// The header sizes fit the longest name (up to HEADER_MAX): measured once, with the headers' font.
const headerWidth = (() => {
  const context = document.createElement("canvas").getContext("2d");
  let widest = 40;
  if (context) {
    context.font = ${JSON.stringify(HEADER_FONT)};
    for (const p of peers) widest = Math.max(widest, context.measureText(p.name).width);
  }
  return Math.ceil(Math.min(widest, ${HEADER_MAX})) + 14;
})();
let cellWidth = ${CELL_WIDTH};
let cellHeight = ${CELL_HEIGHT};
let measured = false;

/** The matrix as filtered: the peers shown (both its rows and its columns), each cell kind's class. */
let rows = [];
let kindClass = [];
let kindLabel = [];
/** The cell Tab lands on (row and column among those shown). */
let active = { r: 0, c: 0 };
/** What is drawn: [first row, row after the last, first column, column after the last]. */
let drawn;

function chosen() {
  const text = peerInput.value.trim().toLowerCase();
  const group = groupSelect.value;
  const out = [];
  peers.forEach((p, i) => {
    if (text && !p.name.toLowerCase().includes(text)) return;
    if (group && !p.groups.includes(group)) return;
    out.push(i);
  });
  return out;
}

function render() {
  rows = chosen();
  const service = serviceSelect.value;
  const piece = service === "" ? 0n : 1n << BigInt(service);
  kindClass = kindMasks.map((mask) => (service === "" ? fullClass(mask) : mask & piece ? "all" : "none"));
  kindLabel = kindMasks.map((mask) =>
    service === "" ? WORD[fullClass(mask)]
    : (mask & piece ? "reaches with " : "does not reach with ") + data.services[Number(service)]);
  note.textContent = rows.length + " of " + n + " peers shown.";
  active = { r: 0, c: 0 };
  holder.scrollTop = 0;
  holder.scrollLeft = 0;
  drawn = undefined;
  draw();
}

const cellOf = (r, c) =>
  holder.querySelector('tr[aria-rowindex="' + (r + 2) + '"] > [aria-colindex="' + (c + 2) + '"]');

function draw() {
  const m = rows.length;
  const top = holder.scrollTop;
  const left = holder.scrollLeft;
  const high = holder.clientHeight || window.innerHeight;
  const wide = holder.clientWidth || window.innerWidth;
  // The rows and columns in view; drawn again only when they leave what is drawn.
  const seen = [
    Math.floor(top / cellHeight),
    Math.min(m, Math.ceil((top + high) / cellHeight)),
    Math.floor(left / cellWidth),
    Math.min(m, Math.ceil((left + wide) / cellWidth)),
  ];
  if (drawn && seen[0] >= drawn[0] && seen[1] <= drawn[1] && seen[2] >= drawn[2] && seen[3] <= drawn[3]) return;
  const r0 = Math.max(0, seen[0] - OVERSCAN);
  const r1 = Math.min(m, seen[1] + OVERSCAN);
  const c0 = Math.max(0, seen[2] - OVERSCAN);
  const c1 = Math.min(m, seen[3] + OVERSCAN);
  drawn = [r0, r1, c0, c1];
  const focused = document.activeElement && document.activeElement.tagName === "TD" && holder.contains(document.activeElement);
  if (!focused && (active.r < r0 || active.r >= r1 || active.c < c0 || active.c >= c1))
    active = { r: Math.min(m - 1, Math.ceil(top / cellHeight)), c: Math.min(m - 1, Math.ceil(left / cellWidth)) };
  const columns = 1 + (c0 > 0 ? 1 : 0) + (c1 - c0) + (c1 < m ? 1 : 0);
  let h = '<table class="matrix" role="grid" aria-rowcount="' + (m + 1) + '" aria-colcount="' + (m + 1) +
    '" style="width:' + (headerWidth + m * cellWidth) + 'px"><caption class="visually-hidden">Rows: from; columns: to</caption>' +
    '<thead><tr aria-rowindex="1"><th class="corner" scope="col" style="width:' + headerWidth + "px;height:" + headerWidth + 'px">from \\ to</th>';
  if (c0 > 0) h += '<th class="pad" style="width:' + c0 * cellWidth + 'px"></th>';
  for (let c = c0; c < c1; c++)
    h += '<th scope="col" class="to" aria-colindex="' + (c + 2) + '" style="width:' + cellWidth + 'px"><span>' + esc(peers[rows[c]].name) + "</span></th>";
  if (c1 < m) h += '<th class="pad" style="width:' + (m - c1) * cellWidth + 'px"></th>';
  h += "</tr></thead><tbody>";
  if (r0 > 0) h += '<tr class="pad" aria-hidden="true"><td colspan="' + columns + '" style="height:' + r0 * cellHeight + 'px"></td></tr>';
  for (let r = r0; r < r1; r++) {
    const i = rows[r];
    h += '<tr aria-rowindex="' + (r + 2) + '"><th scope="row">' + esc(peers[i].name) + "</th>";
    if (c0 > 0) h += '<td class="pad"></td>';
    for (let c = c0; c < c1; c++) {
      const j = rows[c];
      const at = ' aria-colindex="' + (c + 2) + '" tabindex="' + (r === active.r && c === active.c ? 0 : -1) + '"';
      if (i === j) {
        h += '<td class="self" aria-label="itself"' + at + ">\u2014</td>";
        continue;
      }
      // The mark is the class's background; the full label and the why are set when the cell
      // is hovered or focused (see explainCell).
      const k = kindOf(i, j);
      h += '<td class="' + kindClass[k] + '" aria-label="' + esc(kindLabel[k]) + '"' + at + ' data-from="' + i + '" data-to="' + j + '"></td>';
    }
    if (c1 < m) h += '<td class="pad"></td>';
    h += "</tr>";
  }
  if (r1 < m) h += '<tr class="pad" aria-hidden="true"><td colspan="' + columns + '" style="height:' + (m - r1) * cellHeight + 'px"></td></tr>';
  holder.innerHTML = h + "</tbody></table>";
  if (focused) (cellOf(active.r, active.c) || holder).focus({ preventScroll: true });
  if (!measured && r1 > r0 && c1 > c0) {
    // The cells' real size (fonts, zoom) decides the spacers from now on.
    measured = true;
    const cell = cellOf(r0, c0);
    const height = cell ? cell.parentElement.getBoundingClientRect().height : 0;
    if (height > 0 && Math.abs(height - cellHeight) > 0.01) {
      cellHeight = height;
      drawn = undefined;
    }
  }
  // The box's size is known once the table is in it: draw again if that shows more.
  draw();
}

let scheduled = false;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; draw(); });
}

/** Moves the Tab cell to (r, c), scrolls it into view below the sticky headers, focuses it. */
function moveTo(r, c) {
  const m = rows.length;
  if (m === 0) return;
  r = Math.max(0, Math.min(m - 1, r));
  c = Math.max(0, Math.min(m - 1, c));
  active = { r, c };
  const high = holder.clientHeight - headerWidth;
  const wide = holder.clientWidth - headerWidth;
  if (r * cellHeight < holder.scrollTop) holder.scrollTop = r * cellHeight;
  else if ((r + 1) * cellHeight > holder.scrollTop + high) holder.scrollTop = (r + 1) * cellHeight - high;
  if (c * cellWidth < holder.scrollLeft) holder.scrollLeft = c * cellWidth;
  else if ((c + 1) * cellWidth > holder.scrollLeft + wide) holder.scrollLeft = (c + 1) * cellWidth - wide;
  draw();
  const cell = cellOf(r, c);
  if (!cell) return;
  cell.focus({ preventScroll: true });
  // The box shows the cell already; the page scrolls if the box's own edge is out of view.
  cell.scrollIntoView({ block: "nearest", inline: "nearest" });
}

function whyOf(i, j) {
  return data.whys[data.kinds[kindOf(i, j)][1]]
    .replaceAll("\u0001", JSON.stringify(peers[i].name))
    .replaceAll("\u0002", JSON.stringify(peers[j].name));
}
function show(td) {
  if (!td || td.dataset.from === undefined) return;
  const i = Number(td.dataset.from);
  const j = Number(td.dataset.to);
  const mask = maskOf(i, j);
  detail.textContent = peers[i].name + " \u2192 " + peers[j].name + ": " + WORD[fullClass(mask)] + " (" + servicesText(mask) + ")\n" + whyOf(i, j);
}
function explainCell(td) {
  if (!td || td.dataset.from === undefined || td.title) return;
  const i = Number(td.dataset.from);
  const j = Number(td.dataset.to);
  const label = peers[i].name + " to " + peers[j].name + ": " + servicesText(maskOf(i, j));
  td.title = label + "\n" + whyOf(i, j);
  td.setAttribute("aria-label", label);
}

holder.addEventListener("scroll", schedule, { passive: true });
window.addEventListener("resize", schedule);
holder.addEventListener("mouseover", (e) => explainCell(e.target.closest("td")));
holder.addEventListener("focusin", (e) => {
  const td = e.target.closest("td");
  if (!td || !td.hasAttribute("aria-colindex")) return;
  for (const other of holder.querySelectorAll('td[tabindex="0"]')) other.tabIndex = -1;
  td.tabIndex = 0;
  active = { r: Number(td.parentElement.getAttribute("aria-rowindex")) - 2, c: Number(td.getAttribute("aria-colindex")) - 2 };
  explainCell(td);
});
holder.addEventListener("click", (e) => show(e.target.closest("td")));
holder.addEventListener("keydown", (e) => {
  const td = e.target.closest("td");
  if (!td || !td.hasAttribute("aria-colindex")) return;
  const page = Math.max(1, Math.floor((holder.clientHeight - headerWidth) / cellHeight));
  const { r, c } = active;
  const moves = {
    ArrowUp: [r - 1, c], ArrowDown: [r + 1, c], ArrowLeft: [r, c - 1], ArrowRight: [r, c + 1],
    Home: e.ctrlKey ? [0, 0] : [r, 0], End: e.ctrlKey ? [rows.length - 1, rows.length - 1] : [r, rows.length - 1],
    PageUp: [r - page, c], PageDown: [r + page, c],
  };
  if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    show(td);
  } else if (moves[e.key]) {
    e.preventDefault();
    moveTo(moves[e.key][0], moves[e.key][1]);
  }
});
for (const control of [peerInput, groupSelect, serviceSelect]) control.addEventListener("input", render);
render();
// For the benchmark (bench/review.ts) and anyone profiling the page: when the matrix was there.
performance.mark("wirenix-matrix-drawn");

// The diff's reachability changes, a page at a time (there can be tens of thousands).
const REACH_PAGE = ${REACH_PAGE};
const reachBody = document.getElementById("reach-changes");
const reachMore = document.getElementById("reach-more");
const reachNote = document.getElementById("reach-note");
let reachShown = 0;
function showReach() {
  const { texts, changes } = data.reach;
  const end = Math.min(changes.length, reachShown + REACH_PAGE);
  const rows = document.createDocumentFragment();
  for (; reachShown < end; reachShown++) {
    const [opened, from, to, service, before, after] = changes[reachShown];
    const why = (t) =>
      t < 0 ? "" : texts[t].replaceAll("\u0001", JSON.stringify(texts[from])).replaceAll("\u0002", JSON.stringify(texts[to]));
    const tr = document.createElement("tr");
    const cells = [opened ? "opened" : "closed", texts[from], texts[to], texts[service], why(before), why(after)];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    tr.firstChild.className = opened ? "added" : "removed";
    rows.append(tr);
  }
  reachBody.append(rows);
  reachNote.textContent = reachShown + " of " + changes.length + " changes shown.";
  reachMore.hidden = reachShown === changes.length;
  reachMore.textContent = "Show " + Math.min(REACH_PAGE, changes.length - reachShown) + " more";
}
if (reachBody) {
  reachMore.addEventListener("click", showReach);
  showReach();
}

// The hosts' files: inflated once, after the matrix is drawn; a host's are written out when it opens.
async function inflateFiles() {
  const packed = Uint8Array.from(atob(data.files), (c) => c.charCodeAt(0));
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  // Where each host's line numbers start.
  const starts = [];
  let at = 0;
  for (const host of data.hosts) {
    starts.push(at);
    if (typeof host === "string") continue;
    for (const file of host) for (let k = 0; k < file[2]; k++) while (bytes[at++] >= 128);
  }
  return { bytes, starts };
}
function writeHost(details, files) {
  const index = Number(details.dataset.host);
  const host = data.hosts[index];
  if (typeof host === "string") {
    const p = document.createElement("p");
    p.textContent = "Cannot be generated: " + host;
    details.append(p);
    return;
  }
  if (files.error) {
    const p = document.createElement("p");
    p.textContent = files.error;
    details.append(p);
    return;
  }
  let at = files.starts[index];
  for (const [path, secret, count] of host) {
    const lines = new Array(count);
    let line = 0;
    for (let k = 0; k < count; k++) {
      let v = 0;
      let scale = 1;
      let b;
      do {
        b = files.bytes[at++];
        v += (b & 127) * scale;
        scale *= 128;
      } while (b >= 128);
      line += v % 2 ? -(v + 1) / 2 : v / 2;
      lines[k] = data.lines[line];
    }
    const h = document.createElement("h4");
    h.textContent = path + (secret ? " (secret)" : "");
    const pre = document.createElement("pre");
    pre.textContent = lines.join("\n");
    details.append(h, pre);
  }
}
let files;
const inflating = inflateFiles().then(
  (got) => (files = got),
  (error) => (files = { error: "This browser cannot read the hosts' files (" + error + "): it needs DecompressionStream (Chrome 80, Firefox 113, Safari 16.4 or later)." }),
);
for (const host of document.querySelectorAll("details.host")) {
  host.addEventListener("toggle", () => {
    if (!host.open || host.dataset.drawn) return;
    host.dataset.drawn = "yes";
    if (files || typeof data.hosts[Number(host.dataset.host)] === "string") writeHost(host, files);
    else inflating.then(() => writeHost(host, files));
  });
}
`;
