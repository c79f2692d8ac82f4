/**
 * Reading an ACL file into plain data, by its extension. Nothing here knows the ACL's shape;
 * it only turns bytes into a value and offers to point at a path inside the source text.
 */

import type * as ChildProcess from "node:child_process";
import { accessSync, constants, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, extname, join, resolve } from "node:path";
import type * as JsoncParser from "jsonc-parser";
import type * as SmolToml from "smol-toml";
import type * as Yaml from "yaml";
import type { Diagnostic, DiagnosticCode, PathSegment, Result } from "../core/diagnostics.js";
import { redactKeyLike } from "../core/secrets.js";
import {
  decodeUtf8,
  describeSize,
  hasBom,
  jsonTooDeepAt,
  nestsDeeperThan,
  ReadProblem,
  readBounded,
  tooDeepMessage,
  yamlFlowTooDeepAt,
} from "../io/bounded-read.js";
import { type NixPathEntry, restrictedEvalArgs } from "./nix-path.js";

/** The bounds a run puts on its input; every command that reads an ACL takes them as flags. */
export interface AclLimits {
  /** The largest ACL file read, in bytes (and the largest JSON a .nix ACL may evaluate to). */
  maxBytes: number;
  /** How long a .nix ACL may take to evaluate, in seconds. */
  nixTimeoutSeconds: number;
  /** How deeply lists and objects may nest. */
  maxDepth: number;
  /**
   * The `<NAME>` entries a `.nix` ACL may read besides its own directory (`--nix-path`); none
   * when absent. NIX_PATH itself is not read.
   */
  nixPath?: readonly NixPathEntry[];
}

export const DEFAULT_LIMITS: AclLimits = {
  maxBytes: 64 * 1024 * 1024,
  nixTimeoutSeconds: 120,
  // An ACL needs about 8 levels; free-form extraArgs get the rest. Far below what any parser
  // or our own recursive code can follow without running out of stack.
  maxDepth: 128,
};

/**
 * The YAML and TOML parsers are loaded on first use: `yaml` alone takes longer to load than
 * a one-host run of a JSON ACL needs for everything else, and a JSON ACL only needs it to
 * point at a line in an error message. Both packages ship a CommonJS build, so `require`
 * loads them synchronously and `loadAcl` stays synchronous; Node's module cache keeps them.
 */
const requireLazily = createRequire(import.meta.url);

/** The first executable called `name` on PATH. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here: the next directory.
    }
  }
  return undefined;
}

interface NixRun {
  /** Why nix-instantiate could not run or finish, if it did not. */
  problem?: "missing" | "timeout" | "too-big" | string;
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs nix-instantiate (node:child_process loaded only here: only a .nix ACL needs it) in a
 * session of its own, so that when the time is up the whole process group is killed, not only
 * nix-instantiate: nothing it started is left behind. Without `setsid` (util-linux) it runs
 * directly and the timeout kills nix-instantiate alone.
 */
