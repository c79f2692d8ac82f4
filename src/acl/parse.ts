/**
 * From an ACL's plain data to a `Network`: the parser its `version` names, and the diagnostics
 * placed in the file (line, column) with the ACL's secrets kept out of their messages.
 */
import type { Diagnostic, NonEmpty, Result } from "../core/diagnostics.js";
import { describeValue, diagnostic } from "../core/diagnostics.js";
import { SecretScrubber, secretsIn } from "../core/secrets.js";
import type { Network } from "../network/model.js";
import type { LoadedAcl } from "./load.js";
import type { Parser } from "./parser.js";
import { v1Parser } from "./v1/parser.js";

/** Where the parsers come from: the registry of a run, or only the built-in ones. */
export interface ParserSource {
  readonly parsers: ReadonlyMap<string, Parser>;
}

/** The parsers that ship with Wirenix, by version. */
export function builtinParsers(): ParserSource {
  return { parsers: new Map([[v1Parser.version, v1Parser]]) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The diagnostics without any stretch of the ACL's secrets in their messages: the last guard
 * (see secrets.ts), for messages worded by rules, configurers and plugins. The ACL's secrets
 * are looked up only when there is a message to scrub: a run without diagnostics pays nothing.
 */
export function scrubSecrets(loaded: LoadedAcl, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  if (diagnostics.length === 0) return [];
  const scrubber = new SecretScrubber(secretsIn(loaded.data));
  const { empty } = scrubber;
  return diagnostics.map((d) => {
    if (empty) return d;
    const message = scrubber.scrub(d.message);
    const received = d.received === undefined ? undefined : scrubber.scrub(d.received);
    if (message === d.message && received === d.received) return d;
    return received === undefined ? { ...d, message } : { ...d, message, received };
  });
}

/**
 * Gives every diagnostic about the ACL its file, and its line and column where known; and
 * keeps the ACL's secrets out of their messages.
 */
export function locateDiagnostics(
  loaded: LoadedAcl,
  diagnostics: NonEmpty<Diagnostic>,
): NonEmpty<Diagnostic>;
export function locateDiagnostics(
  loaded: LoadedAcl,
  diagnostics: readonly Diagnostic[],
): Diagnostic[];
export function locateDiagnostics(
  loaded: LoadedAcl,
  diagnostics: readonly Diagnostic[],
): Diagnostic[] {
  return scrubSecrets(loaded, diagnostics).map((d) => {
    if (d.file !== undefined) return d;
    const located: Diagnostic = { ...d, file: loaded.file };
    const at = d.path.length > 0 ? loaded.locate(d.path) : undefined;
    if (at) {
      located.line = at.line;
      located.column = at.column;
    }
    return located;
  });
}

/** Picks the parser named by the ACL's `version` and runs it. */
export function parseAcl(
  data: unknown,
  registry: ParserSource = builtinParsers(),
): Result<Network> {
  const versions = [...registry.parsers.keys()].map((v) => JSON.stringify(v)).join(", ");
  if (!isObject(data))
    return {
      ok: false,
      diagnostics: [
        diagnostic("error", "invalid-value", [], {
          expected: 'the ACL to be an object with a "version" key',
          received: describeValue(data),
        }),
      ],
    };
  const parser = typeof data.version === "string" ? registry.parsers.get(data.version) : undefined;
  if (!parser) {
    const expected = `one of ${versions}`;
    return {
      ok: false,
      diagnostics: [
        diagnostic(
          "error",
          "unknown-version",
          ["version"],
          data.version === undefined
            ? { context: "missing", expected }
            : { expected, received: describeValue(data.version) },
        ),
      ],
    };
  }
  return parser.parse(data);
}
