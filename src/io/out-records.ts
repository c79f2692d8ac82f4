/**
 * The journal and the manifest of an `--out` directory, read as untrusted input.
 *
 * Both files live in a directory that may come from a pull request, and a run acts on what they
 * say (renames, removals, chmods) as root. So every path they name must be one our own runs
 * could have written: relative, inside the directory, made of the names our writers produce
 * (`<host>.nix`, `<host>/<file>`, our temporary `.<name>.wirenix-<pid>-<hex>.tmp` and backup
 * `.old` names), with no symbolic link on the way; and every action must be one our own runs
 * record (a rename from our temporary name of that very file, a backup under our backup name,
 * a chmod only of a directory the run made). Anything else is an `OutRecordError` naming the
 * file and the field, raised before anything is touched.
 */
import { lstatSync, type Stats } from "node:fs";
import { join, posix } from "node:path";
import { asWriteError, errnoCode, WriteRefusal } from "./atomic-write.js";
import { SAFE_FILE_NAME } from "./file-names.js";

export const JOURNAL_NAME = ".wirenix-journal";
export const MANIFEST_NAME = ".wirenix-manifest.json";

export interface ManifestEntry {
  host: string;
  peers: string[];
  configurer: string;
  /** Relative path → sha256 of the content written. */
  files: Record<string, string>;
}

export interface Manifest {
  version: 1;
  entries: ManifestEntry[];
}

/** The commit record: once it is on disk, the run is completed even if it is killed. */
export interface CommitRecord {
  renames: [string, string][];
  /** Files to remove with the hash they must still have; moved to `backup` first. */
  removals: { path: string; sha256: string; backup: string }[];
  /** Existing files that are replaced, with their hard-linked backup. */
  backups: [string, string][];
  /** Directories the run made that hold secrets, tightened to 0700. */
  tighten: string[];
  /** Directories that may be empty once stale files are gone. */
  prune: string[];
}

export type JournalLine = { dir: string } | { temp: string } | { commit: CommitRecord };

/** A journal as read: its lines, the commit record if there is one, and the run's tag. */
export interface Journal {
  dirs: string[];
  temps: string[];
  /** Where each `dir` and `temp` was read (`line 3: temp`), for messages. */
  fields: Map<string, string>;
  commit?: CommitRecord;
}

/** A journal or manifest that no run of ours wrote: the file, the field and what was wrong. */
export class OutRecordError extends WriteRefusal {
  override name = "OutRecordError";
}

const TAG = "\\d+-[0-9a-f]{8}";
const SHA256 = /^[0-9a-f]{64}$/;

/** How the user named the directory, for messages: `out/`. */
function shownDir(dir: string): string {
  return `${posix.normalize(dir).replace(/\/+$/, "")}/`;
}

/** Checks one record file against the rules; `fail` names the field. */
class Reader {
  constructor(
    readonly file: string,
    readonly dir: string,
  ) {}

  fail(field: string, expected: string, got: unknown): never {
    const value = typeof got === "string" ? JSON.stringify(got) : describe(got);
    throw new OutRecordError(
      `${this.file}: ${field}: expected ${expected}, got ${value}; wirenix never writes such a record, so nothing was changed (look at what the file holds and who put it there, then remove it)`,
    );
  }

  /** A relative path inside the directory: no `..`, nothing absolute, no empty or `.` part. */
  inside(field: string, path: unknown): string {
    if (
      typeof path !== "string" ||
      path.length === 0 ||
      !path.split("/").every((part) => part !== "" && part !== "." && part !== "..")
    )
      return this.fail(field, `a path inside ${shownDir(this.dir)}`, path);
    return path;
  }

  /** A file or directory our writers make: every part a safe name. */
  planned(field: string, path: unknown): string {
    const inside = this.inside(field, path);
    if (!inside.split("/").every(isSafeName))
      return this.fail(
        field,
        "a file name wirenix writes (each part letters, digits and . _ + @ = -, not starting with . or -)",
        inside,
      );
    return inside;
  }

  /** `value` is an object with exactly these keys. */
  object(field: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
    const what = `an object with ${keys.join(", ")}`;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return this.fail(field, what, value);
    const extra = Object.keys(value).find((k) => !keys.includes(k));
    if (extra !== undefined)
      return this.fail(`${field}.${extra}`, `only ${keys.join(", ")}`, extra);
    for (const key of keys)
      if (!(key in value)) return this.fail(`${field}.${key}`, `a value (${what})`, undefined);
    return value as Record<string, unknown>;
  }