function nixInstantiate(
  args: readonly string[],
  limits: AclLimits,
  options: { input?: string; cwd?: string } = {},
): NixRun {
  const { spawnSync } = requireLazily("node:child_process") as typeof ChildProcess;
  const nix = onPath("nix-instantiate");
  if (nix === undefined)
    return { problem: "missing", status: null, stdout: Buffer.alloc(0), stderr: "" };
  const setsid = onPath("setsid");
  const run = spawnSync(setsid ?? nix, setsid ? [nix, ...args] : [...args], {
    maxBuffer: limits.maxBytes,
    timeout: limits.nixTimeoutSeconds * 1000,
    killSignal: "SIGKILL",
    ...(options.input === undefined
      ? { stdio: ["ignore", "pipe", "pipe"] }
      : { input: options.input }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const code = (run.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ETIMEDOUT" && setsid !== undefined && run.pid)
    try {
      process.kill(-run.pid, "SIGKILL");
    } catch {
      // The group is already gone.
    }
  const stderr = run.stderr?.toString("utf8") ?? "";
  const stdout = run.stdout ?? Buffer.alloc(0);
  if (code === "ETIMEDOUT") return { problem: "timeout", status: null, stdout, stderr };
  if (code === "ENOBUFS") return { problem: "too-big", status: null, stdout, stderr };
  if (run.error) return { problem: run.error.message, status: null, stdout, stderr };
  return { status: run.status, stdout, stderr };
}

function yaml(): typeof Yaml {
  return requireLazily("yaml") as typeof Yaml;
}

function toml(): typeof SmolToml {
  return requireLazily("smol-toml") as typeof SmolToml;
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

function failure(
  file: string,
  code: DiagnosticCode,
  message: string,
  at?: SourcePosition,
  /** The reading option (`maxBytes`, `nixPath`, …) that would change the outcome. */
  option?: string,
): Result<never> {
  // A parser's or nix's words may quote the text (a failed `throw`, a token): never a key.
  const d: Diagnostic = {
    code,
    severity: "error",
    path: [],
    message: redactKeyLike(message),
    file,
    ...(option === undefined ? {} : { option }),
  };
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

/**
 * Finds positions in JSON through jsonc-parser's tree, made on the first question: the YAML
 * parser (which reads JSON too) takes seconds on the megabytes of a ten-thousand-peer ACL.
 * Lines are found by a binary search over where each starts, so many diagnostics stay cheap.
 */
function jsonLocator(text: string): LoadedAcl["locate"] {
  let root: JsoncParser.Node | undefined;
  let lineStarts: number[] | undefined;
  return (path) => {
    const jsonc = requireLazily("jsonc-parser") as typeof JsoncParser;
    root ??= jsonc.parseTree(text);
    if (!root) return undefined;
    for (let depth = path.length; depth >= 0; depth--) {
      const node = jsonc.findNodeAtLocation(root, path.slice(0, depth) as (string | number)[]);
      if (!node) continue;
      if (!lineStarts) {
        lineStarts = [0];
        for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1))
          lineStarts.push(i + 1);
      }
      let low = 0;
      let high = lineStarts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if ((lineStarts[middle] as number) <= node.offset) low = middle;
        else high = middle - 1;
      }
      return { line: low + 1, column: node.offset - (lineStarts[low] as number) + 1 };
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

function loadJson(file: string, text: string, limits: AclLimits): Result<LoadedAcl> {
  const deep = jsonTooDeepAt(text, limits.maxDepth);
  if (deep >= 0)
    return failure(
      file,
      "syntax-error",
      `invalid JSON: ${tooDeepMessage(limits.maxDepth)}`,
      positionOfOffset(text, deep),
    );
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
  return { ok: true, value: { file, data, locate: jsonLocator(text) }, warnings: [] };
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

/** yaml's report of its own stack running out, on input nested too deeply for it. */
const STACK_EXHAUSTED = /Maximum call stack size exceeded/;

function loadYaml(file: string, text: string, limits: AclLimits): Result<LoadedAcl> {
  const deep = yamlFlowTooDeepAt(text, limits.maxDepth);
  if (deep >= 0)
    return failure(
      file,
      "syntax-error",
      `invalid YAML: ${tooDeepMessage(limits.maxDepth)}`,
      positionOfOffset(text, deep),
    );
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
          : STACK_EXHAUSTED.test(first.message)
            ? tooDeepMessage(limits.maxDepth)
            : (first.message.split("\n")[0] ?? first.message);
    return failure(file, "syntax-error", `invalid YAML: ${reason}`, {
      line: pos.line,
      column: pos.col,
    });
  }
  try {
    const data = doc.toJS({ maxAliasCount: 1000 });
    if (nestsDeeperThan(data, limits.maxDepth))
      return failure(file, "syntax-error", `invalid YAML: ${tooDeepMessage(limits.maxDepth)}`);
    return { ok: true, value: { file, data, locate: yamlLocator(text) }, warnings: [] };
  } catch (error) {
    const message = STACK_EXHAUSTED.test((error as Error).message)
      ? tooDeepMessage(limits.maxDepth)
      : (error as Error).message;
    return failure(file, "syntax-error", `invalid YAML: ${message}`);
  }
}

function loadToml(file: string, text: string, limits: AclLimits): Result<LoadedAcl> {
  try {
    const data = toml().parse(text);
    if (nestsDeeperThan(data, limits.maxDepth))
      return failure(file, "syntax-error", `invalid TOML: ${tooDeepMessage(limits.maxDepth)}`);
    return { ok: true, value: { file, data, locate: noPositions }, warnings: [] };
  } catch (error) {
    const e = error as Error & { line?: number; column?: number };
    const first = (e.message.split("\n")[0] ?? e.message).replace(/^Invalid TOML document: /, "");
    const reason =
      /excessively nested/.test(first) || STACK_EXHAUSTED.test(first)
        ? tooDeepMessage(limits.maxDepth)
        : first;
    const at = e.line === undefined ? undefined : { line: e.line, column: e.column ?? 1 };
    return failure(file, "syntax-error", `invalid TOML: ${reason}`, at);
  }
}

const NIX_POSITION = /^\s*at (.+):(\d+):(\d+):$/;
/** Nix's advice for a `<name>` it cannot find, and ours (NIX_PATH is not read). */
const NIX_SEARCH_HINT = /\(add it using \$NIX_PATH or -I\)/;
const NIX_PATH_HINT = "(name it in wirenix's Nix path: NAME=DIR, or NAME for its NIX_PATH entry)";
const RESTRICTED = /is forbidden in restricted mode/;
const NIX_CODE_FRAME = /^\s*\d*\s*\|/;

/**
 * Turns nix-instantiate's report into one message and a position: its "at FILE:L:C:" lines
 * look like a stack trace and its code frame repeats the file, so both are folded into
 * "(line L, column C)" (or "in FILE, line L, column C" for another file).
 */
function nixFailure(file: string, stderr: string, real: string, dir: string): Result<never> {
  const own = new Set([resolve(file), real]);
  const reasons: string[] = [];
  let at: SourcePosition | undefined;
  for (const raw of stderr.split("\n")) {
    const line = raw.trimEnd();
    if (line.trim() === "" || line.startsWith("warning:") || NIX_CODE_FRAME.test(line)) continue;
    if (line.startsWith("(use '--show-trace'")) continue;
    const position = NIX_POSITION.exec(line);
    if (position) {
      const [, where = "", l = "1", c = "1"] = position;
      // «stdin»: a file with a byte order mark, given to nix without it (see loadNix).
      if (own.has(where) || where === "«stdin»") at ??= { line: Number(l), column: Number(c) };
      else reasons.push(`(in ${where}, line ${l}, column ${c})`);
      continue;
    }
    reasons.push(
      line
        .trim()
        .replace(/^error: /, "")
        .replace(NIX_SEARCH_HINT, NIX_PATH_HINT),
    );
  }
  // Nix names the path it refused, never what the file holds.
  if (reasons.some((r) => RESTRICTED.test(r)))
    reasons.push(
      `(a .nix ACL is evaluated in restricted mode: it may read files under its own directory ${dir} and the Nix path entries given, and fetch nothing)`,
    );
  const reason = reasons.join(" ") || "nix-instantiate failed without a message";
  // A path Nix could not find or was not allowed to read: the Nix path option is the way out.
  const aboutNixPath = reasons.some((r) => r.includes(NIX_PATH_HINT) || RESTRICTED.test(r));
  return failure(
    file,
    "load-failed",
    `cannot evaluate the Nix ACL: ${reason}`,
    at,
    aboutNixPath ? "nixPath" : undefined,
  );
}

/**
 * Evaluates a Nix ACL with the real evaluator, the only one that knows every Nix construct,
 * within the time and size limits. Nix refuses a byte order mark, which other formats accept:
 * such a file is given to nix-instantiate without it on standard input, from the file's
 * directory, so that relative paths in it mean the same.
 */
function loadNix(file: string, bytes: Buffer, text: string, limits: AclLimits): Result<LoadedAcl> {
  // The real file and its directory: Nix follows a symlinked ACL, and restricted mode checks
  // every path it reads after following symlinks.
  const real = realpathSync(resolve(file));
  const dir = dirname(real);
  const args = ["--eval", "--strict", "--json", ...restrictedEvalArgs(dir, limits.nixPath ?? [])];
  const run = hasBom(bytes)
    ? nixInstantiate([...args, "-"], limits, { input: text, cwd: dir })
    : nixInstantiate([...args, real], limits);
  if (run.problem === "missing")
    return failure(
      file,
      "nix-unavailable",
      "cannot evaluate a .nix ACL: nix-instantiate is not installed (Debian: apt-get install nix-bin), or convert the ACL to JSON, YAML or TOML",
    );
  if (run.problem === "timeout")
    return failure(
      file,
      "load-failed",
      `cannot evaluate the Nix ACL: evaluation did not finish within the time limit of ${limits.nixTimeoutSeconds} s and was stopped (does it read a FIFO or loop forever? raise the time limit)`,
      undefined,
      "nixTimeoutSeconds",
    );
  if (run.problem === "too-big")
    return failure(
      file,
      "load-failed",
      `cannot evaluate the Nix ACL: its value, as JSON, is larger than the limit of ${describeSize(limits.maxBytes)}`,
      undefined,
      "maxBytes",
    );
  if (run.problem !== undefined)
    return failure(file, "nix-unavailable", `cannot run nix-instantiate: ${run.problem}`);
  if (run.status !== 0) return nixFailure(file, run.stderr, real, dir);
  let json: string;
  try {
    json = decodeUtf8(run.stdout);
  } catch (error) {
    return failure(file, "load-failed", `the evaluated Nix ACL is ${(error as Error).message}`);
  }
  if (jsonTooDeepAt(json, limits.maxDepth) >= 0)
    return failure(
      file,
      "load-failed",
      `the evaluated Nix ACL: ${tooDeepMessage(limits.maxDepth)}`,
    );
  try {
    return {
      ok: true,
      value: { file, data: JSON.parse(json), locate: noPositions },
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

/**
 * Parses ACL text that is already in memory; `file` names it in messages and picks the format.
 * A leading byte order mark is dropped, as for files.
 */
export function parseAclText(
  file: string,
  text: string,
  limits: AclLimits = DEFAULT_LIMITS,
): Result<LoadedAcl> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  switch (extname(file).toLowerCase()) {
    case ".json":
      return loadJson(file, body, limits);
    case ".yaml":
    case ".yml":
      return loadYaml(file, body, limits);
    case ".toml":
      return loadToml(file, body, limits);
    default:
      return failure(
        file,
        "unsupported-format",
        `expected an ACL file ending in ${ACL_FORMATS.join(", ")}`,
      );
  }
}

/** Reads an ACL file of any supported format, within `limits` (see io/bounded-read.ts). */
export function loadAcl(file: string, limits: AclLimits = DEFAULT_LIMITS): Result<LoadedAcl> {
  const ext = extname(file).toLowerCase();
  if (!(ACL_FORMATS as readonly string[]).includes(ext)) {
    return failure(
      file,
      "unsupported-format",
      `expected an ACL file ending in ${ACL_FORMATS.join(", ")}`,
    );
  }
  let bytes: Buffer;
  let text: string;
  try {
    bytes = readBounded(file, limits.maxBytes);
    text = decodeUtf8(bytes);
  } catch (error) {
    if (!(error instanceof ReadProblem)) throw error;
    return failure(
      file,
      "load-failed",
      `cannot read the ACL: ${error.message}`,
      undefined,
      error.option,
    );
  }
  if (text.trim() === "")
    return failure(
      file,
      "load-failed",
      "the file is empty; expected an ACL object { version, subnets, groups, peers, connections }",
    );
  if (ext === ".nix") return loadNix(file, bytes, text, limits);
  return parseAclText(file, text, limits);
}
