/** How the CLI talks to the world, so it can run in-process in tests. */
import { type Diagnostic, formatDiagnostic } from "../diagnostics.js";

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
}

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

/** Raised by a command for a usage problem it found itself (commander finds most). */
export class UsageError extends Error {}

export function printDiagnostics(io: CliIO, diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  io.err(`${diagnostics.map(formatDiagnostic).join("\n")}\n`);
}
