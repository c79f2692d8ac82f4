/**
 * Writing results: streamed text to stdout, or files under a directory, each written to a
 * temporary name and renamed so no reader ever sees half a file.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Where text goes, chunk by chunk. */
export interface TextSink {
  write(text: string): void;
  /** Ends the output; for files this is when the file appears under its real name. */
  close(): void;
  /** Gives up: nothing of this output is left behind (where that is possible). */
  abort(): void;
}

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
