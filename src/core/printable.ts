/**
 * The one guard between text from an ACL (names, values, a plugin's words) and a terminal:
 * control characters (C0, DEL, C1), bidirectional overrides and other invisible format
 * characters, line and paragraph separators and lone surrogates are shown as `\uXXXX` escapes,
 * so a name can neither move the cursor, recolour the screen, reorder what is shown nor forge
 * a line of output. The escapes are JSON's, so JSON text stays valid JSON with the same value.
 */

const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const UNPRINTABLE_BUT_LINE_BREAKS = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const NOT_PLAIN = /[^\x20-\x7e]/;
const NOT_PLAIN_BUT_LINE_BREAKS = /[^\x20-\x7e\n]/;

function escapeUnits(char: string): string {
  let out = "";
  for (let i = 0; i < char.length; i++)
    out += `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

/**
 * `text` safe to print: every unprintable character escaped. With `keepLineBreaks`, `\n` is
 * kept, for multi-line reports whose lines were made from already escaped parts, or JSON.
 */
export function printable(text: string, options: { keepLineBreaks?: boolean } = {}): string {
  // Nearly all text is printable ASCII: one quick scan spares the Unicode-class search, which
  // is most of the cost of a report of hundreds of megabytes.
  if (!(options.keepLineBreaks ? NOT_PLAIN_BUT_LINE_BREAKS : NOT_PLAIN).test(text)) return text;
  return text.replace(
    options.keepLineBreaks ? UNPRINTABLE_BUT_LINE_BREAKS : UNPRINTABLE,
    escapeUnits,
  );
}
