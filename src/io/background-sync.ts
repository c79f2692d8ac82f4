/**
 * The `fsync` of many files, run together. Each `fsync` waits for a journal commit and a disk
 * flush of its own: one after another, the 2000 files of a 1000-peer mesh's wg-quick output
 * took 9 to 13 s on a virtual disk that writes their 240 MB in half a second. Started as each
 * file is written and run by libuv's threads a few at a time, they share commits (under a
 * second for the same files) and overlap with making the next host. Nothing depends on a file
 * being on disk before its run's commit record, which waits for `settled`.
 *
 * Past `PER_FILE` files even that costs more than the work: the 30,000 files and directories
 * of a 10,010-host output took 3 s of the run's 8 in `fsync` requests, their threads' wake-ups
 * and the disk's answers. The rest are then made durable together: one `syncfs` of each file
 * system they are on (`sync -f`, coreutils or busybox), which writes out everything dirty there
 * and reports any error since. Where that cannot run (no `sync`, another system's), each file
 * left is opened again and synced on its own, as before.
 */
import { execFile } from "node:child_process";
import { closeSync, constants, fsync, fsyncSync, openSync } from "node:fs";
import { asWriteError, errnoCode, type WriteError } from "./atomic-write.js";

/**
 * Syncs under way at once: libuv runs four at a time; more waiting in its queue keeps them busy.
 * Past this many, a written file is synced at once instead (output made faster than the disk
 * takes it must not run out of descriptors); a directory waits for its turn unopened.
 */
const MAX_PENDING = 128;

/** Files (and directories) synced one by one; past this many, the file system is synced once. */
export const PER_FILE = 256;

/** What `sync -f` is given: one path on each file system the files are on. */
export type FileSystems = () => readonly string[];

/** A file or directory to open and sync by its path: `file` names it in a failure. */
interface ByPath {
  path: string;
  file: string;
  directory: boolean;
}

/** Syncs files in the background; `settled` waits for all of them and reports a failure. */
export class BackgroundSyncs {
  #pending = 0;
  #count = 0;
  /** Waiting for a free place, opened when it comes (directories; files left by `sync -f`). */
  #unopened: ByPath[] = [];
  /** Past `PER_FILE`: files and directories left to the file system's sync. */
  #deferred: ByPath[] = [];
  readonly #fileSystems: FileSystems;
  #failure: WriteError | undefined;
  #waiting: (() => void)[] = [];

  /** `fileSystems` names a path on every file system a file added here may be on. */
  constructor(fileSystems: FileSystems) {
    this.#fileSystems = fileSystems;
  }

  /**
   * Makes what was written to `fd` durable, then closes it (the caller must not use it
   * again). `path` is where the file is now; a failure names `file`.
   */
  add(fd: number, file: string, path: string): void {
    if (++this.#count > PER_FILE) {
      this.#deferred.push({ path, file, directory: false });
      closeSync(fd);
      return;
    }
    if (this.#pending >= MAX_PENDING) {
      try {
        fsyncSync(fd);
      } catch (error) {
        this.#failed(error, file, false);
      } finally {
        closeSync(fd);
      }
      return;
    }
    this.#start(fd, file, false);
  }

  /** Makes the entries of directory `dir` durable (renames into it, say). */
  addDirectory(dir: string): void {
    const item = { path: dir, file: dir, directory: true };
    (++this.#count > PER_FILE ? this.#deferred : this.#unopened).push(item);
    this.#next();
  }

  #next(): void {
    while (this.#pending < MAX_PENDING) {
      const item = this.#unopened.shift();
      if (item === undefined) return;
      const { path, file, directory } = item;
      let fd: number;
      try {
        fd = openSync(path, constants.O_RDONLY | (directory ? constants.O_DIRECTORY : 0));
      } catch (error) {
        this.#failed(error, file, false);
        continue;
      }
      this.#start(fd, file, directory);
    }
  }

  #start(fd: number, file: string, directory: boolean): void {
    this.#pending++;
    fsync(fd, (error) => {
      try {
        closeSync(fd);
      } catch {
        // Closing a synced file cannot lose anything.
      }
      if (error) this.#failed(error, file, directory);
      this.#pending--;
      this.#next();
      if (this.#pending === 0) for (const resolve of this.#waiting.splice(0)) resolve();
    });
  }

  /** A directory that cannot be synced (EINVAL: some file systems) has nothing to make durable. */
  #failed(error: unknown, file: string, directory: boolean): void {
    if (directory && errnoCode(error) === "EINVAL") return;
    this.#failure ??= asWriteError(error, file);
  }

  /** Resolves when every sync started so far is done; rejects with the first failure. */
  async settled(): Promise<void> {
    await this.#drained();
    const deferred = this.#deferred;
    this.#deferred = [];
    if (deferred.length > 0 && !(await syncFileSystems(this.#fileSystems()))) {
      // No `sync -f` here: each on its own after all, a few at a time.
      this.#unopened = deferred;
      await this.#drained();
    }
    if (this.#failure) throw this.#failure;
  }

  async #drained(): Promise<void> {
    this.#next();
    while (this.#pending > 0 || this.#unopened.length > 0) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      this.#next();
    }
  }
}

/**
 * `syncfs` of the file systems `paths` are on, through `sync -f`. False when it could not be
 * run or failed: the caller then syncs its files one by one, which reports any error itself.
 */
function syncFileSystems(paths: readonly string[]): Promise<boolean> {
  if (paths.length === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    execFile("sync", ["-f", ...paths], (error) => resolve(!error));
  });
}
