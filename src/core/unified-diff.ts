/**
 * A unified diff of two texts (as `diff -u` prints one), for showing how a generated file
 * changes. Lines are matched by Myers' algorithm (the shortest edit script), then grouped in
 * hunks with three lines of context.
 */

type Edit = { op: " " | "-" | "+"; line: string; a: number; b: number };

function lines(text: string): string[] {
  if (text === "") return [];
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  return out;
}

/** The shortest edit script from `a` to `b` (Myers 1986, with the trace kept to walk back). */
function edits(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
      let x = down ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
    v = next;
  }
  // Walk the trace back from the end.
  const out: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : (vd[offset + prevK] ?? 0);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY && x > 0 && y > 0) {
      x--;
      y--;
      out.push({ op: " ", line: a[x] as string, a: x, b: y });
    }
    if (d === 0) break;
    if (down) {
      y--;
      out.push({ op: "+", line: b[y] as string, a: x, b: y });
    } else {
      x--;
      out.push({ op: "-", line: a[x] as string, a: x, b: y });
    }
    x = prevX;
    y = prevY;
  }
  return out.reverse();
}

/**
 * `--- a/<name>`, `+++ b/<name>` and the hunks; the empty string when the texts are equal.
 * A side that does not exist (`undefined`) is `/dev/null`.
 */
export function unifiedDiff(
  name: string,
  before: string | undefined,
  after: string | undefined,
  context = 3,
): string {
  if (before === after) return "";
  const a = lines(before ?? "");
  const b = lines(after ?? "");
  const script = edits(a, b);
  const head = `--- ${before === undefined ? "/dev/null" : `a/${name}`}\n+++ ${after === undefined ? "/dev/null" : `b/${name}`}\n`;
  let out = head;
  let i = 0;
  while (i < script.length) {
    while (i < script.length && script[i]?.op === " ") i++;
    if (i >= script.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend while changes are closer than twice the context.
    for (let j = i; j < script.length; j++) {
      if (script[j]?.op !== " ") end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(script.length, end + context + 1);
    const hunk = script.slice(start, stop);
    const first = hunk[0] as Edit;
    const aCount = hunk.filter((e) => e.op !== "+").length;
    const bCount = hunk.filter((e) => e.op !== "-").length;
    const aStart = aCount === 0 ? first.a : first.a + 1;
    const bStart = bCount === 0 ? first.b : first.b + 1;
    out += `@@ -${aStart},${aCount} +${bStart},${bCount} @@\n`;
    for (const e of hunk) out += `${e.op}${e.line}\n`;
    i = stop;
  }
  return out === head ? "" : out;
}
