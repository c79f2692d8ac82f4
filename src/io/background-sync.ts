/**
 * The `fsync` of many files, run together. Each `fsync` waits for a journal commit and a disk
 * flush of its own: one after another, the 2000 files of a 1000-peer mesh's wg-quick output
 * took 9 to 13 s on a virtual disk that writes their 240 MB in half a second. Started as each
 * file is written and run by libuv's threads a few at a time, they share commits (under a
 * second for the same files) and overlap with making the next host. Nothing depends on a file
 * being on disk before its run's commit record, which waits for `settled`.
 */
import { closeSync, constants, fsync, fsyncSync, openSync } from "node:fs";
import { asWriteError, errnoCode, type WriteError } from "./atomic-write.js";

/**
 * Syncs under way at once: libuv runs four at a time; more waiting in its queue keeps them busy.
 * Past this many, a written file is synced at once instead (output made faster than the disk
 * takes it must not run out of descriptors); a directory waits for its turn unopened.
 */
const MAX_PENDING = 128;

/** Syncs files in the background; `settled` waits for all of them and reports a failure. */
export class BackgroundSyncs {
  #pending = 0;
  /** Directories waiting for a free place. */
  readonly #directories: string[] = [];
  #failure: WriteError | undefined;
  #waiting: (() => void)[] = [];

  /**
   * Makes what was written to `fd` durable, then closes it (the caller must not use it
   * again). A failure names `file`.
   */
  add(fd: number, file: string): void {
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
    this.#directories.push(dir);
    this.#next();
  }

  #next(): void {
    while (this.#pending < MAX_PENDING) {
      const dir = this.#directories.shift();
      if (dir === undefined) return;
      let fd: number;
      try {
        fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
      } catch (error) {
        this.#failed(error, dir, false);
        continue;
      }
      this.#start(fd, dir, true);
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
    this.#next();
    if (this.#pending > 0) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#failure) throw this.#failure;
  }
}
