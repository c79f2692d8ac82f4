/**
 * One writer at a time in a directory: `DIR/.wirenix.lock`, created exclusively and holding
 * the writer's pid. A second run waits a little for the first, then gives up with a clear
 * message. A lock left by a process that no longer runs (killed with `kill -9`) is taken over,
 * and the user is told.
 */
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
} from "node:fs";
import { join } from "node:path";
import { onInterrupt } from "./interrupt.js";
import { asWriteError, errnoCode, guarded, WriteError, writeFully } from "./output.js";

export const LOCK_NAME = ".wirenix.lock";

/** How long a run waits for another one by default; `WIRENIX_LOCK_WAIT` (seconds) changes it. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;
/** A lock file without a pid yet is being written; past this age it was left half-made. */
const UNWRITTEN_GRACE_MS = 2_000;
const POLL_MS = 50;

/** Another run holds the directory longer than we wait. */
export class LockError extends Error {
  override name = "LockError";
}

export interface DirLock {
  /** The lock file. */
  file: string;
  /** Set when a stale lock was taken over: worth telling the user. */
  notice?: string;
  release(): void;
}

/** The wait the user asked for (`WIRENIX_LOCK_WAIT`, seconds) or the default. */
export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.WIRENIX_LOCK_WAIT);
  return env.WIRENIX_LOCK_WAIT !== undefined && Number.isFinite(seconds) && seconds >= 0
    ? seconds * 1000
    : DEFAULT_LOCK_WAIT_MS;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return errnoCode(error) === "EPERM";
  }
}

interface Holder {
  pid: number | undefined;
  ageMs: number;
}

/** Who holds the lock, or undefined when it is gone. */
function holderOf(file: string): Holder | undefined {
  try {
    const stat = lstatSync(file);
    // Never read (or remove) through a link: whoever planted it is not a wirenix run.
    if (!stat.isFile()) throw new WriteError(file, stat.isSymbolicLink() ? "ELOOP" : "EEXIST");
    const ageMs = Date.now() - stat.mtimeMs;
    const text = readFileSync(file, "utf8").trim();
    const pid = /^\d+$/.test(text) ? Number(text) : undefined;
    return { pid, ageMs };
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

function isStale(holder: Holder): boolean {
  if (holder.pid === undefined) return holder.ageMs > UNWRITTEN_GRACE_MS;
  return holder.pid !== process.pid && !isRunning(holder.pid);
}

/**
 * Removes a stale lock, unless another run did so (and took the lock) meanwhile: the check
 * and the removal happen under a second, short-lived lock, so two runs that both found the
 * same stale lock cannot remove each other's fresh one.
 */
function removeStale(file: string): boolean {
  const guard = `${file}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if (errnoCode(error) !== "EEXIST") throw error;
    // A takeover guard left by a run killed in these few lines is itself stale after a while.
    const age = holderOf(guard)?.ageMs ?? 0;
    if (age > UNWRITTEN_GRACE_MS) rmSync(guard, { force: true });
    return false;
  }
  try {
    const holder = holderOf(file);
    if (holder === undefined || !isStale(holder)) return false;
    unlinkSync(file);
    return true;
  } finally {
    closeSync(fd);
    rmSync(guard, { force: true });
  }
}

/**
 * Takes the lock of `dir` (which must exist), waiting up to `waitMs` for another run. The lock
 * is released by `release()`, and also when the process is interrupted or exits (unless the
 * caller cleans up on interrupts itself and releases it then).
 */
export function lockDirectory(
  dir: string,
  waitMs = lockWaitMs(),
  releaseOnInterrupt = true,
): DirLock {
  const file = join(dir, LOCK_NAME);
  const deadline = Date.now() + waitMs;
  let notice: string | undefined;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(
        file,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw asWriteError(error, file);
    }
    if (fd !== undefined) {
      try {
        writeFully(fd, `${process.pid}\n`, file);
      } catch (error) {
        closeSync(fd);
        rmSync(file, { force: true });
        throw error;
      }
      closeSync(fd);
      return held(file, notice, releaseOnInterrupt);
    }
    const holder = guarded(file, () => holderOf(file));
    if (holder === undefined) continue;
    if (isStale(holder)) {
      if (guarded(file, () => removeStale(file)))
        notice = `${file}: took over the lock of process ${holder.pid ?? "(unknown)"}, which no longer runs`;
      continue;
    }
    if (Date.now() >= deadline)
      throw new LockError(
        `${dir} is being written by another wirenix run (process ${holder.pid ?? "starting"}); waited ${waitMs / 1000} s. Try again when it is done${holder.pid === undefined ? "" : `, or remove ${file} if process ${holder.pid} is not wirenix`}`,
      );
    sleep(POLL_MS);
  }
}

function held(file: string, notice: string | undefined, releaseOnInterrupt: boolean): DirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    unregister();
    // Only our own lock is removed: a lock file with another pid is not ours any more.
    try {
      if (holderOf(file)?.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // The directory itself is gone or unreadable: there is no lock left to release.
    }
  };
  const unregister = releaseOnInterrupt ? onInterrupt(release) : () => {};
  return { file, ...(notice === undefined ? {} : { notice }), release };
}