  array(field: string, value: unknown): unknown[] {
    return Array.isArray(value) ? value : this.fail(field, "a list", value);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function isSafeName(name: string): boolean {
  return SAFE_FILE_NAME.test(name) && name.length <= 255;
}

/** Our temporary (`tmp`) or backup (`old`) name of `final` for the run tagged `tag`. */
export function tempName(final: string, tag: string, kind: "tmp" | "old"): string {
  return posix.join(posix.dirname(final), `.${posix.basename(final)}.wirenix-${tag}.${kind}`);
}

/** The run tag in one of our temporary names, or undefined when it is not one. */
function tagOf(path: string): string | undefined {
  const base = posix.basename(path);
  const match = new RegExp(`^\\.(.+)\\.wirenix-(${TAG})\\.(tmp|old)$`).exec(base);
  if (!match) return undefined;
  const [, name = "", tag] = match;
  const dir = posix.dirname(path);
  const ok = isSafeName(name) || (dir === "." && name === MANIFEST_NAME);
  return ok ? tag : undefined;
}

/** `rel` → the directories on its way, from the top: `a/b/c` → `a`, `a/b`. */
export function parentsOf(rel: string): string[] {
  const parts = rel.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

/**
 * Reads a journal's text. A last line cut by a kill (no line break after it) was never acted
 * on and is ignored; anything else that is not a line our runs write is an error.
 */
export function parseJournal(text: string, file: string, dir: string): Journal {
  const reader = new Reader(file, dir);
  const raw = text.split("\n");
  const complete = raw.slice(0, -1);
  const cut = text.endsWith("\n") ? undefined : raw.at(-1);
  const lines: { line: JournalLine; at: number }[] = [];
  complete.forEach((textLine, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(textLine);
    } catch {
      reader.fail(`line ${i + 1}`, "a JSON record", textLine.slice(0, 80));
    }
    lines.push({ line: parsed as JournalLine, at: i + 1 });
  });
  if (cut !== undefined && cut !== "") {
    try {
      lines.push({ line: JSON.parse(cut) as JournalLine, at: raw.length });
    } catch {
      // Cut by a kill while it was written: the run did not act on it.
    }
  }
  const journal: Journal = { dirs: [], temps: [], fields: new Map() };
  let tag: string | undefined;
  const temp = (field: string, value: unknown): string => {
    const path = reader.inside(field, value);
    const found = tagOf(path);
    if (
      found === undefined ||
      posix
        .dirname(path)
        .split("/")
        .some((p) => p !== "." && !isSafeName(p))
    )
      return reader.fail(
        field,
        "a temporary name wirenix makes (.<file>.wirenix-<pid>-<8 hex digits>.tmp or .old, beside the file)",
        path,
      );
    if (tag !== undefined && found !== tag)
      return reader.fail(field, `a temporary name of the same run (wirenix-${tag})`, path);
    tag = found;
    return path;
  };
  for (const { line, at } of lines) {
    const field = `line ${at}`;
    if (typeof line !== "object" || line === null || Array.isArray(line))
      reader.fail(field, "a record with dir, temp or commit", line);
    const keys = Object.keys(line);
    if (keys.length !== 1 || !["dir", "temp", "commit"].includes(keys[0] as string))
      reader.fail(field, "a record with one of dir, temp or commit", keys.join(", "));
    if (journal.commit !== undefined)
      reader.fail(field, "nothing after the commit record", keys[0]);
    if ("dir" in line) {
      const dir = reader.planned(`${field}: dir`, line.dir);
      journal.dirs.push(dir);
      journal.fields.set(`dir ${dir}`, `${field}: dir`);
    } else if ("temp" in line) {
      const path = temp(`${field}: temp`, line.temp);
      journal.temps.push(path);
      journal.fields.set(`temp ${path}`, `${field}: temp`);
    } else journal.commit = commitRecord(reader, line.commit, journal, tag);
  }
  return journal;
}

function commitRecord(
  reader: Reader,
  value: unknown,
  journal: Journal,
  tag: string | undefined,
): CommitRecord {
  const record = reader.object("commit", value, [
    "renames",
    "removals",
    "backups",
    "tighten",
    "prune",
  ]);
  const logged = new Set(journal.temps);
  const made = new Set(journal.dirs);
  /** A temporary name the run logged before making it, and the one it makes for `final`. */
  const ours = (field: string, path: unknown, final: string, kind: "tmp" | "old") => {
    const given = reader.inside(field, path);
    const expected = tag === undefined ? undefined : tempName(final, tag, kind);
    if (given !== expected || !logged.has(given))
      return reader.fail(
        field,
        `the ${kind === "tmp" ? "temporary" : "backup"} name this run gave ${JSON.stringify(final)}${expected === undefined ? "" : ` (${JSON.stringify(expected)})`}, listed earlier in the journal`,
        given,
      );
    return given;
  };
  const pair = (field: string, item: unknown): [unknown, unknown] => {
    const list = reader.array(field, item);
    if (list.length !== 2) reader.fail(field, "a pair [from, to]", item);
    return [list[0], list[1]];
  };

  const renames: [string, string][] = [];
  const finals = new Set<string>();
  reader.array("commit.renames", record.renames).forEach((item, i) => {
    const field = `commit.renames[${i}]`;
    const [from, to] = pair(field, item);
    const final = to === MANIFEST_NAME ? to : reader.planned(`${field}[1]`, to);
    if (finals.has(final)) reader.fail(`${field}[1]`, "each file renamed once", final);
    finals.add(final);
    renames.push([ours(`${field}[0]`, from, final, "tmp"), final]);
  });

  const backups: [string, string][] = [];
  reader.array("commit.backups", record.backups).forEach((item, i) => {
    const field = `commit.backups[${i}]`;
    const [of, to] = pair(field, item);
    const final = of === MANIFEST_NAME ? of : reader.planned(`${field}[0]`, of);
    if (!finals.has(final)) reader.fail(`${field}[0]`, "a file of commit.renames", final);
    backups.push([final, ours(`${field}[1]`, to, final, "old")]);
  });

  const removals: CommitRecord["removals"] = [];
  reader.array("commit.removals", record.removals).forEach((item, i) => {
    const field = `commit.removals[${i}]`;
    const entry = reader.object(field, item, ["path", "sha256", "backup"]);
    const path = reader.planned(`${field}.path`, entry.path);
    if (finals.has(path)) reader.fail(`${field}.path`, "a file this run does not write", path);
    if (typeof entry.sha256 !== "string" || !SHA256.test(entry.sha256))
      reader.fail(`${field}.sha256`, "a SHA-256 in hex", entry.sha256);
    removals.push({
      path,
      sha256: entry.sha256 as string,
      backup: ours(`${field}.backup`, entry.backup, path, "old"),
    });
  });

  const parentsOfFinals = new Set([...finals].flatMap(parentsOf));
  const tighten = reader.array("commit.tighten", record.tighten).map((item, i) => {
    const field = `commit.tighten[${i}]`;
    const dir = reader.planned(field, item);
    if (!made.has(dir) || !parentsOfFinals.has(dir))
      reader.fail(field, "a directory this run made for a file it writes", dir);
    return dir;
  });
  const parentsOfRemovals = new Set(removals.flatMap((r) => parentsOf(r.path)));
  const prune = reader.array("commit.prune", record.prune).map((item, i) => {
    const field = `commit.prune[${i}]`;
    const dir = reader.planned(field, item);
    if (!parentsOfRemovals.has(dir))
      reader.fail(field, "a directory of a file in commit.removals", dir);
    return dir;
  });
  return { renames, removals, backups, tighten, prune };
}

/** Parses a manifest's text: every field as our runs write it. */
export function parseManifest(text: string, file: string, dir: string): Manifest {
  const reader = new Reader(file, dir);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return reader.fail("(the whole file)", "JSON", text.slice(0, 80));
  }
  const manifest = reader.object("(top level)", data, ["version", "entries"]);
  if (manifest.version !== 1) reader.fail("version", "1", manifest.version);
  const seen = new Set<string>();
  const entries = reader.array("entries", manifest.entries).map((item, i): ManifestEntry => {
    const field = `entries[${i}]`;
    const entry = reader.object(field, item, ["host", "peers", "configurer", "files"]);
    const host = entry.host;
    if (typeof host !== "string" || !isSafeName(host))
      reader.fail(`${field}.host`, "a host name wirenix writes files for", host);
    const peers = reader.array(`${field}.peers`, entry.peers);
    if (peers.length === 0) reader.fail(`${field}.peers`, "the peers of the host", peers);
    peers.forEach((peer, j) => {
      if (typeof peer !== "string" || peer === "")
        reader.fail(`${field}.peers[${j}]`, "a peer name", peer);
    });
    const configurer = entry.configurer;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
    if (typeof configurer !== "string" || !/^[^\s\u0000-\u001f\u007f]+$/.test(configurer))
      reader.fail(`${field}.configurer`, "a configurer name", configurer);
    const key = `${configurer}\u0000${host}`;
    if (seen.has(key))
      reader.fail(`${field}.host`, `one entry per host and configurer`, host as string);
    seen.add(key);
    const files = entry.files;
    if (typeof files !== "object" || files === null || Array.isArray(files))
      reader.fail(`${field}.files`, "an object of paths and SHA-256 hashes", files);
    for (const [path, hash] of Object.entries(files as Record<string, unknown>)) {
      const at = `${field}.files[${JSON.stringify(path)}]`;
      reader.planned(at, path);
      const ofHost =
        path === `${host}.nix` || path === `${host}.json` || path.startsWith(`${host}/`);
      if (!ofHost)
        reader.fail(
          at,
          `a file of host ${JSON.stringify(host)} (${host}.nix, ${host}.json or ${host}/<file>)`,
          path,
        );
      if (typeof hash !== "string" || !SHA256.test(hash)) reader.fail(at, "a SHA-256 in hex", hash);
    }
    return {
      host: host as string,
      peers: peers as string[],
      configurer: configurer as string,
      files: files as Record<string, string>,
    };
  });
  return { version: 1, entries };
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw asWriteError(error, path);
  }
}

