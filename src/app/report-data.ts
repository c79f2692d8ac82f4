/**
 * The report page's data, compact enough for a page of a thousand peers to open at once:
 * the matrix as one character (or a few) per cell naming one of a few kinds, and the hosts'
 * files as their distinct lines plus, per file, which lines in which order, compressed.
 * Two hundred hosts of a mesh carry the same peer sections over and over: written out they
 * made a 10 MB page; as lines and line numbers, deflated, they take a few tens of kilobytes.
 * The page (report-script.ts) reads them back; nothing is fetched.
 */
import { gzipSync } from "node:zlib";
import type { HostFiles, ReachChange } from "../analysis/diff.js";

/** Values numbered in the order they are first seen. */
export class Interned<T> {
  readonly values: T[] = [];
  private readonly indices = new Map<T, number>();

  index(value: T): number {
    let i = this.indices.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.indices.set(value, i);
    }
    return i;
  }
}

/** One kind of cell: the service pieces reached and the way packets take. */
export interface ReportKind {
  /** The service pieces reached, as a hexadecimal mask. */
  mask: string;
  /**
   * Index into `ReportMatrix.whys`: the way a packet takes, or where it is dropped, with the
   * sender's quoted name as \u0001 and the target's as \u0002.
   */
  why: number;
}

/** The reachability matrix of n peers, as the report gathers it. */
export interface ReportMatrix {
  /** Every service piece's text (`tcp/22`, `icmp`), by bit. */
  services: readonly string[];
  /** Every piece: the mask meaning "all of them", hexadecimal. */
  all: string;
  kinds: readonly ReportKind[];
  /** `cells[from * n + to]`: an index into `kinds`. */
  cells: Uint32Array;
  whys: readonly string[];
}

/**
 * The digits of the cells' text: 64 characters that need no escaping in JSON or HTML, so the
 * page reads a cell with `charCodeAt` and nothing is decoded up front.
 */
export const CELL_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/** The cells as text: each one `width` digits (base 64, most significant first). */
export function cellText(cells: Uint32Array, kinds: number): { width: number; text: string } {
  let width = 1;
  while (64 ** width < kinds) width++;
  const text = Buffer.alloc(cells.length * width);
  cells.forEach((cell, i) => {
    let rest = cell;
    for (let d = width - 1; d >= 0; d--) {
      text[i * width + d] = CELL_DIGITS.charCodeAt(rest % 64);
      rest = Math.floor(rest / 64);
    }
  });
  return { width, text: text.toString("latin1") };
}

/**
 * The hosts' files as the page keeps them:
 * - `hosts[i]`: why the host cannot be generated (a string), else its files as
 *   `[path, secret, lineCount]`;
 * - `lines`: every distinct line of every file, numbered in the order first seen;
 * - `files`: for every file in turn, its `lineCount` line numbers, each written as the
 *   difference from the one before (the first from 0), zigzag-encoded as an unsigned LEB128
 *   varint; the whole gzipped and in base64. The same peer section in host after host is the
 *   same run of differences, which gzip keeps once.
 */
export interface PackedHostFiles {
  hosts: (string | [string, boolean, number][])[];
  lines: string[];
  files: string;
}

/** Bytes appended one at a time into a buffer that doubles as it fills. */
class Bytes {
  private buffer = new Uint8Array(1 << 16);
  private length = 0;

  push(byte: number): void {
    if (this.length === this.buffer.length) {
      const bigger = new Uint8Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = byte;
  }

  /** A signed number, zigzag-encoded as an unsigned LEB128 varint. */
  pushVarint(value: number): void {
    let v = value < 0 ? -2 * value - 1 : 2 * value;
    while (v >= 128) {
      this.push((v % 128) + 128);
      v = Math.floor(v / 128);
    }
    this.push(v);
  }

  get bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** Packs the hosts' files (already redacted) for the page; see `PackedHostFiles`. */
export function packHostFiles(hosts: ReadonlyMap<string, HostFiles>): PackedHostFiles {
  const lines = new Interned<string>();
  const bytes = new Bytes();
  const packed: PackedHostFiles["hosts"] = [];
  for (const got of hosts.values()) {
    if ("problem" in got) {
      packed.push(got.problem);
      continue;
    }
    packed.push(
      got.files.map((file) => {
        const numbers = file.text.split("\n").map((line) => lines.index(line));
        let previous = 0;
        for (const number of numbers) {
          bytes.pushVarint(number - previous);
          previous = number;
        }
        return [file.path, file.secret, numbers.length];
      }),
    );
  }
  return {
    hosts: packed,
    lines: lines.values,
    files: gzipSync(bytes.bytes, { level: 9 }).toString("base64"),
  };
}

/**
 * The diff's reachability changes as the page keeps them (a rule that opens a mesh of two
 * hundred peers changes tens of thousands of tuples: as table rows they took the page twenty
 * seconds to lay out; the page shows them a page at a time). Each change is
 * `[opened (1) or closed (0), from, to, service, before, after]`, every text an index into
 * `texts`, with -1 for a why not given; a why's quoted sender and target stand as \u0001 and
 * \u0002, so that the same way between other peers is one text.
 */
export interface PackedReachChanges {
  texts: string[];
  changes: number[][];
}

export function packReachChanges(changes: readonly ReachChange[]): PackedReachChanges {
  const texts = new Interned<string>();
  const template = (why: string | undefined, from: string, to: string) =>
    why === undefined
      ? -1
      : texts.index(
          why.replaceAll(JSON.stringify(from), "\u0001").replaceAll(JSON.stringify(to), "\u0002"),
        );
  return {
    changes: changes.map((c) => [
      c.change === "opened" ? 1 : 0,
      texts.index(c.from),
      texts.index(c.to),
      texts.index(c.service),
      template(c.old?.why, c.from, c.to),
      template(c.new?.why, c.from, c.to),
    ]),
    texts: texts.values,
  };
}
