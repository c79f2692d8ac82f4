/**
 * One writer at a time: a lock file holding the writer's pid, made whole before it appears (a
 * temporary file hard-linked to the lock's name, which fails if the name is taken). The `--out`
 * and keys directories are locked by `DIR/.wirenix.lock`, an ACL that is edited by
 * `.NAME.wirenix-lock` beside it. A second run waits for the first without blocking Node's
 * event loop (signals still end it), up to a bounded time, then gives up naming the holder.
 *
 * A lock left by a process that no longer runs (`kill -9`) is taken over, and the user is told.
 * Taking over is atomic: the stale lock is replaced (renamed over) only under a guard file
 * named after that very lock file (its inode and pid), which one waiter alone can create, and
 * only if the lock is still that file; a waiter that saw an older lock finds it changed and
 * waits. A guard whose own maker died is taken over the same way.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import {
  asWriteError,
  errnoCode,
  guarded,
  isTemporaryName,
  tempPath,
  WriteError,
  writeFully,
} from "./atomic-write.js";
import { onInterrupt } from "./interrupt.js";

export const LOCK_NAME = ".wirenix.lock";

/** How long a run waits for another one by default; `WIRENIX_LOCK_WAIT` (seconds) changes it. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;
/**
 * A lock file without a pid is only made by a file system without hard links (where the lock
 * is created empty and then written) or by a crash of the whole machine; past this age no run
 * is still writing it.
 */
const UNWRITTEN_GRACE_MS = 2_000;
/** The coarsest file modification time there is (FAT keeps even seconds). */
const COARSE_MTIME_MS = 2_000;
/** Between two looks at a busy lock; random within this span, so waiters do not move in step. */
const POLL_MS = [20, 80] as const;
/** Guards of guards: each level needs a run killed inside the few lines of a takeover. */
const MAX_TAKEOVER_DEPTH = 3;

/** Another run holds the lock longer than we wait. */
export class LockError extends Error {
  override name = "LockError";
}

/** A lock this process holds. */
export interface HeldLock {
  /** The lock file. */
  file: string;
  /** Set when a stale lock was taken over: worth telling the user. */
  notice?: string;
  /** Removes the lock file (if it is still ours); safe to call more than once. */
  release(): void;
}

export interface LockOptions {
  /** What the holder is doing, for the message when we give up: "/srv/out is being written". */
  busy: string;
  /** How long to wait for another run (default: `lockWaitMs()`). */
  waitMs?: number;
  /**
   * Release the lock when the process is interrupted or exits (default). A caller that cleans
   * up on interrupts itself passes false and releases it after its own cleanup.
   */
  releaseOnInterrupt?: boolean;
}

/** The wait the user asked for (`WIRENIX_LOCK_WAIT`, seconds) or the default. */
export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.WIRENIX_LOCK_WAIT);
  return env.WIRENIX_LOCK_WAIT !== undefined && Number.isFinite(seconds) && seconds >= 0
    ? seconds * 1000
    : DEFAULT_LOCK_WAIT_MS;
}

/**
 * The lock of a single file: `.NAME.wirenix-lock` beside the file the name finally points to
 * (so every symbolic link to one ACL shares its lock). The file need not exist yet (`init`).
 */
export function fileLockPath(file: string): string {
  let target: string;
  try {
    target = realpathSync(file);
  } catch {
    // Not there yet (or a dangling link): the lock sits beside the name, in its real directory.
    let dir = dirname(file);
    try {
      dir = realpathSync(dir);
    } catch {
      // No such directory: taking the lock reports it.
    }
    target = join(dir, basename(file));
  }
  return join(dirname(target), `.${basename(target)}.wirenix-lock`);
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

/** One lock file as found: who made it, when, and which file it is (to notice a swap). */
interface Holder {
  pid: number | undefined;
  mtimeMs: number;
  dev: number;
  ino: number;
}

/** Who holds `file`, or undefined when there is no such file. */
function holderOf(file: string): Holder | undefined {
  let fd: number;
  try {
    // Never through a link (whoever planted it is not a wirenix run), never blocking on a FIFO.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw asWriteError(error, file);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new WriteError(file, "EEXIST");
    const buffer = Buffer.alloc(32);
    const size = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, size).toString("latin1").trim();
    const pid = /^[1-9]\d{0,9}$/.test(text) ? Number(text) : undefined;
    return { pid, mtimeMs: stat.mtimeMs, dev: stat.dev, ino: stat.ino };
  } catch (error) {
    throw asWriteError(error, file);
  } finally {
    closeSync(fd);
  }
}

/** Whether the run that made the lock is gone. */
function isStale(holder: Holder): boolean {
  if (holder.pid === undefined) return Date.now() - holder.mtimeMs > UNWRITTEN_GRACE_MS;
  // Our own pid: a lock made before this process started was left by an earlier process with
  // the same pid (in a container every run may be pid 1); a later one is ours, held elsewhere
  // in this process, and is waited for like any other.
  // (File systems that keep times in whole seconds, or two, get that much slack.)
  if (holder.pid === process.pid) return holder.mtimeMs < performance.timeOrigin - COARSE_MTIME_MS;
  return !isRunning(holder.pid);
}

function sameFile(a: Holder, b: Holder): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.pid === b.pid;
}

