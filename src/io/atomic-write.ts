/**
 * Every byte Wirenix writes goes through here: streamed text to stdout, single files replaced
 * atomically, and the temporary files the `--out` transaction stages. Each write is checked and
 * repeated until the whole buffer is on disk, files are fsynced before they are renamed into
 * place and their directory after, and a failure becomes a `WriteError` that names the file.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fdatasync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { BackgroundSyncs } from "./background-sync.js";

/** What a failed file operation means for the user, by error code. */
const REASONS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "it is a directory",
  ENOTDIR: "a file is in the way of a directory",
  EEXIST: "a file of that name is in the way",
  ELOOP: "it is a symbolic link, which wirenix never writes through",
  EFBIG: "the file is too large for the file system",
  EIO: "input/output error",
  EPIPE: "the reader closed the pipe",
  ENOENT: "the directory does not exist",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  ESHORTWRITE: "the system accepted no more bytes",
};

/** The code of an operating-system error, or undefined for anything else (a bug). */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return error instanceof Error && typeof code === "string" && /^E[A-Z]+$/.test(code)
    ? code
    : undefined;
}

/** A file could not be written: one message naming the file and the reason, never a trace. */
export class WriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    /** What this means for the output as a whole ("nothing under OUT was changed"). */
    readonly outcome = "",
  ) {
    super(
      `cannot write ${file}: ${REASONS[code] ?? code} (${code})${outcome ? `; ${outcome}` : ""}`,
    );
    this.name = "WriteError";
  }

  /** The same failure, with what it means for the output as a whole. */
  withOutcome(outcome: string): WriteError {
    return new WriteError(this.file, this.code, outcome);
  }
}

/**
 * A write refused before anything was touched, for a reason the message explains in full (a
 * record no run of ours wrote, a file of someone else's in the way) together with what to do.
 */
export class WriteRefusal extends Error {
  override name = "WriteRefusal";
  /** The option that would avoid it (`out`: another directory), for the caller's hint. */
  readonly option: string | undefined;
  constructor(message: string, option?: string) {
    super(message);
    this.option = option;
  }
}

/** `error` as a `WriteError` for `file`; anything that is not a file-system error is rethrown. */
export function asWriteError(error: unknown, file: string): WriteError {
  if (error instanceof WriteError) return error;
  const code = errnoCode(error);
  if (code === undefined) throw error;
  return new WriteError(file, code);
}

/** What is at `path`, never through a link: undefined when nothing is, a failure as `WriteError`. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    // Asked without an exception for ENOENT: an --out run asks for every file it writes, and
    // Node's error for a missing path (a stack trace each) cost more than the lstat itself.
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw asWriteError(error, path);
  }
}

/**
 * A failed file operation in words (`cannot mkdir /x: read-only file system (EROFS)`), or
 * undefined for anything that is not one (a bug, which must not be hidden).
 */
export function describeFileError(error: unknown): string | undefined {
  if (error instanceof WriteError) return error.message;
  const code = errnoCode(error);
  const { path, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  if (code === undefined || typeof path !== "string") return undefined;
  const message = new WriteError(path, code).message;
  return typeof syscall === "string" && syscall !== "write"
    ? message.replace(/^cannot write/, `cannot ${syscall}`)
    : message;
}

/** Runs a file-system step; its failure becomes a `WriteError` naming `file`. */
export function guarded<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw asWriteError(error, file);
  }
}

/**
 * Writes all of `data` to `fd`, however many calls the system needs: `write(2)` may take only
 * part of a buffer (a nearly full disk does exactly that), and the rest must follow or fail.
 */
export function writeFully(fd: number, data: string | Uint8Array, file: string): void {
  let buffer: Uint8Array;
  let done = 0;
  if (typeof data === "string") {
    // Node encodes a string into the write itself; a Buffer of our own for each chunk costs
    // far more (fresh memory faulting in its pages: 1.9 s against 0.08 s for 120 MB here).
    // Only a short write, or a pipe not ready (EAGAIN), goes on from the encoded bytes.
    const size = Buffer.byteLength(data, "utf8");
    try {
      done = writeSync(fd, data, null, "utf8");
    } catch (error) {
      if (errnoCode(error) !== "EAGAIN") throw asWriteError(error, file);
    }
    if (done === size) return;
    buffer = Buffer.from(data, "utf8");
  } else buffer = data;
  while (done < buffer.length) {
    let wrote: number;
    try {
      wrote = writeSync(fd, buffer, done, buffer.length - done);
    } catch (error) {
      if (errnoCode(error) === "EAGAIN") continue;
      throw asWriteError(error, file);
    }
    if (wrote <= 0) throw new WriteError(file, "ESHORTWRITE");
    done += wrote;
  }
}

