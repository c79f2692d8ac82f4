/**
 * "Did you mean ...?": the name a user probably meant when the one typed is unknown (a
 * mistyped key, command or peer name).
 */

/** Edits (insert, delete, replace; case ignored) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The known name `typed` most probably stands for: the one it equals but for case, else the
 * one it is the start of (`gen` for `generate`), else the one a typo or two away (`lpatop` for
 * `laptop`); none when several are equally likely or none is close.
 */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const only = (found: readonly string[]) => (found.length === 1 ? found[0] : undefined);
  const sameButCase = known.filter((k) => k.toLowerCase() === lower);
  if (sameButCase.length > 0) return only(sameButCase);
  if (typed.length >= 2) {
    const starts = known.filter((k) => k.toLowerCase().startsWith(lower));
    if (starts.length > 0) return only(starts);
  }
  // Short names are all close to one another: allow one edit below five characters.
  const allowed = typed.length < 5 ? 1 : 2;
  let best: string[] = [];
  let bestDistance = allowed + 1;
  for (const name of known) {
    const d = editDistance(typed, name);
    if (d > allowed) continue;
    if (d < bestDistance) {
      best = [name];
      bestDistance = d;
    } else if (d === bestDistance) best.push(name);
  }
  return only(best);
}

/** ` (did you mean "x"?)`, or nothing. */
export function didYouMean(typed: string, known: readonly string[]): string {
  const close = closestName(typed, known);
  return close === undefined ? "" : ` (did you mean ${JSON.stringify(close)}?)`;
}