/** A complete file holding our pid under a fresh temporary name beside `file`. */
function pidFile(file: string): string {
  const temp = tempPath(file, `${process.pid}-${randomBytes(4).toString("hex")}`);
  guarded(file, () => {
    const fd = openSync(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      writeFully(fd, `${process.pid}\n`, file);
    } catch (error) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw error;
    }
    closeSync(fd);
  });
  return temp;
}

/** File systems that cannot make hard links say so with these. */
const NO_LINKS: readonly string[] = ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"];

/** Makes `file` with our pid unless it exists; whether we made it. */
function create(file: string): boolean {
  const temp = pidFile(file);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === "EEXIST") return false;
    // Our temporary file was removed by a run cleaning up the directory: try again.
    if (code === "ENOENT") return false;
    if (code !== undefined && NO_LINKS.includes(code)) return createInPlace(file);
    throw asWriteError(error, file);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Without hard links: created empty, then written (an empty lock is judged by its age). */
function createInPlace(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return false;
    throw asWriteError(error, file);
  }
  try {
    writeFully(fd, `${process.pid}\n`, file);
  } catch (error) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw error;
  }
  closeSync(fd);
  return true;
}

/** Removes `file` if it is still the one we made (`mine`). */
function removeOwn(file: string, mine: Holder | undefined): void {
  try {
    const now = holderOf(file);
    if (now !== undefined && now.pid === process.pid && (mine === undefined || sameFile(now, mine)))
      unlinkSync(file);
  } catch {
    // The directory itself is gone or unreadable: there is nothing left to remove.
  }
}

/**
 * Replaces the stale lock `seen` at `file` by ours; false when another waiter is doing so or
 * has done so (the lock is no longer `seen`). The guard is named after `seen`, so waiters that
 * saw different lock files never share one, and a waiter that saw an older lock fails the check
 * under the guard.
 */
function takeOver(file: string, seen: Holder, depth = 0): boolean {
  if (depth >= MAX_TAKEOVER_DEPTH) return false;
  const guard = `${file}.takeover-${seen.ino}-${seen.pid ?? 0}`;
  if (!create(guard)) {
    const other = holderOf(guard);
    if (other === undefined || !isStale(other) || !takeOver(guard, other, depth + 1)) return false;
  }
  const ours = holderOf(guard);
  try {
    const now = holderOf(file);
    if (now === undefined || !sameFile(now, seen) || !isStale(now)) return false;
    const temp = pidFile(file);
    try {
      guarded(file, () => renameSync(temp, file));
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    return true;
  } finally {
    removeOwn(guard, ours);
  }
}

/**
 * Removes what killed runs left around `file`: takeover guards and temporary files of its
 * lock. Only for the holder: a guard is named after a lock file that is no longer there, so a
 * waiter still holding one fails its check anyway; a waiter whose temporary file goes retries.
 */
function sweep(file: string): void {
  const dir = dirname(file);
  const name = basename(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of names)
    if (
      entry.startsWith(`${name}.takeover-`) ||
      (entry.startsWith(`.${name}.`) && isTemporaryName(entry))
    )
      rmSync(join(dir, entry), { force: true });
}

/**
 * Takes the lock file `file` (its directory must exist), waiting up to `waitMs` for another run
 * without blocking the event loop. Released by `release()`, and also when the process is
 * interrupted or exits unless `releaseOnInterrupt` is false.
 */
export async function acquireLock(file: string, options: LockOptions): Promise<HeldLock> {
  const waitMs = options.waitMs ?? lockWaitMs();
  const deadline = Date.now() + waitMs;
  for (;;) {
    const holder = holderOf(file);
    let notice: string | undefined;
    if (holder === undefined) {
      if (create(file)) return held(file, notice, options.releaseOnInterrupt ?? true);
      continue;
    }
    if (isStale(holder) && takeOver(file, holder)) {
      notice = `${file}: took over the lock of process ${holder.pid ?? "(unknown)"}, which no longer runs`;
      return held(file, notice, options.releaseOnInterrupt ?? true);
    }
    const left = deadline - Date.now();
    if (left <= 0)
      throw new LockError(
        `${options.busy} by another wirenix run (process ${holder.pid ?? "starting"}); waited ${waitMs / 1000} s. Try again when it is done${holder.pid === undefined ? "" : `, or remove ${file} if process ${holder.pid} is not wirenix`}`,
      );
    const [low, high] = POLL_MS;
    await delay(Math.min(left, low + Math.random() * (high - low)));
  }
}

/** Takes the lock of directory `dir` (which must exist): `DIR/.wirenix.lock`. */
export function lockDirectory(
  dir: string,
  waitMs = lockWaitMs(),
  releaseOnInterrupt = true,
): Promise<HeldLock> {
  return acquireLock(join(dir, LOCK_NAME), {
    busy: `${dir} is being written`,
    waitMs,
    releaseOnInterrupt,
  });
}

function held(file: string, notice: string | undefined, releaseOnInterrupt: boolean): HeldLock {
  const mine = guarded(file, () => holderOf(file));
  sweep(file);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    // Only our own lock is removed: a lock file with another pid is not ours any more. The
    // handler goes after it: a signal in between would otherwise end the run and leave it.
    removeOwn(file, mine);
    unregister();
  };
  const unregister = releaseOnInterrupt ? onInterrupt(release) : () => {};
  return { file, ...(notice === undefined ? {} : { notice }), release };
}