/**
 * Makes a rename in `dir` durable. File systems that cannot sync a directory (EINVAL) have
 * nothing to make durable that way.
 */
export function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    throw asWriteError(error, dir);
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (errnoCode(error) !== "EINVAL") throw asWriteError(error, dir);
  } finally {
    closeSync(fd);
  }
}

/** A tag unique to one run (pid and random), part of every temporary name it makes. */
export function runTag(): string {
  return `${process.pid}-${randomBytes(4).toString("hex")}`;
}

/**
 * The temporary name beside `final` for the run tagged `tag`: hidden, and recognisable as
 * Wirenix's (`.wg0.conf.wirenix-1234-89abcdef.tmp`); `.old` is a backup the run keeps until
 * it is done.
 */
export function tempPath(final: string, tag: string, kind: "tmp" | "old" = "tmp"): string {
  return join(dirname(final), `.${basename(final)}.wirenix-${tag}.${kind}`);
}

/**
 * Names of temporary files Wirenix makes, so that leftovers of a killed run can be found: the
 * current form, and the `.<name>.<pid>.<random>.tmp` of earlier versions.
 */
export function isTemporaryName(name: string): boolean {
  return (
    /^\..+\.wirenix-\d+-[0-9a-f]{8}\.(tmp|old)$/.test(name) ||
    /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/.test(name)
  );
}

/** The process that made a temporary file, from its name (both forms carry the pid). */
function temporaryFileOwner(name: string): number | undefined {
  const match =
    /\.wirenix-(\d+)-[0-9a-f]{8}\.(tmp|old)$/.exec(name) ?? /\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Whether a process with this pid runs (one we may not signal runs too). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

/**
 * Removes the temporary files of killed Wirenix runs in `dir` (not in subdirectories), for a
 * directory whose lock the caller holds. A file whose run is still alive stays: the same
 * directory may hold files of another lock's writer (a keys directory that is also the ACL's
 * directory, where an ACL edit writes its temporary copy under the ACL's own lock).
 */
export function removeTemporaryFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!isTemporaryName(name)) continue;
    const owner = temporaryFileOwner(name);
    if (owner !== undefined && processRuns(owner)) continue;
    rmSync(join(dir, name), { force: true });
  }
}

/**
 * Makes a directory and its missing parents. Unlike `mkdirSync(…, { recursive: true })`, a
 * failure names the real cause (a read-only file system is reported as such, not as ENOENT).
 */
export function makeDirectory(path: string, mode = 0o755): void {
  try {
    mkdirSync(path, { mode });
  } catch (error) {
    const code = errnoCode(error);
    if (code === "EEXIST") return;
    if (code !== "ENOENT" || dirname(path) === path) throw asWriteError(error, path);
    makeDirectory(dirname(path), mode);
    guarded(path, () => mkdirSync(path, { mode }));
  }
}

/** Ownership to give a file (when running as root and replacing someone else's file). */
export interface Owner {
  uid: number;
  gid: number;
}

/** How `writeTempFile` makes its file, besides the data and mode. */
export interface TempFileOptions {
  /** The run's tag in the temporary name (see `runTag`); a new one if not given. */
  tag?: string;
  /** Owner to give the file (root replacing someone else's file). */
  owner?: Owner;
  /** Sync it there (complete on disk once `syncs` has settled) instead of before returning. */
  syncs?: BackgroundSyncs;
  /**
   * The process's umask (see `processUmask`) if the caller knows it: a mode the umask leaves
   * alone is set by `open` itself, without a `fchmod` (one system call less for each of the
   * tens of thousands of files of a big `--out`).
   */
  umask?: number | undefined;
}

/**
 * Writes `data` to a new temporary file beside `final`, complete and on disk (or, with `syncs`,
 * once they have settled), with exactly `mode` (not filtered by the umask). Returns the
 * temporary path; on failure nothing is left. Several strings (a big file's chunks, see
 * `inChunks`) are written one after the other.
 */
