/**
 * Reading an ACL file into plain data, by its extension. Nothing here knows the ACL's shape;
 * it only turns bytes into a value and offers to point at a path inside the source text.
 */

import type * as ChildProcess from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, resolve } from "node:path";
import type * as SmolToml from "smol-toml";
import type * as Yaml from "yaml";
import type { Diagnostic, PathSegment, Result } from "../diagnostics.js";

/**
 * The YAML and TOML parsers are loaded on first use: `yaml` alone takes longer to load than
 * a one-host run of a JSON ACL needs for everything else, and a JSON ACL only needs it to
 * point at a line in an error message. Both packages ship a CommonJS build, so `require`
 * loads them synchronously and `loadAcl` stays synchronous.
 */
const requireLazily = createRequire(import.meta.url);
let yamlModule: typeof Yaml | undefined;
let tomlModule: typeof SmolToml | undefined;

/** node:child_process too: only a .nix ACL needs it, to run nix-instantiate. */
function nixInstantiate(args: readonly string[]): ChildProcess.SpawnSyncReturns<string> {
  const { spawnSync } = requireLazily("node:child_process") as typeof ChildProcess;
  return spawnSync("nix-instantiate", args, { encoding: "utf8", maxBuffer: 1 << 30 });
}

function yaml(): typeof Yaml {
  if (!yamlModule) yamlModule = requireLazily("yaml") as typeof Yaml;
  return yamlModule;
}

function toml(): typeof SmolToml {
  if (!tomlModule) tomlModule = requireLazily("smol-toml") as typeof SmolToml;
  return tomlModule;
}

/** Where in the source text a path starts, when the format can tell. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** An ACL as data, with the file it came from. */
export interface LoadedAcl {
  file: string;
  data: unknown;
  /** Line and column of the deepest existing node along `path`, if the format keeps them. */
  locate(path: readonly PathSegment[]): SourcePosition | undefined;
}

/** The extensions `loadAcl` understands, each with how it reads the text. */
export const ACL_FORMATS = [".nix", ".json", ".yaml", ".yml", ".toml"] as const;

function failure(file: string, code: string, message: string, at?: SourcePosition): Result<never> {
  const d: Diagnostic = { code, severity: "error", path: [], message, file };
  if (at) {
    d.line = at.line;
    d.column = at.column;
  }
  return { ok: false, diagnostics: [d] };
}

const noPositions = (): undefined => undefined;

/** Finds positions through the YAML parser, which reads JSON too. */
function yamlLocator(text: string): LoadedAcl["locate"] {
  let doc: Yaml.Document.Parsed | undefined;
  let counter: Yaml.LineCounter | undefined;
  return (path) => {
    const { isNode, LineCounter, parseDocument } = yaml();
    if (!doc) {
      counter = new LineCounter();
      doc = parseDocument(text, {
        lineCounter: counter,
        keepSourceTokens: false,
        logLevel: "error",
      });
    }
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range && counter) {
        const pos = counter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
}

function positionOfOffset(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** Raised inside `scanJson` where the text stops being JSON. */
class JsonStop extends Error {}

// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold raw control characters.
const JSON_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const JSON_LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** What a walk over JSON text found: where it stopped being JSON, or a key given twice. */
interface JsonScan {
  /** The offset of the first character that is not valid JSON, if any. */
  stop?: number;
  duplicate?: { key: string; offset: number };
}

/**
 * Walks JSON text for what `JSON.parse` does not tell: the offset of a syntax error (Node 20
 * names it for some mistakes only) and keys given twice in one object (it keeps the last
 * silently, so a second `peers` would drop the first without a word).
 */
function scanJson(text: string): JsonScan {
  let i = 0;
  let duplicate: JsonScan["duplicate"];
  const expect = (ok: boolean) => {
    if (!ok) throw new JsonStop();
  };
  const skip = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; ) {
      i++;
      c = text.charCodeAt(i);
    }
  };
  const string = (): string => {
    JSON_STRING.lastIndex = i;
    const match = JSON_STRING.exec(text);
    if (match) {
      i += match[0].length;
      return match[0];
    }
    // Not a valid string: step to the offending character.
    i++;
    for (;;) {
      const c = text[i];
      expect(c !== undefined && c >= " " && c !== '"');
      i++;
      if (c === "\\") {
        expect(/^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(i, i + 5)));
        i += text[i] === "u" ? 5 : 1;
      }
    }
  };
  const value = (): void => {
    skip();
    const open = text[i];
    if (open === "{" || open === "[") {
      const close = open === "{" ? "}" : "]";
      const keys = new Set<string>();
      i++;
      skip();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (open === "{") {
          skip();
          expect(text[i] === '"');
          const at = i;
          const raw = string();
          const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
          if (keys.has(key)) duplicate ??= { key, offset: at };
          keys.add(key);
          skip();
          expect(text[i] === ":");
          i++;
        }
        value();
        skip();
        if (text[i] !== ",") break;
        i++;
      }
      expect(text[i] === close);
      i++;
      return;
    }
    if (open === '"') {
      string();
      return;
    }
    JSON_LITERAL.lastIndex = i;
    const literal = JSON_LITERAL.exec(text);
    expect(literal !== null);
    i += literal?.[0].length ?? 0;
  };
  try {
    value();
    skip();
    expect(i === text.length);
  } catch (error) {
    if (error instanceof JsonStop) return { stop: i, ...(duplicate ? { duplicate } : {}) };
    // Nesting too deep for this walk (JSON.parse copes): no verdict on duplicates.
    return {};
  }
  return duplicate ? { duplicate } : {};
}

