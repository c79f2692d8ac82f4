/**
 * `--out DIR` as one transaction: every file of a run is in place, or none of the previous
 * content changed.
 *
 * A run takes the directory's lock, finishes or undoes what a killed run left (see the
 * journal below), then stages every file under a temporary name beside its target. Only when
 * all are complete and on disk does it write the commit record; then it renames them into
 * place. A failure before the commit record removes the temporary files (nothing changed); a
 * failure while renaming puts the previous files back from hard-linked backups.
 *
 * The journal `DIR/.wirenix-journal` lists, before each step, the directories made and the
 * temporary files created, then the commit record. A run killed before the commit record is
 * undone by the next run; one killed after it is completed by the next run.
 *
 * The manifest `DIR/.wirenix-manifest.json` records which files Wirenix wrote, for which host
 * and configurer, with a hash of each: files of a peer that is no longer in the ACL (or that a
 * configurer no longer makes) are removed by the next run, but only while they still hold what
 * Wirenix wrote. Files Wirenix did not write are never removed.
 *
 * Nothing is ever written through a symbolic link: one at `DIR/<peer>` or at a file's path is
 * refused.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
} from "node:fs";
import { join, posix, resolve } from "node:path";
import { type HeldLock, lockDirectory, lockWaitMs } from "./dir-lock.js";
import { onInterrupt } from "./interrupt.js";
import {
  asWriteError,
  errnoCode,
  guarded,
  isTemporaryName,
  makeDirectory,
  removeTemporaryFiles,
  runTag,
  syncDirectory,
  tempPath,
  WriteError,
  writeFully,
  writeTempFile,
} from "./output.js";

export const JOURNAL_NAME = ".wirenix-journal";
export const MANIFEST_NAME = ".wirenix-manifest.json";

/** One output file: its path relative to DIR (`/`-separated, already checked) and mode. */
export interface OutFile {
  path: string;
  text: string;
  mode: number;
}

/** A host of the run: its name and the peers it configures (several when merged). */
export interface OutHost {
  name: string;
  peers: readonly string[];
}

export interface OutOptions {
  /** Configurer of this run: the manifest keeps each configurer's files apart. */
  configurer: string;
  /** Every peer of the ACL: files of hosts whose peers are gone are removed. */
  aclPeers: readonly string[];
  lockWaitMs?: number;
}

export interface OutReport {
  written: number;
  /** Files of earlier runs removed (relative paths). */
  removed: string[];
  /** Messages for the user: stale files left because they were changed, a lock taken over. */
  notices: string[];
}

interface ManifestEntry {
  host: string;
  peers: string[];
  configurer: string;
  /** Relative path → sha256 of the content written. */
  files: Record<string, string>;
}

interface Manifest {
  version: 1;
  entries: ManifestEntry[];
}

/** The commit record: once it is on disk, the run is completed even if it is killed. */
interface CommitRecord {
  renames: [string, string][];
  /** Files to remove with the hash they must still have; moved to `backup` first. */
  removals: { path: string; sha256: string; backup: string }[];
  /** Existing files that are replaced, with their hard-linked backup. */
  backups: [string, string][];
  /** Directories that hold secrets, tightened to 0700. */
  tighten: string[];
  /** Directories that may be empty once stale files are gone. */
  prune: string[];
}

interface JournalLine {
  dir?: string;
  temp?: string;
  commit?: CommitRecord;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** A relative path from a manifest or journal we may act on: no `..`, nothing absolute. */
function isPlainRelative(path: unknown): path is string {
  return (
    typeof path === "string" &&
    path.length > 0 &&
    path.split("/").every((part) => part !== "" && part !== "." && part !== "..")
  );
}

/** Parent directories of a relative path, from the top: `a/b/c` → `a`, `a/b`. */
function parentsOf(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw asWriteError(error, path);
  }
}

/** Whether every directory on the way to `rel` is a real directory (no symbolic link). */
function plainDirectories(root: string, rel: string): boolean {
  return parentsOf(rel).every((dir) => lstatOrUndefined(join(root, dir))?.isDirectory() === true);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone (or never made): nothing to clean.
  }
}