/**
 * Checks on disk that no path a record names has a symbolic link (or a file) on the way, and
 * that `rel` itself, when it exists, is what it should be.
 */
export class OnDisk {
  readonly #root: string;
  readonly #reader: Reader;

  constructor(root: string, file: string, dir: string) {
    this.#root = root;
    this.#reader = new Reader(file, dir);
  }

  /** No directory on the way to `rel` is a symbolic link (a missing one is fine). */
  way(field: string, rel: string): void {
    for (const parent of parentsOf(rel)) {
      const stat = lstatOrUndefined(join(this.#root, parent));
      if (stat === undefined || !stat.isDirectory()) {
        if (stat?.isSymbolicLink()) this.#link(field, parent, rel);
        // Missing, or a file in the way: nothing is done there (writes fail with ENOTDIR).
        return;
      }
    }
  }

  /** `rel` and its way: no symbolic link. Returns what is there, if anything. */
  path(field: string, rel: string): Stats | undefined {
    this.way(field, rel);
    const stat = lstatOrUndefined(join(this.#root, rel));
    if (stat?.isSymbolicLink()) this.#link(field, rel, rel);
    return stat;
  }

  #link(field: string, link: string, rel: string): never {
    return this.#reader.fail(
      field,
      `a path with no symbolic link on the way (${posix.join(this.#reader.dir, link)} is one)`,
      rel,
    );
  }

  fail(field: string, expected: string, got: unknown): never {
    return this.#reader.fail(field, expected, got);
  }
}

/**
 * Checks what a journal names against the disk before anything is acted on: nothing on the way
 * is a link, and a file a pending rename replaces is one the run backed up (so one the run was
 * allowed to replace).
 */
export function checkJournalOnDisk(
  journal: Journal,
  manifest: Manifest,
  root: string,
  file: string,
  dir: string,
): void {
  const disk = new OnDisk(root, file, dir);
  for (const d of journal.dirs) disk.path(journal.fields.get(`dir ${d}`) ?? "dir", d);
  for (const t of journal.temps) disk.path(journal.fields.get(`temp ${t}`) ?? "temp", t);
  const commit = journal.commit;
  if (commit === undefined) return;
  const backedUp = new Set(commit.backups.map(([final]) => final));
  commit.renames.forEach(([temp, final], i) => {
    const pending = disk.path(`commit.renames[${i}][0]`, temp) !== undefined;
    const existing = disk.path(`commit.renames[${i}][1]`, final) !== undefined;
    // While a rename is pending, the manifest in place is the one the run read: a file the
    // run replaces was listed there (or is the manifest itself) and was backed up.
    const listed =
      final === MANIFEST_NAME || manifest.entries.some((e) => Object.hasOwn(e.files, final));
    if (pending && existing && (!backedUp.has(final) || !listed))
      disk.fail(
        `commit.renames[${i}][1]`,
        `a file that did not exist, or one ${posix.join(dir, MANIFEST_NAME)} lists and commit.backups backs up (wirenix replaces only files it wrote)`,
        final,
      );
  });
  commit.backups.forEach(([, backup], i) => {
    disk.path(`commit.backups[${i}][1]`, backup);
  });
  commit.removals.forEach(({ path, backup }, i) => {
    disk.path(`commit.removals[${i}].path`, path);
    disk.path(`commit.removals[${i}].backup`, backup);
  });
  commit.tighten.forEach((d, i) => {
    disk.path(`commit.tighten[${i}]`, d);
  });
  commit.prune.forEach((d, i) => {
    disk.path(`commit.prune[${i}]`, d);
  });
}

/** Checks that no file a manifest lists has a symbolic link or a file on the way. */
export function checkManifestOnDisk(
  manifest: Manifest,
  root: string,
  file: string,
  dir: string,
): void {
  const disk = new OnDisk(root, file, dir);
  manifest.entries.forEach((entry, i) => {
    for (const path of Object.keys(entry.files))
      disk.way(`entries[${i}].files[${JSON.stringify(path)}]`, path);
  });
}
