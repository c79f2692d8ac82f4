/**
 * Text that is made a piece at a time and goes out in chunks of moderate size. A large output
 * (all hosts of a big network: hundreds of megabytes) must never become one string, nor even
 * one string per host: V8 puts a string above 128 KiB in its large-object space, and making
 * one costs about ten times as much per byte as making the same text in pieces below that
 * (page faults and a scavenge for each), which was most of the time of writing such outputs.
 */

/** Receives text in pieces, in order. */
export interface TextSink {
  write(piece: string): void;
}

/**
 * Characters gathered before a chunk goes out: far below the large-object threshold for any
 * text (two bytes a character at most), and large enough that few chunks are passed on.
 */
const CHUNK = 1 << 14;

/** Gathers pieces into chunks of about `CHUNK` characters for `out`. */
export class TextChunks implements TextSink {
  readonly #out: (chunk: string) => void;
  #text = "";

  constructor(out: (chunk: string) => void) {
    this.#out = out;
  }

  write(piece: string): void {
    this.#text += piece;
    if (this.#text.length >= CHUNK) {
      this.#out(this.#text);
      this.#text = "";
    }
  }

  /** Passes on what is gathered so far. */
  flush(): void {
    if (this.#text === "") return;
    this.#out(this.#text);
    this.#text = "";
  }
}

/**
 * `pieces` gathered into the chunks `TextChunks` passes on: the same text, in strings that stay
 * regular V8 strings however big the whole is (a big file's, written and hashed chunk by chunk).
 */
export function inChunks(pieces: Iterable<string>): string[] {
  const chunks: string[] = [];
  const sink = new TextChunks((chunk) => chunks.push(chunk));
  for (const piece of pieces) sink.write(piece);
  sink.flush();
  return chunks;
}

/** Collects pieces into one string, for the outputs that are small enough to be one. */
export class TextCollector implements TextSink {
  text = "";

  write(piece: string): void {
    this.text += piece;
  }
}
