/**
 * Writing results: streamed text to stdout, or files under a directory, each written to a
 * temporary name and renamed so no reader ever sees half a file.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";

/** Where text goes, chunk by chunk. */
export interface TextSink {
  write(text: string): void;
  /** Ends the output; for files this is when the file appears under its real name. */
  close(): void;
  /** Gives up: nothing of this output is left behind (where that is possible). */
  abort(): void;
}

/** From this length on, a write is large enough to go out on its own. */
const LARGE_WRITE = 1 << 16;

/** Collects small writes into large ones, which is what makes big outputs fast. */
export class BufferedSink implements TextSink {
  #parts: string[] = [];
  #size = 0;
  readonly #flushAt: number;
  readonly #target: (chunk: string) => void;
  readonly #onClose: () => void;
  readonly #onAbort: () => void;

  constructor(
    target: (chunk: string) => void,
    onClose = () => {},
    onAbort = () => {},
    flushAt = 1 << 20,
  ) {
    this.#target = target;
    this.#onClose = onClose;
    this.#onAbort = onAbort;
    this.#flushAt = flushAt;
  }

  write(text: string): void {
    // A large piece (one host of a big network) goes out as it is: joining it with others
    // would only copy it once more.
    if (text.length >= LARGE_WRITE) {
      this.flush();
      this.#target(text);
      return;
    }
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size >= this.#flushAt) this.flush();
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    this.#target(this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
  }

  close(): void {
    this.flush();
    this.#onClose();
  }

  abort(): void {
    this.#parts = [];
    this.#size = 0;
    this.#onAbort();
  }
}

/**
 * A file that appears only when complete: written as a hidden temporary file beside the
 * target, then renamed over it.
 */
export function atomicFileSink(path: string, mode = 0o644): TextSink {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const fd = openSync(temp, "wx", mode);
  let open = true;
  const finish = () => {
    if (open) {
      open = false;
      closeSync(fd);
    }
  };
  return new BufferedSink(
    (chunk) => {
      writeSync(fd, chunk);
    },
    () => {
      fsyncSync(fd);
      finish();
      renameSync(temp, path);
    },
    () => {
      finish();
      rmSync(temp, { force: true });
    },
  );
}

/** Writes a whole file atomically. */
export function writeFileAtomic(path: string, text: string, mode = 0o644): void {
  const sink = atomicFileSink(path, mode);
  try {
    sink.write(text);
    sink.close();
  } catch (error) {
    sink.abort();
    throw error;
  }
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
      writeSync(this.#spill.fd, text);
      return;
    }
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size > this.#memoryLimit) {
      const path = join(
        tmpdir(),
        `wirenix-output.${process.pid}.${randomBytes(6).toString("hex")}`,
      );
      this.#spill = { path, fd: openSync(path, "wx+", 0o600) };
      for (const part of this.#parts) writeSync(this.#spill.fd, part);
      this.#parts = [];
    }
  }

  /** Everything goes out, in order. */
  commit(): void {
    for (const part of this.#parts) this.#target(part);
    this.#parts = [];
    const spill = this.#spill;
    if (!spill) return;
    const buffer = Buffer.allocUnsafe(1 << 20);
    let position = 0;
    for (;;) {
      const read = readSync(spill.fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      position += read;
      this.#target(buffer.toString("utf8", 0, read));
    }
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

/**
 * Output straight into a regular file (stdout redirected with `>`): written as it is made, and
 * cut back to where it started if the run fails, so the file never holds half a result.
 */
export class RevocableFileOutput {
  readonly #fd: number;
  readonly #start: number;
  readonly #sink: BufferedSink;

  constructor(fd: number) {
    this.#fd = fd;
    this.#start = fstatSync(fd).size;
    this.#sink = new BufferedSink((chunk) => {
      writeSync(fd, chunk);
    });
  }

  write(text: string): void {
    this.#sink.write(text);
  }

  commit(): void {
    this.#sink.close();
  }

  discard(): void {
    this.#sink.abort();
    ftruncateSync(this.#fd, this.#start);
  }
}
/** A file of a tree written by `writeTreeAtomically`. */
export interface TreeFile {
  /** Relative to the tree's root, `/`-separated, already checked to stay inside it. */
  path: string;
  text: string;
  /** Written 0600 inside directories made 0700; other files 0644. */
  secret: boolean;
}

/**
 * Writes many files as one change: every file is first written beside its target under a
 * temporary name; only when all are written are they renamed into place. If writing fails,
 * the temporary files and the directories made for them are removed, so nothing changes.
 */
export function writeTreeAtomically(root: string, files: readonly TreeFile[]): void {
  const base = resolve(root);
  const tag = `${process.pid}.${randomBytes(4).toString("hex")}`;
  const secretDirs = new Set<string>();
  const made: string[] = [];
  const staged: { temp: string; final: string }[] = [];
  const ensureDir = (path: string) => {
    if (existsSync(path)) return;
    ensureDir(dirname(path));
    mkdirSync(path, { mode: 0o755 });
    made.push(path);
  };
  try {
    for (const file of files) {
      const final = join(base, file.path);
      if (file.secret)
        for (let d = dirname(final); d !== base && d.startsWith(base); d = dirname(d))
          secretDirs.add(d);
      ensureDir(dirname(final));
      const temp = join(dirname(final), `.${basename(final)}.${tag}.tmp`);
      const fd = openSync(temp, "wx", file.secret ? 0o600 : 0o644);
      staged.push({ temp, final });
      try {
        writeSync(fd, file.text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    for (const dir of made.reverse()) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Tighten directories before any secret appears in them.
  for (const dir of secretDirs) chmodSync(dir, 0o700);
  for (const { temp, final } of staged) renameSync(temp, final);
}