function loadJson(file: string, text: string): Result<LoadedAcl> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // Node's wording, without its offset and its echo of the text: we print line and column.
    const reason = (error as Error).message
      .replace(/,? (?:in JSON )?at position \d+.*$/s, "")
      .replace(/, .*is not valid JSON$/s, "");
    const stop = scanJson(text).stop;
    const at = stop === undefined ? undefined : positionOfOffset(text, Math.min(stop, text.length));
    return failure(file, "syntax-error", `invalid JSON: ${reason}`, at);
  }
  const { duplicate } = scanJson(text);
  if (duplicate)
    return failure(
      file,
      "syntax-error",
      `invalid JSON: duplicate key ${JSON.stringify(duplicate.key)} (only the last would count)`,
      positionOfOffset(text, duplicate.offset),
    );
  return { ok: true, value: { file, data, locate: yamlLocator(text) }, warnings: [] };
}

/** The key (as JSON) whose source starts at `offset`, to name it in a duplicate-key error. */
function keyAt(doc: Yaml.Document.Parsed, offset: number): string | undefined {
  const { isScalar, visit } = yaml();
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = JSON.stringify(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function loadYaml(file: string, text: string): Result<LoadedAcl> {
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  // logLevel "error": the parser would otherwise print its warnings on stderr by itself.
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, logLevel: "error" });
  const first = doc.errors[0];
  if (first) {
    const pos = counter.linePos(first.pos[0]);
    // The parser's own wording for this one names an API, not the problem.
    const reason =
      first.code === "MULTIPLE_DOCS"
        ? "expected one document, found several (separated by ---)"
        : first.code === "DUPLICATE_KEY"
          ? `duplicate key ${keyAt(doc, first.pos[0]) ?? ""}`.trimEnd()
          : (first.message.split("\n")[0] ?? first.message);
    return failure(file, "syntax-error", `invalid YAML: ${reason}`, {
      line: pos.line,
      column: pos.col,
    });
  }
  try {
    const data = doc.toJS({ maxAliasCount: 1000 });
    return { ok: true, value: { file, data, locate: yamlLocator(text) }, warnings: [] };
  } catch (error) {
    return failure(file, "syntax-error", `invalid YAML: ${(error as Error).message}`);
  }
}

