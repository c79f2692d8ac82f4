/**
 * Writing public keys back into the ACL file, in the file's own format: YAML through the
 * `yaml` Document API (comments and layout kept), JSON with its indentation kept, TOML
 * re-printed (TOML has no comment-keeping printer here, so comments are lost and the caller
 * says so). A `.nix` ACL is an expression, not data: it is never rewritten.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { isScalar, parseDocument, Scalar } from "yaml";
import { type Diagnostic, diagnostic, type Result } from "../diagnostics.js";
import { writeFileAtomic } from "../output.js";
import { fileProblem } from "./key-dir.js";

/** One peer's public key to write: the peer's index in `peers` and the key. */
export interface PublicKeyUpdate {
  index: number;
  name: string;
  publicKey: string;
}

/** Formats whose files `updateAclPublicKeys` can rewrite, by extension. */
export const UPDATABLE_FORMATS = [".json", ".yaml", ".yml", ".toml"] as const;

/** Why this ACL file cannot be rewritten, or undefined when it can. */
export function updateAclProblem(file: string): string | undefined {
  const ext = extname(file).toLowerCase();
  if ((UPDATABLE_FORMATS as readonly string[]).includes(ext)) return undefined;
  if (ext === ".nix")
    return `--update-acl cannot rewrite ${file}: a .nix ACL is a program, and editing it safely is not possible in general. Set the printed public keys in it by hand, or read them with --key-provider dir --keys-dir DIR`;
  return `--update-acl cannot rewrite ${file}: expected a .json, .yaml, .yml or .toml file`;
}

export interface UpdateReport {
  /** Peers whose key changed in the file. */
  changed: string[];
  /** True when the format cannot keep comments (TOML) and the file was re-printed. */
  reprinted: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The indentation the JSON text uses (its first indented line), two spaces if none. */
function jsonIndent(text: string): string | number {
  const match = /\n([ \t]+)\S/.exec(text);
  return match?.[1] ?? 2;
}

function peersOf(data: unknown): unknown[] | undefined {
  return isRecord(data) && Array.isArray(data.peers) ? data.peers : undefined;
}

/** Sets the keys in plain data; returns the peers that changed, or a problem. */
function setKeys(data: unknown, updates: readonly PublicKeyUpdate[]): string[] | Diagnostic {
  const peers = peersOf(data);
  const changed: string[] = [];
  for (const u of updates) {
    const peer = peers?.[u.index];
    if (!isRecord(peer) || peer.name !== u.name)
      return diagnostic(
        "error",
        "acl-changed",
        ["peers", u.index],
        `expected peer ${JSON.stringify(u.name)} here; the file changed while wirenix ran`,
      );
    if (peer.publicKey !== u.publicKey) {
      peer.publicKey = u.publicKey;
      changed.push(u.name);
    }
  }
  return changed;
}

/**
 * Replaces existing `publicKey` values in the text itself, so that nothing but the keys
 * changes. Undefined when some peer has no `publicKey` yet (or an unusual one), which needs
 * the Document printer.
 */
function replaceYamlScalars(
  text: string,
  doc: ReturnType<typeof parseDocument>,
  updates: readonly PublicKeyUpdate[],
): string | undefined {
  const edits: { start: number; end: number; value: string }[] = [];
  for (const u of updates) {
    const node = doc.getIn(["peers", u.index, "publicKey"], true);
    if (!isScalar(node) || !node.range) return undefined;
    const quote =
      node.type === Scalar.PLAIN
        ? ""
        : node.type === Scalar.QUOTE_DOUBLE
          ? '"'
          : node.type === Scalar.QUOTE_SINGLE
            ? "'"
            : undefined;
    if (quote === undefined) return undefined;
    edits.push({
      start: node.range[0],
      end: node.range[1],
      value: `${quote}${u.publicKey}${quote}`,
    });
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.value + out.slice(e.end);
  return out;
}

/** Adds or sets the keys through the Document API, which keeps comments. */
function setYamlKeys(doc: ReturnType<typeof parseDocument>, updates: readonly PublicKeyUpdate[]) {
  for (const u of updates) doc.setIn(["peers", u.index, "publicKey"], u.publicKey);
  return doc.toString();
}

/**
 * Writes the public keys into the ACL file atomically, keeping its mode (and owner). Peers whose key is
 * already right are not touched, and an ACL that needs no change is not rewritten.
 */
export function updateAclPublicKeys(
  file: string,
  updates: readonly PublicKeyUpdate[],
): Result<UpdateReport> {
  const problem = updateAclProblem(file);
  if (problem)
    return { ok: false, diagnostics: [{ ...diagnostic("error", "usage", [], problem) }] };
  const text = readFileSync(file, "utf8");
  const ext = extname(file).toLowerCase();
  let output: string;
  let changed: string[];
  let reprinted = false;
  if (ext === ".yaml" || ext === ".yml") {
    const doc = parseDocument(text);
    const set = setKeys(doc.toJS(), updates);
    if (!Array.isArray(set)) return { ok: false, diagnostics: [set] };
    changed = set;
    const todo = updates.filter((u) => changed.includes(u.name));
    output = replaceYamlScalars(text, doc, todo) ?? setYamlKeys(doc, todo);
  } else if (ext === ".json") {
    const data: unknown = JSON.parse(text);
    const set = setKeys(data, updates);
    if (!Array.isArray(set)) return { ok: false, diagnostics: [set] };
    changed = set;
    output = `${JSON.stringify(data, null, jsonIndent(text))}${text.endsWith("\n") ? "\n" : ""}`;
  } else {
    const data: unknown = parseToml(text);
    const set = setKeys(data, updates);
    if (!Array.isArray(set)) return { ok: false, diagnostics: [set] };
    changed = set;
    output = `${stringifyToml(data as Record<string, unknown>)}\n`;
    reprinted = true;
  }
  try {
    // Beside the ACL (at a symbolic link's target) and renamed over it only when complete.
    if (changed.length > 0) writeFileAtomic(file, output);
  } catch (error) {
    const problem = fileProblem(error);
    if (problem === undefined) throw error;
    return { ok: false, diagnostics: [diagnostic("error", "write-failed", [], problem)] };
  }
  return { ok: true, value: { changed, reprinted: reprinted && changed.length > 0 }, warnings: [] };
}
