/**
 * Editing an ACL file in place: the edits are made to the text in its own format (so comments
 * and the layout of untouched lines stay), the result must mean exactly the intended data and
 * be a valid ACL, and only then it replaces the file atomically (a symlinked ACL is updated at
 * its target). A `.nix` ACL is a program and is never edited.
 *
 * One writer per ACL: every edit takes the ACL's lock (`.NAME.wirenix-lock` beside it) and
 * reads the file only once it holds it, so edits made at the same time all land, one after
 * the other, each on the file the previous one wrote.
 */
import { readdirSync, realpathSync, rmSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { DEFAULT_LIMITS, parseAclText } from "../acl/load.js";
import { builtinParsers, locateDiagnostics, type ParserSource, parseAcl } from "../acl/parse.js";
import {
  type Diagnostic,
  type DiagnosticCode,
  diagnostic,
  mapNonEmpty,
  type Result,
} from "../core/diagnostics.js";
import { describeFileError, errnoCode, WriteError, writeFileAtomic } from "../io/atomic-write.js";
import { decodeUtf8, hasBom, readBounded } from "../io/bounded-read.js";
import { acquireLock, fileLockPath, LockError } from "../io/dir-lock.js";
import type { Network } from "../network/model.js";
import { editJsonText } from "./json-text.js";
import { applyToData, EditError, type EditOp, sameData } from "./ops.js";
import { editTomlText } from "./toml-text.js";
import { editYamlText } from "./yaml-text.js";

const EDITORS: Record<string, (text: string, op: EditOp) => string> = {
  ".json": editJsonText,
  ".yaml": editYamlText,
  ".yml": editYamlText,
  ".toml": editTomlText,
};

/** Why `file` cannot be edited (by `what`, for the message), or undefined when it can. */
export function aclEditProblem(file: string, what: string): string | undefined {
  const ext = extname(file).toLowerCase();
  if (ext in EDITORS) return undefined;
  if (ext === ".nix")
    return `${what} cannot edit ${file}: a .nix ACL is a program, which cannot be edited safely in general; make the change by hand (or keep the ACL as .yaml, .json or .toml)`;
  return `${what} cannot edit ${file}: expected a .json, .yaml, .yml or .toml file`;
}

/** What a planned change to the ACL is: its edits, and what to tell the user about them. */
export interface AclChange {
  ops: EditOp[];
  notices: string[];
}

export interface EditedAcl {
  /** The file written (the target of a symlink). */
  written: string;
  text: string;
  notices: string[];
}

function fail(file: string, code: DiagnosticCode, message: string): Result<never> {
  return { ok: false, diagnostics: [{ ...diagnostic("error", code, [], message), file }] };
}

/** Applies `ops` to ACL text in the format `file` names; throws EditError where it cannot. */
export function editAclText(file: string, text: string, ops: readonly EditOp[]): string {
  const edit = EDITORS[extname(file).toLowerCase()];
  if (!edit) throw new EditError(aclEditProblem(file, "wirenix"));
  // Edits work on "\n" lines; a file with "\r\n" ones gets them back, new lines included.
  const crlf = text.includes("\r\n");
  let out = crlf ? text.replaceAll("\r\n", "\n") : text;
  for (const op of ops) out = edit(out, op);
  return crlf ? out.replaceAll("\n", "\r\n") : out;
}

/** The ACL `file` held for editing by this run. */
export interface AclLock {
  file: string;
  /** Who edits it, as messages name it (the command: `add-peer`, ...): see `lockAcl`. */
  what: string;
  /** What to tell the user (a lock of a killed run taken over). */
  notices: string[];
  release(): void;
}

/**
 * Takes the lock of ACL `file` (which need not exist yet: `init`), waiting for another run
 * that edits it for up to `waitMs` (default: `WIRENIX_LOCK_WAIT`, 10 s) without blocking the
 * event loop. `what` names the command in messages (of the lock, and of edits under it).
 */
export async function lockAcl(
  file: string,
  what: string,
  waitMs?: number,
): Promise<Result<AclLock>> {
  const lockFile = fileLockPath(file);
  try {
    const lock = await acquireLock(lockFile, {
      busy: `${file} is being edited`,
      ...(waitMs === undefined ? {} : { waitMs }),
    });
    const notices = lock.notice === undefined ? [] : [lock.notice];
    return { ok: true, value: { file, what, notices, release: lock.release }, warnings: [] };
  } catch (error) {
    if (error instanceof LockError)
      return fail(file, "acl-busy", `${what} did not edit the ACL: ${error.message}`);
    if (errnoCode(error) === "ENOENT" || (error instanceof WriteError && error.code === "ENOENT"))
      return fail(
        file,
        "write-failed",
        `${what} cannot edit the ACL: its directory ${dirname(file)} does not exist; nothing was written`,
      );
    const problem = describeFileError(error);
    if (problem === undefined) throw error;
    // The edited file is written beside the ACL and renamed over it, so a directory that
    // cannot take the lock file cannot take the edit either.
    return fail(
      file,
      "write-failed",
      `${what} cannot lock the ACL for editing (${problem}); its directory must be writable, as the edited file is written beside it. The ACL was left unchanged`,
    );
  }
}

/**
 * Removes what edits killed with `kill -9` left beside `target`: their temporary copies of
 * it. Only under the ACL's lock, when no other run is writing one.
 */
function removeKilledEdits(target: string): void {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.wirenix-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names)
    if (name.startsWith(prefix) && /^\d+-[0-9a-f]{8}\.tmp$/.test(name.slice(prefix.length)))
      rmSync(join(dir, name), { force: true });
}