function readManifest(root: string, notices: string[]): Manifest {
  const file = join(root, MANIFEST_NAME);
  const stat = lstatOrUndefined(file);
  if (stat !== undefined && !stat.isFile())
    throw new WriteError(file, stat.isSymbolicLink() ? "ELOOP" : "EEXIST");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return { version: 1, entries: [] };
    throw asWriteError(error, file);
  }
  try {
    const data = JSON.parse(text) as Manifest;
    const valid =
      data.version === 1 &&
      Array.isArray(data.entries) &&
      data.entries.every(
        (e) =>
          typeof e.host === "string" &&
          typeof e.configurer === "string" &&
          Array.isArray(e.peers) &&
          e.peers.every((p) => typeof p === "string") &&
          typeof e.files === "object" &&
          e.files !== null &&
          Object.entries(e.files).every(
            ([path, hash]) => isPlainRelative(path) && typeof hash === "string",
          ),
      );
    if (valid) return data;
  } catch {
    // Reported below.
  }
  notices.push(
    `${file} is not a manifest wirenix can read; files of earlier runs are not cleaned up this time`,
  );
  return { version: 1, entries: [] };
}

function readJournal(file: string): JournalLine[] {
  const lines: JournalLine[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    try {
      lines.push(JSON.parse(line) as JournalLine);
    } catch {
      // A line cut by a kill is the last one and was never acted on.
    }
  }
  return lines;
}

/**
 * Finishes or undoes what a killed run left in `root`. Returns whether there was anything.
 */
function recover(root: string): "completed" | "undone" | undefined {
  const journalFile = join(root, JOURNAL_NAME);
  const stat = lstatOrUndefined(journalFile);
  if (stat === undefined) return undefined;
  if (!stat.isFile()) throw new WriteError(journalFile, stat.isSymbolicLink() ? "ELOOP" : "EEXIST");
  const lines = guarded(journalFile, () => readJournal(journalFile));
  const commit = lines.find((l) => l.commit)?.commit;
  const dirs = new Set<string>(["."]);
  for (const l of lines) {
    if (isPlainRelative(l.temp)) dirs.add(posix.dirname(l.temp));
    if (isPlainRelative(l.dir)) dirs.add(l.dir);
  }
  if (commit) {
    applyCommit(root, commit);
  } else {
    // Nothing was renamed yet: remove what the run made, deepest directories first.
    for (const l of lines) if (isPlainRelative(l.temp)) removeQuietly(join(root, l.temp));
    const made = lines.map((l) => l.dir).filter(isPlainRelative);
    for (const dir of made.reverse()) {
      removeTemporaryFiles(join(root, dir));
      try {
        rmdirSync(join(root, dir));
      } catch {
        // Not empty (someone put a file there) or gone: left as it is.
      }
    }
  }
  for (const dir of dirs)
    if (plainDirectories(root, `${dir}/x`)) removeTemporaryFiles(join(root, dir));
  syncDirectory(root);
  guarded(journalFile, () => rmSync(journalFile, { force: true }));
  syncDirectory(root);
  return commit ? "completed" : "undone";
}

/** Carries out a commit record; every step can be repeated (a killed run's, by the next). */
function applyCommit(root: string, commit: CommitRecord): void {
  const at = (rel: string) => join(root, rel);
  for (const dir of commit.tighten)
    if (plainDirectories(root, `${dir}/x`)) guarded(at(dir), () => chmodSync(at(dir), 0o700));
  for (const [temp, final] of commit.renames)
    if (lstatOrUndefined(at(temp)) !== undefined && plainDirectories(root, final))
      guarded(at(final), () => renameSync(at(temp), at(final)));
  for (const { path, sha256: hash, backup } of commit.removals) {
    const stat = lstatOrUndefined(at(path));
    if (stat?.isFile() && plainDirectories(root, path)) {
      if (sha256(readFileSync(at(path), "utf8")) === hash)
        guarded(at(path), () => renameSync(at(path), at(backup)));
    }
  }
  const touched = new Set<string>(["."]);
  for (const [, final] of commit.renames) touched.add(posix.dirname(final));
  for (const { path } of commit.removals) touched.add(posix.dirname(path));
  for (const dir of touched) if (plainDirectories(root, `${dir}/x`)) syncDirectory(at(dir));
  for (const [, backup] of commit.backups) removeQuietly(at(backup));
  for (const { backup } of commit.removals) removeQuietly(at(backup));
  // Directories emptied by removals go too, deepest first (never the root).
  for (const dir of [...commit.prune].sort((a, b) => b.length - a.length))
    if (plainDirectories(root, `${dir}/x`))
      try {
        rmdirSync(at(dir));
      } catch {
        // Not empty: it holds other files.
      }
}

