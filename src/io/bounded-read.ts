/**
 * Reading an ACL's bytes within limits: a size limit checked before anything is read (and held
 * while reading, since a file can grow), only regular files (a FIFO or a device would hang or
 * never end), strict UTF-8 with the offset of the first bad byte, a byte order mark tolerated,
 * and a nesting limit checked before any recursive code sees the value.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** "64 MiB", "512 KiB", "100 bytes": a size as users read it. */
export function describeSize(bytes: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const)
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  return `${bytes} bytes`;
}

/** Why a file could not be read: a sentence for the user, no stack trace. */
export class ReadProblem extends Error {
  /** The reading option that would change the outcome (`maxBytes`), for the caller's hint. */
  readonly option: string | undefined;
  constructor(message: string, option?: string) {
    super(message);
    this.option = option;
  }
}

function fileKind(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFIFO:
      return "a FIFO (named pipe)";
    case constants.S_IFCHR:
      return "a character device";
    case constants.S_IFBLK:
      return "a block device";
    case constants.S_IFSOCK:
      return "a socket";
    default:
      return "not a regular file";
  }
}

const OPEN_REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  ELOOP: "too many levels of symbolic links",
  ENOTDIR: "a part of the path is not a directory",
};

/**
 * The whole content of a regular file of at most `maxBytes`. Opened without blocking (opening
 * a FIFO would otherwise wait for a writer forever), checked with fstat on the open descriptor
 * (no race with a swapped path), and read with a bound (a file that grows meanwhile is cut off
 * and refused, not followed).
 */
export function readBounded(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new ReadProblem(OPEN_REASONS[e.code ?? ""] ?? e.message);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new ReadProblem("is a directory");
    if (!stat.isFile())
      throw new ReadProblem(`${fileKind(stat.mode)}, not a regular file; expected an ACL file`);
    const tooBig = () =>
      new ReadProblem(`larger than the limit of ${describeSize(maxBytes)}`, "maxBytes");
    if (stat.size > maxBytes) throw tooBig();
    // One byte more than fstat said: a file that grew meanwhile is read on, up to the limit.
    const buffer = Buffer.allocUnsafe(stat.size + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length === buffer.length) return readRest(fd, buffer, maxBytes, tooBig);
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof ReadProblem) throw error;
    const e = error as NodeJS.ErrnoException;
    throw new ReadProblem(OPEN_REASONS[e.code ?? ""] ?? e.message);
  } finally {
    closeSync(fd);
  }
}

/** Reads on after a full first buffer, for a file that grew after fstat, up to the limit. */
function readRest(fd: number, first: Buffer, maxBytes: number, tooBig: () => Error): Buffer {
  const chunks = [first];
  let total = first.length;
  if (total > maxBytes) throw tooBig();
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, maxBytes + 1 - total), null);
    if (n === 0) return Buffer.concat(chunks, total);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
    total += n;
    if (total > maxBytes) throw tooBig();
  }
}

/**
 * The offset of the first byte that is not part of well-formed UTF-8 (overlong forms,
 * surrogates and code points past U+10FFFF included), or -1.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return -1;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The text of `bytes`, without a leading byte order mark; a `ReadProblem` for bad UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    const line = countLines(bytes, offset);
    throw new ReadProblem(
      `not valid UTF-8: byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, "0")} at byte offset ${offset} (line ${line}) does not start or continue a UTF-8 character; save the file as UTF-8`,
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function countLines(bytes: Uint8Array, end: number): number {
  let line = 1;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** True when `bytes` start with the UTF-8 byte order mark. */
export function hasBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/**
 * The offset of the first `[` or `{` in JSON text that opens a level deeper than `maxDepth`,
 * or -1. A linear scan that skips strings; it runs before `JSON.parse` and every recursive
 * walk, so a hostile file fails here with a position instead of exhausting the stack.
 */
export function jsonTooDeepAt(text: string, maxDepth: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string: to the next quote not escaped by a backslash.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/**
 * Like `jsonTooDeepAt` for YAML's flow collections (`[[[...`), which the YAML parser follows
 * by recursion, slowly, until its stack runs out. Quoted strings and comments are skipped; a
 * bracket inside a plain scalar counts too, which only matters for text with more than
 * `maxDepth` of them unclosed (the parser's own verdict then stands).
 */
export function yamlFlowTooDeepAt(text: string, maxDepth: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "'") {
      for (i++; i < text.length; i++)
        if (text[i] === "'") {
          if (text[i + 1] !== "'") break;
          i++;
        }
    } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1] as string))) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "[" || c === "{") {
      depth++;
      if (depth > maxDepth) return i;
    } else if ((c === "]" || c === "}") && depth > 0) depth--;
  }
  return -1;
}

/**
 * True when `value` nests lists and objects deeper than `maxDepth`. Walks with its own stack
 * (no recursion), so it is safe on any value a parser could build.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== "object" || node === null) continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node))
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/** The message for a value nested too deeply. */
export function tooDeepMessage(maxDepth: number): string {
  return `lists and objects nest deeper than ${maxDepth} levels; an ACL needs fewer than 10`;
}
