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
      doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false });
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

function loadJson(file: string, text: string): Result<LoadedAcl> {
  try {
    return {
      ok: true,
      value: { file, data: JSON.parse(text), locate: yamlLocator(text) },
      warnings: [],
    };
  } catch (error) {
    const message = (error as Error).message;
    const offset = /position (\d+)/.exec(message)?.[1];
    const at = offset === undefined ? undefined : positionOfOffset(text, Number(offset));
    return failure(file, "syntax-error", `invalid JSON: ${message}`, at);
  }
}

function loadYaml(file: string, text: string): Result<LoadedAcl> {
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = counter.linePos(first.pos[0]);
    const reason = first.message.split("\n")[0] ?? first.message;
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
    const reason = e.message.split("\n")[0] ?? e.message;
    const at = e.line === undefined ? undefined : { line: e.line, column: e.column ?? 1 };
    return failure(file, "syntax-error", `invalid TOML: ${reason}`, at);
  }
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
  if (run.status !== 0) {
    const reason = run.stderr
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("warning:"))
      .join("\n")
      .trim();
    return failure(file, "load-failed", `nix-instantiate failed to evaluate the ACL:\n${reason}`);
  }
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
  if (ext === ".nix") return loadNix(file);
  return parseAclText(file, text);
}
