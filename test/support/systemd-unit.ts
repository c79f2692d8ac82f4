/**
 * systemd unit files as systemd-networkd reads them, to compare two renderings of one unit
 * (NixOS's `systemd.network.units.<unit>.text` and our networkd-files output) by meaning:
 * comments and blank lines do not count, the order of sections and of a repeated key inside
 * a section does, the order of different keys inside a section does not, and a boolean may
 * be spelled any way networkd's parse_boolean() accepts.
 */

export interface UnitSection {
  name: string;
  entries: [string, string][];
}

/** Sections of `Key=value` lines; `#` and `;` lines are comments. */
export function parseUnit(text: string): UnitSection[] {
  const sections: UnitSection[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([A-Za-z0-9]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1] as string, entries: [] });
      continue;
    }
    const eq = line.indexOf("=");
    const section = sections.at(-1);
    if (eq <= 0 || !section) throw new Error(`not a Key=value line inside a section: ${line}`);
    section.entries.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

// systemd's parse_boolean(): the spellings it accepts, case-insensitively.
const TRUE = new Set(["1", "yes", "y", "true", "t", "on"]);
const FALSE = new Set(["0", "no", "n", "false", "f", "off"]);

function spelling(value: string): string {
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return "<true>";
  if (FALSE.has(lower)) return "<false>";
  return value;
}

/** One line per setting, sections in order, keys sorted stably (repeats keep their order). */
export function unitMeaning(text: string): string[] {
  return parseUnit(text).flatMap((section, i) => [
    `[${section.name}] #${i}`,
    ...section.entries
      .map(([key, value]) => `  ${key}=${spelling(value)}`)
      .sort((a, b) => {
        const [ka, kb] = [a.split("=")[0] as string, b.split("=")[0] as string];
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      }),
  ]);
}