/** One run's writes under `--out DIR`. */
export class OutTransaction {
  readonly #root: string;
  readonly #options: OutOptions;
  readonly #tag = runTag();
  readonly #lock: HeldLock;
  readonly #journal: number;
  readonly #notices: string[] = [];
  readonly #manifest: Manifest;
  readonly #entries: ManifestEntry[] = [];
  /** Directories checked or made this run, with their identity (to notice a swap). */
  readonly #dirs = new Map<string, { dev: number; ino: number }>();
  readonly #made: string[] = [];
  readonly #staged: { temp: string; final: string; mode: number }[] = [];
  readonly #finals = new Set<string>();
  readonly #secretDirs = new Set<string>();
  #unregister: () => void;
  #open = true;
  /** The root did not exist before: a run that fails removes it again. */
  #madeRoot = false;

  private constructor(
    root: string,
    options: OutOptions,
    lock: HeldLock,
    journal: number,
    manifest: Manifest,
    notices: string[],
  ) {
    this.#root = root;
    this.#options = options;
    this.#lock = lock;
    this.#journal = journal;
    this.#manifest = manifest;
    this.#notices.push(...notices);
    this.#unregister = onInterrupt(() => this.abort());
  }

  /** Takes `dir` (made if missing): locks it and completes or undoes what a killed run left. */
  static async begin(dir: string, options: OutOptions): Promise<OutTransaction> {
    const root = resolve(dir);
    let madeRoot = false;
    const rootStat = (() => {
      try {
        return statSync(root);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw asWriteError(error, root);
        makeDirectory(root);
        madeRoot = true;
        return statSync(root);
      }
    })();
    if (!rootStat.isDirectory()) throw new WriteError(root, "ENOTDIR", "nothing was changed");
    // The transaction releases the lock itself on a signal, after its own cleanup.
    let lock: HeldLock;
    try {
      lock = await lockDirectory(root, options.lockWaitMs ?? lockWaitMs(), false);
    } catch (error) {
      if (madeRoot) removeEmptyDirectory(root);
      throw error instanceof WriteError ? error.withOutcome("nothing was changed") : error;
    }
    const journalFile = join(root, JOURNAL_NAME);
    let journal: number | undefined;
    try {
      const notices = lock.notice ? [lock.notice] : [];
      const recovered = recover(root);
      if (recovered)
        notices.push(
          `${root}: an earlier run was killed before it finished; its writes were ${recovered}`,
        );
      removeTemporaryFiles(root);
      const manifest = readManifest(root, notices);
      journal = guarded(journalFile, () =>
        openSync(
          journalFile,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        ),
      );
      const tx = new OutTransaction(root, options, lock, journal, manifest, notices);
      tx.#madeRoot = madeRoot;
      return tx;
    } catch (error) {
      if (journal !== undefined) {
        closeSync(journal);
        removeQuietly(journalFile);
      }
      lock.release();
      if (madeRoot) removeEmptyDirectory(root);
      throw error instanceof WriteError
        ? error.withOutcome("nothing of this run was written")
        : error;
    }
  }

  /** Notices so far (a lock taken over, a killed run completed). */
  get notices(): readonly string[] {
    return this.#notices;
  }

  #log(line: JournalLine): void {
    writeFully(this.#journal, `${JSON.stringify(line)}\n`, join(this.#root, JOURNAL_NAME));
  }

