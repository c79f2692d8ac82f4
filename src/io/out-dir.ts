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
 * Nothing is ever written through a symbolic link: one at `DIR`, at `DIR/<peer>` or at a
 * file's path is refused. Nothing that is not Wirenix's is touched: a file at a target path that
 * the manifest does not list is refused (never replaced), only directories the run made are
 * made private, and temporary files are removed by the names the journal lists. The journal and
 * the manifest themselves are checked as untrusted input before anything is done (see
 * `out-records.ts`).
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
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { join, posix, resolve } from "node:path";
import { inChunks } from "../core/text-sink.js";
import {
  asWriteError,
  errnoCode,
  guarded,
  lstatOrUndefined,
  makeDirectory,
  processUmask,
  runTag,
  syncDirectory,
  tempPath,
  WriteError,
  WriteRefusal,
  writeFully,
  writeTempFile,
} from "./atomic-write.js";
import { BackgroundSyncs } from "./background-sync.js";
import { type HeldLock, lockDirectory, lockWaitMs } from "./dir-lock.js";
import { onInterrupt } from "./interrupt.js";
import {
  type CommitRecord,
  checkJournalOnDisk,
  checkManifestOnDisk,
  JOURNAL_NAME,
  type JournalLine,
  MANIFEST_NAME,
  type Manifest,
  type ManifestEntry,
  parentsOf,
  parseJournal,
  parseManifest,
} from "./out-records.js";

export { JOURNAL_NAME, MANIFEST_NAME };

