/** How the CLI talks to the world, so it can run in-process in tests. */
import { type Command, Help } from "commander";
import { type Diagnostic, formatDiagnostic } from "../core/diagnostics.js";
import { withFlagHints } from "./hints.js";

export interface CliIO {
  /** Standard output; large outputs arrive in large chunks. */
  out(text: string): void;
  /** Standard error: diagnostics, warnings, usage. */
  err(text: string): void;
  /**
   * Set when standard output is a regular file: big outputs then go straight into it as they
   * are made (and are cut back if the run fails) instead of waiting until the run succeeded.
   */
  outFile?: number;
  /** Set when standard output is a terminal (`qr` shows a secret only there). */
  outTerminal?: boolean;
  /** Set when standard error is a terminal (`lab` shows counters there, lines elsewhere). */
  errTerminal?: boolean;
  /**
   * Set when standard error is a terminal and `NO_COLOR` is not set: the labels of messages
   * are coloured (by `cli`, after escaping what it prints; see `colourLabels`).
   */
  errColor?: boolean;
}

/**
 * About this much text goes out at once: few writes, and never the whole of a large output.
 * Below V8's large-object size (128 KiB): each string above it is fresh memory, and joining a
 * megabyte at a time was a quarter of `inspect --format json` of a 1000-peer mesh.
 */
const OUT_CHUNK = 1 << 15;

/**
 * Writes `chunks` to standard output as they are made, gathered into writes of about 32 K
 * characters: the output of a large network is never one string in memory.
 */
export function outInChunks(io: CliIO, chunks: Iterable<string>): void {
  let pending: string[] = [];
  let size = 0;
  for (const chunk of chunks) {
    pending.push(chunk);
    size += chunk.length;
    if (size < OUT_CHUNK) continue;
    io.out(pending.join(""));
    pending = [];
    size = 0;
  }
  if (pending.length > 0) io.out(pending.join(""));
}

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

/**
 * The exit code of a run that failed with `diagnostics`: a usage error (2) when the command
 * line is what is wrong (a flag, an argument, a peer or subnet named on it that the ACL does
 * not have, a file of a kind the command cannot take), else invalid input (1).
 */
export function exitCodeFor(diagnostics: readonly Diagnostic[]): number {
  return diagnostics.some((d) => d.code === "usage" || d.code === "unknown-peer")
    ? EXIT_USAGE
    : EXIT_INVALID;
}

/** Raised by a command for a usage problem it found itself (commander finds most). */
export class UsageError extends Error {}

const COLOURS = { error: "\u001b[1;31m", warning: "\u001b[1;33m" } as const;

/**
 * How every message of the CLI starts: `wirenix: error: ` or `wirenix: warning: `. The label
 * is coloured on its way out (`colourLabels`), when `io.errColor` says standard error wants it.
 */
export function messagePrefix(_io: CliIO, severity: "error" | "warning"): string {
  return `wirenix: ${severity}: `;
}

const PLAIN_PREFIX = /^wirenix: (error|warning): /gm;

/**
 * `text` (already made printable) with the label of every message line in colour. The CLI
 * escapes every control character on its way to standard error, its own colour codes
 * included, so colour is added here, after the escaping, and only to the labels it wrote.
 */
export function colourLabels(text: string): string {
  return text.replace(
    PLAIN_PREFIX,
    (_, severity: "error" | "warning") => `wirenix: ${COLOURS[severity]}${severity}\u001b[0m: `,
  );
}

/** Prints one error message, as every error of the CLI is printed. */
export function printError(io: CliIO, message: string): void {
  io.err(`${messagePrefix(io, "error")}${message}\n`);
}

/** Prints diagnostics, each with the flag that fixes it where there is one (see hints.ts). */
export function printDiagnostics(io: CliIO, diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  const lines = withFlagHints(diagnostics).map(
    (d) => `${messagePrefix(io, d.severity)}${formatDiagnostic({ ...d, severity: "error" })}`,
  );
  io.err(`${lines.join("\n")}\n`);
}

/**
 * What every command and subcommand shares: output through `io`, errors as the CLI's own
 * (`wirenix: error: …`), a hint at --help after a usage error, and no process exit.
 */
export function withCliOutput(io: CliIO, command: Command): Command {
  return command
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s) => io.err(`${messagePrefix(io, "error")}${s.replace(/^error: /, "")}`),
    })
    .configureHelp({
      // A repeatable flag starts as an empty list: "(default: [])" tells nobody anything.
      optionDescription: (option) =>
        new Help().optionDescription(option).replace(/ \(default: \[\]\)$/, ""),
    })
    .showHelpAfterError("(run with --help for usage)");
}