export function writeTempFile(
  final: string,
  data: string | Uint8Array | readonly string[],
  mode: number,
  options: TempFileOptions = {},
): string {
  const { owner, syncs, umask } = options;
  const temp = tempPath(final, options.tag ?? runTag());
  const fd = guarded(final, () =>
    openSync(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    ),
  );
  try {
    guarded(final, () => {
      if (umask === undefined || (mode & umask) !== 0) fchmodSync(fd, mode);
      if (owner) fchownSync(fd, owner.uid, owner.gid);
    });
    if (typeof data === "string" || data instanceof Uint8Array) writeFully(fd, data, final);
    else for (const chunk of data) writeFully(fd, chunk, final);
    if (!syncs) guarded(final, () => fsyncSync(fd));
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  if (syncs) syncs.add(fd, final, temp);
  else guarded(final, () => closeSync(fd));
  return temp;
}

/**
 * The umask of this process, read from `/proc/self/status` (Node can only read it by setting
 * it); undefined where that cannot be read, and callers then set every mode explicitly.
 */
export function processUmask(): number | undefined {
  try {
    const match = /^Umask:\s*([0-7]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number.parseInt(match[1] as string, 8) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The file a write to `path` must replace: a symbolic link is resolved, so that the file it
 * points at is updated and the link stays (an ACL kept in a dotfiles repository, say).
 */
function targetOf(path: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw asWriteError(error, path);
  }
  return resolve(path);
}

/**
 * Replaces (or creates) one whole file: written to a temporary file beside it and renamed over
 * it only when complete, so a reader sees the old file or the new one, never a part. An
 * existing file keeps its mode (and, for root, its owner) unless `mode` is given. Returns the
 * path written (a symbolic link's target).
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): string {
  const target = targetOf(path);
  let existing: { mode: number; uid: number; gid: number } | undefined;
  try {
    const stat = statSync(target);
    if (!stat.isFile()) throw new WriteError(target, stat.isDirectory() ? "EISDIR" : "EEXIST");
    existing = { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw asWriteError(error, target);
  }
  const mode = options.mode ?? existing?.mode ?? 0o644;
  const owner =
    existing && process.getuid?.() === 0 ? { uid: existing.uid, gid: existing.gid } : undefined;
  const temp = writeTempFile(target, data, mode, owner ? { owner } : {});
  try {
    guarded(target, () => renameSync(temp, target));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(target));
  return target;
}

/**
 * Creates a new file with `data`, never replacing one: written whole to a temporary file, then
 * hard-linked to its name, which fails with EEXIST if anything (a symbolic link too) is there.
 */
export function writeNewFile(path: string, data: string | Uint8Array, mode = 0o644): void {
  const temp = writeTempFile(path, data, mode);
  try {
    guarded(path, () => linkSync(temp, path));
  } finally {
    rmSync(temp, { force: true });
  }
  syncDirectory(dirname(path));
}

/**
 * Output that must not be seen unless the whole run succeeds, on a stream that cannot be taken
 * back (a pipe, a terminal). Small outputs wait in memory; past `memoryLimit` characters the
 * rest waits in a private temporary file, so a big network never has to fit in memory.
 */
export class HeldOutput {
  readonly #target: (chunk: string) => void;
  readonly #memoryLimit: number;
  #parts: string[] = [];
  #size = 0;
  #spill: { path: string; fd: number } | undefined;

  constructor(target: (chunk: string) => void, memoryLimit = 32 << 20) {
    this.#target = target;
    this.#memoryLimit = memoryLimit;
  }

  write(text: string): void {
    if (this.#spill) {
      writeFully(this.#spill.fd, text, this.#spill.path);
      return;
    }
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size > this.#memoryLimit) {
      const path = join(
        tmpdir(),
        `wirenix-output.${process.pid}.${randomBytes(6).toString("hex")}`,
      );
      this.#spill = { path, fd: guarded(path, () => openSync(path, "wx+", 0o600)) };
      for (const part of this.#parts) writeFully(this.#spill.fd, part, path);
      this.#parts = [];
    }
  }

  /** Everything goes out, in order. */
  commit(): void {
    for (const part of this.#parts) this.#target(part);
    this.#parts = [];
    const spill = this.#spill;
    if (!spill) return;
    // Read back in pieces well below the size where a string becomes costly (see TextChunks).
    const buffer = Buffer.allocUnsafe(1 << 16);
    // A character may straddle two reads: the decoder keeps its first bytes for the next.
    const decoder = new StringDecoder("utf8");
    let position = 0;
    for (;;) {
      const read = readSync(spill.fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      position += read;
      this.#target(decoder.write(buffer.subarray(0, read)));
    }
    const rest = decoder.end();
    if (rest !== "") this.#target(rest);
    this.discard();
  }

  /** Nothing goes out. */
  discard(): void {
    this.#parts = [];
    if (this.#spill) {
      closeSync(this.#spill.fd);
      rmSync(this.#spill.path, { force: true });
      this.#spill = undefined;
    }
  }
}

/** What the file behind a descriptor is called, for messages ("standard output" if unknown). */
export function descriptorName(fd: number, fallback: string): string {
  try {
    return `${fallback} (${realpathSync(`/proc/self/fd/${fd}`)})`;
  } catch {
    return fallback;
  }
}

/**
 * Bytes gathered before they are written: few system calls for a big output. Text is encoded
 * into the same buffer again and again; a fresh one for each write (or one string joined from
 * many) costs far more than the copy (new memory faulting in its pages).
 */
const BUFFER_SIZE = 1 << 20;

/** How much of a big output is written before it is synced in the background. */
const SYNC_EVERY = 64 << 20;

/** Some files (on special file systems) cannot be synced; there is nothing to make durable. */
function unsyncable(error: unknown): boolean {
  const code = errnoCode(error);
  return code === "EINVAL" || code === "EROFS";
}

/**
 * Output straight into a regular file (stdout redirected with `>` or `>>`): written as it is
 * made, and cut back to where it started if the run fails (or the disk fills up), so the file
 * never holds half a result.
 */
export class RevocableFileOutput {
  readonly #fd: number;
  readonly #name: string;
  readonly #start: number;
  #buffer: Buffer | undefined;
  #used = 0;
  /** Bytes written since the last background sync was started. */
  #unsynced = 0;
  /** The background sync under way, if any (it always resolves; see `#syncFailure`). */
  #syncing: Promise<void> | undefined;
  /** The first failure of a background sync: `commit` revokes the file with it. */
  #syncFailure: unknown;

  constructor(fd: number, name = descriptorName(fd, "standard output")) {
    this.#fd = fd;
    this.#name = name;
    this.#start = guarded(name, () => fstatSync(fd).size);
  }

  /** Takes `text`; best in pieces of moderate size (see TextChunks), which are copied once. */
  write(text: string): void {
    // A character is at most three bytes of UTF-8 (a surrogate pair is four for two).
    const most = text.length * 3;
    if (most > BUFFER_SIZE - this.#used) {
      this.#flush();
      if (most > BUFFER_SIZE) {
        this.#put(text);
        return;
      }
    }
    this.#buffer ??= Buffer.allocUnsafe(BUFFER_SIZE);
    this.#used += this.#buffer.write(text, this.#used, "utf8");
  }

  #flush(): void {
    if (this.#used === 0 || this.#buffer === undefined) return;
    const bytes = this.#buffer.subarray(0, this.#used);
    this.#used = 0;
    this.#put(bytes);
  }

  #put(data: string | Uint8Array): void {
    try {
      writeFully(this.#fd, data, this.#name);
      this.#unsynced += data.length;
    } catch (error) {
      throw this.#revoke(asWriteError(error, this.#name));
    }
    if (this.#unsynced >= SYNC_EVERY && this.#syncing === undefined) this.#syncInBackground();
  }

  /**
   * A big output goes to disk while the rest is made (libuv's threads sync it), so the sync at
   * the end has only its last part left: 0.1–0.2 s less for the 250 MB of a 1000-peer mesh.
   */
  #syncInBackground(): void {
    this.#unsynced = 0;
    this.#syncing = new Promise((resolve) =>
      fdatasync(this.#fd, (error) => {
        if (error && !unsyncable(error)) this.#syncFailure ??= error;
        this.#syncing = undefined;
        resolve();
      }),
    );
  }

  /** Cuts the file back; the error then says what the file holds. */
  #revoke(error: WriteError): WriteError {
    this.#used = 0;
    try {
      ftruncateSync(this.#fd, this.#start);
      return error.withOutcome(
        this.#start === 0 ? "the file was left empty" : "the file was cut back to what it held",
      );
    } catch {
      return error.withOutcome("what was written of it is incomplete");
    }
  }

  async commit(): Promise<void> {
    this.#flush();
    await this.#syncing;
    try {
      if (this.#syncFailure !== undefined) throw this.#syncFailure;
      fsyncSync(this.#fd);
    } catch (error) {
      if (!unsyncable(error)) throw this.#revoke(asWriteError(error, this.#name));
    }
  }

  discard(): void {
    this.#used = 0;
    guarded(this.#name, () => ftruncateSync(this.#fd, this.#start));
  }
}