/** One output file: its path relative to DIR (`/`-separated, already checked) and mode. */
export interface OutFile {
  path: string;
  /** The text, or the pieces it is made of (a big file's, never joined: see `writeTempFile`). */
  text: string | readonly string[];
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

/** Files at paths this run writes that the manifest does not list: never replaced. */
export class ForeignFilesError extends WriteRefusal {
  override name = "ForeignFilesError";
}

/** The hash of a text, or of the text its chunks make (see `inChunks`). */
function sha256(text: string | readonly string[]): string {
  const hash = createHash("sha256");
  for (const chunk of typeof text === "string" ? [text] : text) hash.update(chunk);
  return hash.digest("hex");
}

/** A relative path this run makes itself: no `..`, nothing absolute. */
function isPlainRelative(path: unknown): path is string {
  return (
    typeof path === "string" &&
    path.length > 0 &&
    path.split("/").every((part) => part !== "" && part !== "." && part !== "..")
  );
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

/** A record file's text, or undefined when there is none; never read through a link. */
function readRecord(file: string): string | undefined {
  const stat = lstatOrUndefined(file);
  if (stat === undefined) return undefined;
  if (!stat.isFile()) throw new WriteError(file, stat.isSymbolicLink() ? "ELOOP" : "EEXIST");
  return guarded(file, () => readFileSync(file, "utf8"));
}

/** The manifest of `root` (`shown` as the user named it), checked as untrusted input. */
function readManifest(root: string, shown: string, name = MANIFEST_NAME): Manifest {
  const text = readRecord(join(root, name));
  if (text === undefined) return { version: 1, entries: [] };
  const file = join(shown, name);
  const manifest = parseManifest(text, file, shown);
  checkManifestOnDisk(manifest, root, file, shown);
  return manifest;
}

/**
 * Finishes or undoes what a killed run left in `root`. Returns whether there was anything.
 * The journal is checked in full, and so is any manifest it would put in place, before any
 * file is touched.
 */
function recover(root: string, shown: string): "completed" | "undone" | undefined {
  const journalFile = join(root, JOURNAL_NAME);
  const text = readRecord(journalFile);
  if (text === undefined) return undefined;
  const file = join(shown, JOURNAL_NAME);
  const journal = parseJournal(text, file, shown);
  checkJournalOnDisk(journal, readManifest(root, shown), root, file, shown);
  const { commit } = journal;
  const stagedManifest = commit?.renames.find(([, final]) => final === MANIFEST_NAME)?.[0];
  if (stagedManifest !== undefined && lstatOrUndefined(join(root, stagedManifest)))
    readManifest(root, shown, stagedManifest);
  if (commit) {
    applyCommit(root, commit);
  } else {
    // Nothing was renamed yet: remove what the run made, deepest directories first.
    for (const temp of journal.temps) removeQuietly(join(root, temp));
    for (const dir of [...journal.dirs].reverse())
      try {
        rmdirSync(join(root, dir));
      } catch {
        // Not empty (someone put a file there) or gone: left as it is.
      }
  }
  // Whatever the run made and did not rename (backups, temporary files) goes.
  for (const temp of journal.temps)
    if (plainDirectories(root, temp)) removeQuietly(join(root, temp));
  syncDirectory(root);
  guarded(journalFile, () => rmSync(journalFile, { force: true }));
  syncDirectory(root);
  return commit ? "completed" : "undone";
}

/** Carries out a commit record; every step can be repeated (a killed run's, by the next). */
function applyCommit(root: string, commit: CommitRecord): void {
  for (const dir of applyRenames(root, commit)) syncDirectory(dir);
  finishCommit(root, commit);
}

/**
 * The renames of a commit record (and the modes it tightens, the files it removes); returns
 * the directories whose entries changed, which must be synced before `finishCommit`. A record
 * of a killed run is carried out step by step as far as it still applies (every step can be
 * repeated); the run that wrote it (`live`) has just checked every directory and made every
 * temporary file, so its renames are not asked about one by one.
 */
function applyRenames(root: string, commit: CommitRecord, live = false): string[] {
  const at = (rel: string) => join(root, rel);
  const plain = (rel: string) => live || plainDirectories(root, rel);
  for (const dir of commit.tighten)
    if (plain(`${dir}/x`)) guarded(at(dir), () => chmodSync(at(dir), 0o700));
  for (const [temp, final] of commit.renames)
    if (live || (lstatOrUndefined(at(temp)) !== undefined && plain(final)))
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
  return [...touched].filter((dir) => plain(`${dir}/x`)).map(at);
}

/** The rest of a commit record, once its renames are on disk: backups and emptied directories go. */
function finishCommit(root: string, commit: CommitRecord): void {
  const at = (rel: string) => join(root, rel);
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
  /** Every file the manifest lists, asked once per file written (a list walk each was n²). */
  #listedFiles: Set<string> | undefined;
  readonly #entries: ManifestEntry[] = [];
  /** Directories checked or made this run, with their identity (to notice a swap). */
  readonly #dirs = new Map<string, { dev: number; ino: number }>();
  readonly #made: string[] = [];
  /** Directories this run made private at once (a private file of the host that made them). */
  readonly #madePrivate = new Set<string>();
  /** The umask, read once: modes it leaves alone need no chmod (see `writeTempFile`). */
  readonly #umask = processUmask();
  readonly #staged: { temp: string; final: string; mode: number }[] = [];
  readonly #finals = new Set<string>();
  readonly #secretDirs = new Set<string>();
  /** Every temporary and backup name this run logged: exactly what `abort` removes. */
  readonly #temps: string[] = [];
  /** Files in the way that the manifest does not list: the run fails naming them all. */
  readonly #foreign: string[] = [];
  /** The directory as the user named it, for messages. */
  readonly #shown: string;
  #unregister: () => void;
  #open = true;
  /** The files staged are synced as they are written, all before the commit record. */
  readonly #syncs = new BackgroundSyncs(() => this.#fileSystems());
  /**
   * Past the commit record (while the renamed files' directories are synced): an interrupt
   * waits for `finishing` and then ends the process, instead of undoing the run.
   */
  #committed: { record: CommitRecord; dirs: string[]; finishing: Promise<void> } | undefined;
  /** The root did not exist before: a run that fails removes it again. */
  #madeRoot = false;
  /** The file system the root is on (see `#fileSystems`). */
  #rootDevice = -1;

  private constructor(
    root: string,
    shown: string,
    options: OutOptions,
    lock: HeldLock,
    journal: number,
    manifest: Manifest,
    notices: string[],
  ) {
    this.#root = root;
    this.#shown = shown;
    this.#options = options;
    this.#lock = lock;
    this.#journal = journal;
    this.#manifest = manifest;
    this.#notices.push(...notices);
    this.#unregister = onInterrupt(() => this.#interrupted());
  }

  /** Takes `dir` (made if missing): locks it and completes or undoes what a killed run left. */
  static async begin(dir: string, options: OutOptions): Promise<OutTransaction> {
    const root = resolve(dir);
    let madeRoot = false;
    let lock: HeldLock | undefined;
    // Until the transaction handles signals itself (its constructor), a signal releases the lock
    // taken here and removes the root made here. Registered before either is made: with no
    // handler at all a signal ends the process at once, wherever it is, and left the lock behind.
    const unguard = onInterrupt(() => {
      lock?.release();
      if (madeRoot) removeEmptyDirectory(root);
    });
    try {
      const rootStat = (() => {
        try {
          // The directory named, never one a symbolic link leads to: a link committed in its
          // place (or a path into a shared directory) must not redirect where files go.
          return lstatSync(root);
        } catch (error) {
          if (errnoCode(error) !== "ENOENT") throw asWriteError(error, root);
          makeDirectory(root);
          madeRoot = true;
          return statSync(root);
        }
      })();
      if (rootStat.isSymbolicLink())
        throw new WriteError(
          root,
          "ELOOP",
          "nothing was changed (give the directory it leads to, if that is where the files belong)",
        );
      if (!rootStat.isDirectory()) throw new WriteError(root, "ENOTDIR", "nothing was changed");
      // The transaction releases the lock itself on a signal, after its own cleanup.
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
        const recovered = recover(root, dir);
        if (recovered)
          notices.push(
            `${root}: an earlier run was killed before it finished; its writes were ${recovered}`,
          );
        const manifest = readManifest(root, dir);
        journal = guarded(journalFile, () =>
          openSync(
            journalFile,
            constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
            0o600,
          ),
        );
        const tx = new OutTransaction(root, dir, options, lock, journal, manifest, notices);
        tx.#madeRoot = madeRoot;
        tx.#rootDevice = rootStat.dev;
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
    } finally {
      unguard();
    }
  }

  /** Notices so far (a lock taken over, a killed run completed). */
  get notices(): readonly string[] {
    return this.#notices;
  }

  #log(line: JournalLine): void {
    this.#logAll([line]);
  }

  /** Journal lines in one write: a host's directories and temporary files, before any is made. */
  #logAll(lines: readonly JournalLine[]): void {
    if (lines.length === 0) return;
    let text = "";
    for (const line of lines) {
      if ("temp" in line) this.#temps.push(line.temp);
      text += `${JSON.stringify(line)}\n`;
    }
    writeFully(this.#journal, text, join(this.#root, JOURNAL_NAME));
  }

  /**
   * Checks the directory `rel` under the root, not yet checked this run: a real directory, never
   * a link. Returns false when it is missing (the caller makes it).
   */
  #checkDirectory(rel: string): boolean {
    const path = join(this.#root, rel);
    const stat = lstatOrUndefined(path);
    if (stat === undefined) return false;
    if (stat.isSymbolicLink()) throw new WriteError(path, "ELOOP");
    if (!stat.isDirectory()) throw new WriteError(path, "ENOTDIR");
    this.#dirs.set(rel, { dev: stat.dev, ino: stat.ino });
    return true;
  }

  /** Makes the directory `rel` (logged already) with exactly `mode`, and keeps its identity. */
  #makeDirectory(rel: string, mode: number): void {
    const path = join(this.#root, rel);
    guarded(path, () => mkdirSync(path, { mode }));
    this.#made.push(rel);
    if (mode === 0o700) this.#madePrivate.add(rel);
    const stat = guarded(path, () => lstatSync(path));
    // The umask may have taken bits away; only then is the mode set again.
    if ((stat.mode & 0o777) !== mode) guarded(path, () => chmodSync(path, mode));
    this.#dirs.set(rel, { dev: stat.dev, ino: stat.ino });
  }

  /**
   * Stages one host's files, each complete under a temporary name when this returns; their syncs
   * run in the background and `commit` waits for them before its record. Everything is checked
   * first; then one journal write lists what will be made, and it is made.
   */
  add(host: OutHost, files: readonly OutFile[]): void {
    try {
      const hashes: Record<string, string> = {};
      const lines: JournalLine[] = [];
      /** Directories to make, parents first, and whether a private file of this host is in them. */
      const missing = new Map<string, boolean>();
      const writes: { file: OutFile; final: string; temp: string }[] = [];
      for (const file of files) {
        if (!isPlainRelative(file.path) || this.#finals.has(file.path))
          throw new Error(`invalid or repeated output path ${JSON.stringify(file.path)}`);
        const parents = parentsOf(file.path);
        const secret = (file.mode & 0o077) === 0;
        let under = false;
        for (const dir of parents) {
          // Below a missing directory everything is missing: no need to ask.
          if (!under && (this.#dirs.has(dir) || (!missing.has(dir) && this.#checkDirectory(dir))))
            continue;
          under = true;
          missing.set(dir, (missing.get(dir) ?? false) || secret);
        }
        // Files others may read are fine; a private file's directories are made private.
        if (secret) for (const dir of parents) this.#secretDirs.add(dir);
        const final = join(this.#root, file.path);
        const existing = under ? undefined : lstatOrUndefined(final);
        if (existing?.isSymbolicLink()) throw new WriteError(final, "ELOOP");
        if (existing && !existing.isFile())
          throw new WriteError(final, existing.isDirectory() ? "EISDIR" : "EEXIST");
        if (existing && !this.#listed(file.path)) {
          // Not ours: never replaced. Every such file is named at the end, nothing staged.
          this.#foreign.push(file.path);
          continue;
        }
        const temp = tempPath(final, this.#tag);
        lines.push({ temp: posix.join(posix.dirname(file.path), posix.basename(temp)) });
        writes.push({ file, final, temp });
      }
      this.#logAll([...[...missing.keys()].map((dir): JournalLine => ({ dir })), ...lines]);
      for (const [dir, secret] of missing) this.#makeDirectory(dir, secret ? 0o700 : 0o755);
      for (const { file, final, temp } of writes) {
        // A big file's pieces gathered into chunks once, for the write and for the hash.
        const data = typeof file.text === "string" ? file.text : inChunks(file.text);
        writeTempFile(final, data, file.mode, {
          tag: this.#tag,
          syncs: this.#syncs,
          umask: this.#umask,
        });
        this.#staged.push({ temp, final, mode: file.mode });
        this.#finals.add(file.path);
        hashes[file.path] = sha256(data);
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

  /**
   * A path on each file system this run writes to: the root's, and any other a directory under
   * it is on (a mount point inside the output). Every file is in a directory checked or made.
   */
  #fileSystems(): string[] {
    const byDevice = new Map<number, string>([[this.#rootDevice, this.#root]]);
    for (const [dir, { dev }] of this.#dirs)
      if (!byDevice.has(dev)) byDevice.set(dev, join(this.#root, dir));
    return [...byDevice.values()];
  }

  /** Whether the manifest lists `path` as a file an earlier run wrote. */
  #listed(path: string): boolean {
    this.#listedFiles ??= new Set(this.#manifest.entries.flatMap((e) => Object.keys(e.files)));
    return this.#listedFiles.has(path);
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

  /** Fails naming every file in the way that the manifest does not list. */
  #refuseForeign(): void {
    const foreign = this.#foreign;
    if (foreign.length === 0) return;
    const one = foreign.length === 1;
    const them = one ? "it" : "them";
    throw new ForeignFilesError(
      `${foreign.map((path) => join(this.#shown, path)).join(", ")}: ${one ? "a file wirenix did not write is" : "files wirenix did not write are"} where this run would write (${join(this.#shown, MANIFEST_NAME)} does not list ${them}); wirenix replaces only its own files, so nothing was changed. Move ${them} away (or remove ${them}) and run again, or choose another output directory`,
      "out",
    );
  }

  /** Puts every staged file in place (and removes stale ones), or changes nothing. */
  async commit(): Promise<OutReport> {
    const root = this.#root;
    const rel = (path: string) => posix.normalize(path.slice(root.length + 1));
    let record: CommitRecord;
    let removed: string[];
    try {
      this.#refuseForeign();
      const { manifest, stale } = this.#plan();
      const manifestFile = join(root, MANIFEST_NAME);
      const manifestTemp = tempPath(manifestFile, this.#tag);
      this.#log({ temp: rel(manifestTemp) });
      writeTempFile(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`, 0o644, {
        tag: this.#tag,
        syncs: this.#syncs,
        umask: this.#umask,
      });
      this.#staged.push({ temp: manifestTemp, final: manifestFile, mode: 0o644 });
      // Every staged file complete on disk before anything else is decided or recorded.
      await this.#syncs.settled();

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
        // A file that appeared since it was staged is someone else's: refused like any other.
        if (final !== manifestFile && !this.#listed(rel(final))) this.#foreign.push(rel(final));
        if (this.#foreign.length > 0) continue;
        const backup = tempPath(final, this.#tag, "old");
        this.#log({ temp: rel(backup) });
        guarded(final, () => linkSync(final, backup));
        backups.push([rel(final), rel(backup)]);
      }
      this.#refuseForeign();
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
        // Only directories this run made: an existing one keeps the mode its owner chose.
        tighten: this.#made.filter(
          (dir) => this.#secretDirs.has(dir) && !this.#madePrivate.has(dir),
        ),
        prune: [...new Set(removals.flatMap((r) => parentsOf(r.path)))],
      };
      this.#log({ commit: record });
      guarded(join(root, JOURNAL_NAME), () => fsyncSync(this.#journal));
    } catch (error) {
      throw this.#fail(error);
    }
    // From here on the run counts as done: a kill now is completed by the next run.
    try {
      const dirs = applyRenames(root, record, true);
      // The directories of a big output (one per host) are synced together, as the files were.
      const syncs = new BackgroundSyncs(() => this.#fileSystems());
      for (const dir of dirs) syncs.addDirectory(dir);
      const finishing = syncs.settled();
      this.#committed = { record, dirs, finishing: finishing.catch(() => {}) };
      await finishing;
      if (!this.#open) return { written: this.#staged.length - 1, removed, notices: this.#notices };
      finishCommit(root, record);
    } catch (error) {
      throw this.#undoCommit(record, error);
    }
    this.#completed();
    return { written: this.#staged.length - 1, removed, notices: this.#notices };
  }

  /**
   * A signal: before the commit record the run is undone; after it, the process ends only once
   * the run is complete (a moment: the directories' syncs), and what it says it wrote is there.
   */
  #interrupted(): Promise<void> | undefined {
    if (this.#committed && this.#open) return this.#committed.finishing;
    this.abort();
    return undefined;
  }

  /** The end of a committed run: the journal and the lock go. */
  #completed(): void {
    const root = this.#root;
    // The signal handler stays until the journal and the lock are gone: without it, a signal
    // in between would end the process by default and leave both behind.
    this.#close();
    guarded(join(root, JOURNAL_NAME), () => unlinkSync(join(root, JOURNAL_NAME)));
    syncDirectory(root);
    this.#lock.release();
    this.#unregister();
  }

  /** A rename failed after the commit record: put the previous files back. */
  #undoCommit(record: CommitRecord, error: unknown): unknown {
    this.#committed = undefined;
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
      this.#unregister();
      return cause.withOutcome(
        `${root} was partly updated and could not be put back; the next wirenix run on it completes the update`,
      );
    }
    this.abort();
    return cause.withOutcome(`nothing under ${root} was changed`);
  }

  /** Closes the journal; the signal handler stays until the caller has removed it and the lock. */
  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    closeSync(this.#journal);
  }

  /**
   * Removes everything this run staged; the previous content stays as it was. Past the commit
   * record (an interrupt while the renamed files' directories are synced), the run is
   * completed instead.
   */
  abort(): void {
    if (!this.#open) return;
    const committed = this.#committed;
    if (committed) {
      try {
        for (const dir of committed.dirs) syncDirectory(dir);
        finishCommit(this.#root, committed.record);
        this.#completed();
      } catch {
        // The journal stays (if it could not go): the next run completes the commit.
        this.#close();
        this.#lock.release();
        this.#unregister();
      }
      return;
    }
    this.#close();
    const root = this.#root;
    // Exactly the names this run logged (and so made): nothing else in the directory is ours.
    for (const temp of this.#temps)
      if (plainDirectories(root, temp)) removeQuietly(join(root, temp));
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
    this.#unregister();
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