/**
 * Locks ACL `file`, edits it (see `editLockedAcl`) and releases it: what `add-peer` and
 * `remove-peer` do.
 */
export async function editAclFile(
  file: string,
  what: string,
  plan: (data: unknown, network: Network) => Result<AclChange>,
  registry: ParserSource = builtinParsers(),
): Promise<Result<EditedAcl>> {
  const problem = aclEditProblem(file, what);
  if (problem) return { ok: false, diagnostics: [diagnostic("error", "usage", [], problem)] };
  const locked = await lockAcl(file, what);
  if (!locked.ok) return locked;
  try {
    return editLockedAcl(locked.value, plan, registry);
  } finally {
    locked.value.release();
  }
}

/**
 * Reads the ACL `lock` holds, asks `plan` for the change to its data (given the network it
 * describes too), and writes the edited file. Nothing is written when the plan fails, when the
 * edit would mean anything but the plan, or when the result is not a valid ACL.
 */
export function editLockedAcl(
  lock: AclLock,
  plan: (data: unknown, network: Network) => Result<AclChange>,
  registry: ParserSource = builtinParsers(),
): Result<EditedAcl> {
  const { file, what } = lock;
  const problem = aclEditProblem(file, what);
  if (problem) return { ok: false, diagnostics: [diagnostic("error", "usage", [], problem)] };
  let target: string;
  let text: string;
  let bom = false;
  try {
    target = realpathSync(file);
    removeKilledEdits(target);
    // Within the same bounds as every ACL read (a regular file, its size, strict UTF-8).
    const bytes = readBounded(target, DEFAULT_LIMITS.maxBytes);
    bom = hasBom(bytes);
    text = decodeUtf8(bytes);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return fail(
      file,
      "load-failed",
      `cannot read the ACL: ${e.code === "ENOENT" ? "no such file" : e.message}`,
    );
  }
  const loaded = parseAclText(file, text);
  if (!loaded.ok) return loaded;
  const parsed = parseAcl(loaded.value.data, registry);
  if (!parsed.ok)
    return { ok: false, diagnostics: locateDiagnostics(loaded.value, parsed.diagnostics) };
  const planned = plan(loaded.value.data, parsed.value);
  if (!planned.ok)
    return { ok: false, diagnostics: locateDiagnostics(loaded.value, planned.diagnostics) };
  const { ops } = planned.value;
  const notices = [...lock.notices, ...planned.value.notices];
  let edited: string;
  let expected = loaded.value.data;
  try {
    edited = editAclText(file, text, ops);
    for (const op of ops) expected = applyToData(expected, op);
  } catch (error) {
    if (!(error instanceof EditError)) throw error;
    return fail(
      file,
      "edit-failed",
      `${what} cannot edit this file: ${error.message}; it was left unchanged`,
    );
  }
  const reread = parseAclText(file, edited);
  if (!reread.ok || !sameData(reread.value.data, expected))
    return fail(
      file,
      "edit-failed",
      `${what} could not make this edit in the file's layout without changing its meaning; it was left unchanged (please report this with the file)`,
    );
  const valid = parseAcl(reread.value.data, registry);
  if (!valid.ok)
    return {
      ok: false,
      // Paths only: line numbers of a text that was not written would mislead.
      diagnostics: mapNonEmpty(
        valid.diagnostics,
        ({ line: _line, column: _column, ...d }): Diagnostic => ({
          ...d,
          file,
          message: `${d.message} (after the edit; the file was left unchanged)`,
        }),
      ),
    };
  if (edited !== text) {
    try {
      // Beside the target, renamed over it when complete; mode and owner are kept.
      writeFileAtomic(target, bom ? `\uFEFF${edited}` : edited);
    } catch (error) {
      const problem = describeFileError(error);
      if (problem === undefined) throw error;
      return fail(file, "write-failed", `${problem}; the ACL was left unchanged`);
    }
  }
  return { ok: true, value: { written: target, text: edited, notices }, warnings: [] };
}