  /** Checks (or makes) the directory `rel` under the root: a real directory, never a link. */
  #directory(rel: string): void {
    if (this.#dirs.has(rel)) return;
    const path = join(this.#root, rel);
    let stat = lstatOrUndefined(path);
    if (stat === undefined) {
      this.#log({ dir: rel });
      guarded(path, () => mkdirSync(path, { mode: 0o755 }));
      guarded(path, () => chmodSync(path, 0o755));
      this.#made.push(rel);
      stat = lstatSync(path);
    } else if (stat.isSymbolicLink()) throw new WriteError(path, "ELOOP");
    else if (!stat.isDirectory()) throw new WriteError(path, "ENOTDIR");
    else removeTemporaryFiles(path);
    this.#dirs.set(rel, { dev: stat.dev, ino: stat.ino });
  }

  /** Stages one host's files: each is complete on disk under a temporary name when this returns. */
  add(host: OutHost, files: readonly OutFile[]): void {
    try {
      const hashes: Record<string, string> = {};
      for (const file of files) {
        if (!isPlainRelative(file.path) || this.#finals.has(file.path))
          throw new Error(`invalid or repeated output path ${JSON.stringify(file.path)}`);
        const parents = parentsOf(file.path);
        for (const dir of parents) this.#directory(dir);
        if (file.mode & 0o077) {
          // Files others may read are fine; a private file's directories are made private.
        } else for (const dir of parents) this.#secretDirs.add(dir);
        const final = join(this.#root, file.path);
        const existing = lstatOrUndefined(final);
        if (existing?.isSymbolicLink()) throw new WriteError(final, "ELOOP");
        if (existing && !existing.isFile())
          throw new WriteError(final, existing.isDirectory() ? "EISDIR" : "EEXIST");
        const temp = tempPath(final, this.#tag);
        this.#log({ temp: posix.join(posix.dirname(file.path), posix.basename(temp)) });
        writeTempFile(final, file.text, file.mode, this.#tag);
        this.#staged.push({ temp, final, mode: file.mode });
        this.#finals.add(file.path);
        hashes[file.path] = sha256(file.text);
      }
      this.#entries.push({
        host: host.name,
        peers: [...host.peers],
        configurer: this.#options.configurer,
        files: hashes,
      });
    } catch (error) {
      throw this.#fail(error);
    }
  }

  /** Undoes everything staged and turns `error` into the message for the user. */
  #fail(error: unknown): unknown {
    this.abort();
    return error instanceof WriteError
      ? error.withOutcome(`nothing under ${this.#root} was changed`)
      : error;
  }

  /** What the manifest becomes, and the files of earlier runs that are stale now. */
  #plan(): { manifest: Manifest; stale: { path: string; sha256: string }[] } {
    const aclPeers = new Set(this.#options.aclPeers);
    const replaced = new Set(this.#entries.map((e) => `${e.configurer}\u0000${e.host}`));
    const kept: ManifestEntry[] = [];
    const dropped: ManifestEntry[] = [];
    for (const entry of this.#manifest.entries) {
      const gone =
        replaced.has(`${entry.configurer}\u0000${entry.host}`) ||
        entry.peers.some((p) => !aclPeers.has(p));
      (gone ? dropped : kept).push(entry);
    }
    const entries = [...kept, ...this.#entries];
    const claimed = new Set(entries.flatMap((e) => Object.keys(e.files)));
    const stale = new Map<string, string>();
    for (const entry of dropped)
      for (const [path, hash] of Object.entries(entry.files))
        if (!claimed.has(path)) stale.set(path, hash);
    return {
      manifest: { version: 1, entries },
      stale: [...stale].map(([path, hash]) => ({ path, sha256: hash })),
    };
  }

  /** Puts every staged file in place (and removes stale ones), or changes nothing. */
  commit(): OutReport {
    const root = this.#root;
    const rel = (path: string) => posix.normalize(path.slice(root.length + 1));
    let record: CommitRecord;
    let removed: string[];
    try {
      const { manifest, stale } = this.#plan();
      const manifestFile = join(root, MANIFEST_NAME);
      const manifestTemp = tempPath(manifestFile, this.#tag);
      this.#log({ temp: rel(manifestTemp) });
      writeTempFile(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`, 0o644, this.#tag);
      this.#staged.push({ temp: manifestTemp, final: manifestFile, mode: 0o644 });

      // Stale files are removed only while they hold what Wirenix wrote.
      const removals: CommitRecord["removals"] = [];
      removed = [];
      for (const { path, sha256: hash } of stale) {
        const file = join(root, path);
        const stat = lstatOrUndefined(file);
        if (!stat || !plainDirectories(root, path)) continue;
        if (!stat.isFile() || sha256(readFileSync(file, "utf8")) !== hash) {
          this.#notices.push(
            `${file} was written by an earlier run for a peer or file that is gone, but it was changed since; it is left in place`,
          );
          continue;
        }
        const backup = tempPath(file, this.#tag, "old");
        this.#log({ temp: rel(backup) });
        removals.push({ path, sha256: hash, backup: rel(backup) });
        removed.push(path);
      }
      // Backups of the files that are replaced, so that a failure while renaming can undo.
      const backups: [string, string][] = [];
      for (const { final } of this.#staged) {
        if (lstatOrUndefined(final) === undefined) continue;
        const backup = tempPath(final, this.#tag, "old");
        this.#log({ temp: rel(backup) });
        guarded(final, () => linkSync(final, backup));
        backups.push([rel(final), rel(backup)]);
      }
      // The directories must still be the ones checked: none swapped for a link meanwhile.
      for (const [dir, id] of this.#dirs) {
        const stat = lstatOrUndefined(join(root, dir));
        if (!stat?.isDirectory() || stat.dev !== id.dev || stat.ino !== id.ino)
          throw new WriteError(join(root, dir), stat?.isSymbolicLink() ? "ELOOP" : "ENOTDIR");
      }
      record = {
        renames: this.#staged.map(({ temp, final }) => [rel(temp), rel(final)]),
        removals,
        backups,
        tighten: [...this.#secretDirs],
        prune: [...new Set(removals.flatMap((r) => parentsOf(r.path)))],
      };
      this.#log({ commit: record });
      guarded(join(root, JOURNAL_NAME), () => fsyncSync(this.#journal));
    } catch (error) {
      throw this.#fail(error);
    }
    // From here on the run counts as done: a kill now is completed by the next run.
    try {
      applyCommit(root, record);
    } catch (error) {
      throw this.#undoCommit(record, error);
    }
    this.#close();
    guarded(join(root, JOURNAL_NAME), () => unlinkSync(join(root, JOURNAL_NAME)));
    syncDirectory(root);
    this.#lock.release();
    return { written: this.#staged.length - 1, removed, notices: this.#notices };
  }

  /** A rename failed after the commit record: put the previous files back. */
  #undoCommit(record: CommitRecord, error: unknown): unknown {
    const root = this.#root;
    const at = (rel: string) => join(root, rel);
    const cause = error instanceof WriteError ? error : asWriteError(error, root);
    try {
      const backups = new Map(record.backups);
      for (const [temp, final] of record.renames) {
        if (lstatOrUndefined(at(temp)) !== undefined) continue; // not renamed yet
        const backup = backups.get(final);
        if (backup !== undefined) renameSync(at(backup), at(final));
        else unlinkSync(at(final));
      }
      for (const { path, backup } of record.removals)
        if (lstatOrUndefined(at(backup)) !== undefined) renameSync(at(backup), at(path));
    } catch {
      // The journal stays: the next run completes the commit.
      this.#close();
      this.#lock.release();
      return cause.withOutcome(
        `${root} was partly updated and could not be put back; the next wirenix run on it completes the update`,
      );
    }
    this.abort();
    return cause.withOutcome(`nothing under ${root} was changed`);
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#unregister();
    closeSync(this.#journal);
  }

  /** Removes everything this run staged; the previous content stays as it was. */
  abort(): void {
    if (!this.#open) return;
    this.#close();
    const root = this.#root;
    for (const { temp } of this.#staged) removeQuietly(temp);
    for (const name of readdirSafe(root))
      if (isTemporaryName(name)) removeQuietly(join(root, name));
    for (const dir of this.#dirs.keys()) removeTemporaryFiles(join(root, dir));
    for (const dir of [...this.#made].reverse())
      try {
        rmdirSync(join(root, dir));
      } catch {
        // Not empty: not ours to remove.
      }
    removeQuietly(join(root, JOURNAL_NAME));
    try {
      syncDirectory(root);
    } catch {
      // Nothing more can be done about it; the journal is gone either way.
    }
    this.#lock.release();
    if (this.#madeRoot) removeEmptyDirectory(root);
  }
}

/** Removes a directory this run made, unless something else was put there meanwhile. */
function removeEmptyDirectory(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty: not ours alone.
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