function loadToml(file: string, text: string): Result<LoadedAcl> {
  try {
    return {
      ok: true,
      value: { file, data: toml().parse(text), locate: noPositions },
      warnings: [],
    };
  } catch (error) {
    const e = error as Error & { line?: number; column?: number };
    const reason = (e.message.split("\n")[0] ?? e.message).replace(/^Invalid TOML document: /, "");
    const at = e.line === undefined ? undefined : { line: e.line, column: e.column ?? 1 };
    return failure(file, "syntax-error", `invalid TOML: ${reason}`, at);
  }
}

const NIX_POSITION = /^\s*at (.+):(\d+):(\d+):$/;
const NIX_CODE_FRAME = /^\s*\d*\s*\|/;

/**
 * Turns nix-instantiate's report into one message and a position: its "at FILE:L:C:" lines
 * look like a stack trace and its code frame repeats the file, so both are folded into
 * "(line L, column C)" (or "in FILE, line L, column C" for another file).
 */
function nixFailure(file: string, stderr: string): Result<never> {
  const own = resolve(file);
  const reasons: string[] = [];
  let at: SourcePosition | undefined;
  for (const raw of stderr.split("\n")) {
    const line = raw.trimEnd();
    if (line.trim() === "" || line.startsWith("warning:") || NIX_CODE_FRAME.test(line)) continue;
    if (line.startsWith("(use '--show-trace'")) continue;
    const position = NIX_POSITION.exec(line);
    if (position) {
      const [, where = "", l = "1", c = "1"] = position;
      if (where === own) at ??= { line: Number(l), column: Number(c) };
      else reasons.push(`(in ${where}, line ${l}, column ${c})`);
      continue;
    }
    reasons.push(line.trim().replace(/^error: /, ""));
  }
  const reason = reasons.join(" ") || "nix-instantiate failed without a message";
  return failure(file, "load-failed", `cannot evaluate the Nix ACL: ${reason}`, at);
}

/** Evaluates a Nix ACL with the real evaluator, the only one that knows every Nix construct. */
function loadNix(file: string): Result<LoadedAcl> {
  const run = nixInstantiate(["--eval", "--strict", "--json", resolve(file)]);
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === "ENOENT";
    return failure(
      file,
      "nix-unavailable",
      missing
        ? "cannot evaluate a .nix ACL: nix-instantiate is not installed (Debian: apt-get install nix-bin), or convert the ACL to JSON, YAML or TOML"
        : `cannot run nix-instantiate: ${run.error.message}`,
    );
  }
  if (run.status !== 0) return nixFailure(file, run.stderr);
  try {
    return {
      ok: true,
      value: { file, data: JSON.parse(run.stdout), locate: noPositions },
      warnings: [],
    };
  } catch (error) {
    return failure(
      file,
      "load-failed",
      `nix-instantiate printed no JSON: ${(error as Error).message}`,
    );
  }
}

/** Parses ACL text that is already in memory; `file` names it in messages and picks the format. */
export function parseAclText(file: string, text: string): Result<LoadedAcl> {
  switch (extname(file).toLowerCase()) {
    case ".json":
      return loadJson(file, text);
    case ".yaml":
    case ".yml":
      return loadYaml(file, text);
    case ".toml":
      return loadToml(file, text);
    default:
      return failure(
        file,
        "unsupported-format",
        `expected an ACL file ending in ${ACL_FORMATS.join(", ")}`,
      );
  }
}

/** Reads an ACL file of any supported format. */
export function loadAcl(file: string): Result<LoadedAcl> {
  const ext = extname(file).toLowerCase();
  if (!(ACL_FORMATS as readonly string[]).includes(ext)) {
    return failure(
      file,
      "unsupported-format",
      `expected an ACL file ending in ${ACL_FORMATS.join(", ")}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const reason =
      e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "is a directory" : e.message;
    return failure(file, "load-failed", `cannot read the ACL: ${reason}`);
  }
  if (text.trim() === "")
    return failure(
      file,
      "load-failed",
      "the file is empty; expected an ACL object { version, subnets, groups, peers, connections }",
    );
  if (ext === ".nix") return loadNix(file);
  return parseAclText(file, text);
}
