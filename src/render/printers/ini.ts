/**
 * An INI printer for the two readers we write for: wg-quick (and the `wg` config parser behind
 * it) and systemd (.netdev/.network units). Neither reader has an escape syntax, so a value one
 * of them would misread is rejected here, naming the ACL path it came from, instead of being
 * written; no other module pastes user input into INI text.
 */
import {
  type Diagnostic,
  diagnostic,
  InputError,
  isNonEmpty,
  type PathSegment,
} from "../../core/diagnostics.js";
import type { RunContext } from "../../core/run-context.js";

/**
 * Who reads the file. `wg-quick`: `#` starts a comment anywhere on a line and `wg` deletes all
 * whitespace from the lines it parses. `systemd`: a trailing backslash continues the line and
 * surrounding whitespace is dropped.
 */
export type IniDialect = "wg-quick" | "systemd";

/** One `Key = value` line. */
export interface IniEntry {
  key: string;
  value: string | number;
  /** Where the value came from in the ACL, for the error when it cannot be written. */
  path?: readonly PathSegment[];
  /** Keeps the value out of error messages (private keys). */
  secret?: boolean;
}

export interface IniSection {
  name: string;
  /** Comment lines printed right after the section header (a peer's name, say). */
  comments?: readonly { text: string; path: readonly PathSegment[] }[];
  /** Entries whose value is undefined are left out, as unset options are elsewhere. */
  entries: readonly (IniEntry | undefined)[];
}

export interface IniDocument {
  /** Comment lines at the top of the file. */
  header?: readonly string[];
  sections: readonly IniSection[];
}

const NAME = /^[A-Za-z][A-Za-z0-9]*$/;
// Tabs are control characters too: both readers treat them as whitespace and would mangle them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;
/**
 * Printable ASCII without whitespace, `#` and `\`: nothing either reader could misread, so
 * nearly every value is accepted by this one test.
 */
const PLAIN_VALUE = /^[\x21\x22\x24-\x5b\x5d-\x7e]+$/;
/** wg-quick keeps whitespace in these values (it runs or splits them itself); `wg` sees the rest. */
const WG_QUICK_OWN_KEYS: ReadonlySet<string> = new Set([
  "address",
  "dns",
  "preup",
  "postup",
  "predown",
  "postdown",
]);

/** Why `value` cannot be the value of `key` in a file of `dialect`, or undefined if it can. */
export function iniValueProblem(
  dialect: IniDialect,
  key: string,
  value: string,
): string | undefined {
  if (PLAIN_VALUE.test(value)) return undefined;
  if (value === "") return "is empty";
  if (CONTROL.test(value)) return "contains a line break or another control character";
  if (value.trim() !== value) return "starts or ends with whitespace, which would be dropped";
  if (dialect === "wg-quick") {
    if (value.includes("#")) return "contains '#', which wg-quick reads as the start of a comment";
    if (!WG_QUICK_OWN_KEYS.has(key.toLowerCase()) && /\s/.test(value))
      return "contains whitespace, which wg removes from every line it reads";
  } else if (value.endsWith("\\"))
    return "ends with a backslash, which systemd reads as a line continuation";
  return undefined;
}

function commentProblem(text: string): string | undefined {
  if (CONTROL.test(text)) return "contains a line break or another control character";
  return undefined;
}

function internal(what: string): never {
  throw new Error(`internal error: invalid INI ${what}`);
}

/**
 * Prints the document, or throws an `InputError` listing every value that cannot be written,
 * each at its ACL path. Section names and keys come from configurers, never from users, so a
 * bad one is a bug. A section shared by several documents of `run` (a peer's section in every
 * host of a mesh, see `sharedPeerEntry`) is printed once and its text reused.
 */
export function toIni(document: IniDocument, dialect: IniDialect, run?: RunContext): string {
  return toIniPieces(document, dialect, run).join("");
}

/**
 * `toIni`'s text in pieces (a section or a separator each), for a file too big to be made as
 * one string cheaply: V8 gives every string above 128 KB fresh memory of its own, which cost
 * more than making the 1000-peer mesh's sections (a 167 KB string 0.7–1.7 ms here, the same
 * bytes in 50 KB pieces 0.09 ms). Joined, they are `toIni`'s text.
 */
export function toIniPieces(
  document: IniDocument,
  dialect: IniDialect,
  run?: RunContext,
): string[] {
  const problems: Diagnostic[] = [];
  const header: string[] = [];
  for (const text of document.header ?? []) comment(header, problems, text, undefined);
  const pieces: string[] = header.length > 0 ? [header.join("\n")] : [];
  const printed = run?.share(`printers/ini ${dialect}`, () => new WeakMap<IniSection, string>());
  for (const section of document.sections) {
    const shared = printed !== undefined && run?.isShared(section) === true;
    let text = shared ? printed.get(section) : undefined;
    if (text === undefined) {
      const before = problems.length;
      text = sectionText(section, dialect, problems);
      if (shared && problems.length === before) printed.set(section, text);
    }
    // Sections apart by an empty line.
    if (pieces.length > 0) pieces.push("\n\n");
    pieces.push(text);
  }
  if (isNonEmpty(problems)) throw new InputError(problems);
  pieces.push("\n");
  return pieces;
}

/** A comment line, or a problem at `path` (a bug when the comment has none). */
function comment(
  lines: string[],
  problems: Diagnostic[],
  text: string,
  path: readonly PathSegment[] | undefined,
): void {
  const problem = commentProblem(text);
  if (problem === undefined) lines.push(text === "" ? "#" : `# ${text}`);
  else if (path === undefined) internal(`comment ${JSON.stringify(text)}`);
  else
    problems.push(
      diagnostic("error", "invalid-value", path, `cannot be written as a comment: ${problem}`),
    );
}

/** One section's lines, without a line break at the end; what cannot be written goes to `problems`. */
function sectionText(section: IniSection, dialect: IniDialect, problems: Diagnostic[]): string {
  const separator = dialect === "wg-quick" ? " = " : "=";
  if (!NAME.test(section.name)) internal(`section name ${JSON.stringify(section.name)}`);
  const lines = [`[${section.name}]`];
  for (const { text, path } of section.comments ?? []) comment(lines, problems, text, path);
  for (const entry of section.entries) {
    if (entry === undefined) continue;
    if (!NAME.test(entry.key)) internal(`key ${JSON.stringify(entry.key)}`);
    const value = String(entry.value);
    const problem = iniValueProblem(dialect, entry.key, value);
    if (problem === undefined) {
      lines.push(`${entry.key}${separator}${value}`);
      continue;
    }
    if (entry.path === undefined)
      internal(`value for ${entry.key}: ${entry.secret ? "(secret)" : JSON.stringify(value)}`);
    const shown = entry.secret ? "the value" : JSON.stringify(value);
    problems.push(
      diagnostic(
        "error",
        "invalid-value",
        entry.path,
        `${shown} cannot be written as ${section.name}.${entry.key} in a ${dialect} file: it ${problem}`,
      ),
    );
  }
  return lines.join("\n");
}
