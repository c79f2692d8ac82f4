/**
 * Reading an ACL's raw data (as parsed, before validation) for the edit commands, which plan
 * their changes on the data itself so that the file keeps its layout and comments.
 */
import {
  type DiagnosticCode,
  diagnostic,
  type PathSegment,
  type Result,
} from "../core/diagnostics.js";

export type Data = Record<string, unknown>;

export function isRecord(value: unknown): value is Data {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value as a list; anything else reads as an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The `name` of an object that has a string one. */
export function named(value: unknown): string | undefined {
  return isRecord(value) && typeof value.name === "string" ? value.name : undefined;
}

/** An edit that cannot be made, as one error at the ACL path it concerns. */
export function failure(
  path: readonly PathSegment[],
  message: string,
  code: DiagnosticCode = "usage",
  /** The edit's option that fixes it (`subnet`, ...; see `Diagnostic.option`). */
  option?: string,
): Result<never> {
  const d = diagnostic("error", code, path, message);
  return { ok: false, diagnostics: [option === undefined ? d : { ...d, option }] };
}
