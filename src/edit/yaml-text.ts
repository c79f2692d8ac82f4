/**
 * Edits of YAML text at located spans: the `yaml` package's Document API finds every node's
 * range, and only the lines of the edited item change (the Document printer would re-space
 * the whole file). New items are printed by the same package and indented like their
 * siblings; comments and blank lines around them stay where they are.
 */
import {
  Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  Scalar,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import {
  applyOp,
  EditError,
  type EditOp,
  type EditPath,
  entryLines,
  type FormatEditor,
  lineStart,
  nextLineStart,
  removeEntry,
  renderEditPath,
  splice,
} from "./ops.js";

type ParsedDoc = ReturnType<typeof parseDocument>;

/** How this text writes flow lists: `[a, b]` or `[ a, b ]` (the yaml printer's default). */
function padded(text: string): boolean {
  return /\[ \S/.test(text) || !/\[[^\s\]]/.test(text);
}

/** `value` as YAML on several lines (lists of plain values kept on one line, as `[a, b]`). */
function blockLines(value: unknown, text: string): string[] {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.every(isScalar)) seq.flow = true;
    },
  });
  return doc
    .toString({ flowCollectionPadding: padded(text) })
    .trimEnd()
    .split("\n");
}

/** `value` as YAML on one line. */
function flowText(value: unknown, text: string): string {
  const doc = new Document(value);
  return doc
    .toString({ collectionStyle: "flow", flowCollectionPadding: padded(text), lineWidth: 0 })
    .trimEnd();
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** Where the content of a node ends: after its last character that is not white space. */
function contentEnd(text: string, node: Node): number {
  let p = node.range?.[1] ?? 0;
  while (p > 0 && /\s/.test(text[p - 1] ?? "")) p--;
  return p;
}

function rangeOf(node: Node): [number, number, number] {
  if (!node.range) throw new EditError("the YAML parser gave no position");
  return node.range;
}

/** The offset of a block sequence item's `-`. */
function dashOf(text: string, item: Node): number {
  let p = rangeOf(item)[0] - 1;
  while (p > 0 && /\s/.test(text[p] ?? "")) p--;
  if (text[p] !== "-") throw new EditError("a list item without its '-' in the text");
  return p;
}

/** Text inserted at the start of the line after `after`'s content (a newline added if none). */
function insertLines(text: string, after: number, lines: readonly string[]): string {
  const at = nextLineStart(text, after);
  const lead = at === text.length && !text.endsWith("\n") ? "\n" : "";
  return splice(text, at, at, `${lead}${lines.join("\n")}\n`);
}

/** A block item `- value` indented to `indent` columns. */
function itemLines(value: unknown, text: string, indent: number): string[] {
  const pad = " ".repeat(indent);
  return blockLines(value, text).map((line, i) =>
    i === 0 ? `${pad}- ${line}` : `${pad}  ${line}`,
  );
}

/** The pair of a block map whose value is `node`, for lists that must turn into `[]` or back. */
function pairHolding(doc: ParsedDoc, path: EditPath): Pair<Node, Node> | undefined {
  const parent = doc.getIn(path.slice(0, -1), true);
  const key = path[path.length - 1];
  if (!isMap(parent) || parent.flow) return undefined;
  return parent.items.find((p) => isScalar(p.key) && p.key.value === key) as
    | Pair<Node, Node>
    | undefined;
}

/** How far a block list is indented past its key in this file (0 or 2 in most files). */
function listIndentStep(doc: ParsedDoc, text: string): number {
  let step: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isSeq(pair.value) && !pair.value.flow && pair.value.items[0] && isScalar(pair.key)) {
        const first = pair.value.items[0] as Node;
        step = column(text, dashOf(text, first)) - column(text, rangeOf(pair.key as Node)[0]);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return step ?? 2;
}

function appendFlow(text: string, seq: YAMLSeq, value: unknown): string {
  const last = seq.items.at(-1) as Node | undefined;
  const printed = flowText(value, text);
  if (last) {
    const at = contentEnd(text, last);
    return splice(text, at, at, `, ${printed}`);
  }
  const [start, end] = rangeOf(seq);
  const open = text.indexOf("[", start);
  const close = text.lastIndexOf("]", end);
  return splice(text, open + 1, close, printed);
}

function append(doc: ParsedDoc, text: string, path: EditPath, value: unknown): string {
  const seq = doc.getIn(path, true);
  if (!isSeq(seq)) throw new EditError(`${renderEditPath(path)} is not a list`);
  if (seq.flow) {
    const holder = pairHolding(doc, path);
    // An empty `peers: []` under a key becomes a block list: a peer does not fit one line.
    if (seq.items.length === 0 && holder && typeof value === "object" && value !== null) {
      const indent = column(text, rangeOf(holder.key)[0]) + listIndentStep(doc, text);
      const [start, end] = rangeOf(seq);
      const from = text[start - 1] === " " ? start - 1 : start;
      // `key: []  # a comment`: the comment stays on the key's line, the item goes below.
      return insertLines(splice(text, from, end, ""), from, itemLines(value, text, indent));
    }
    return appendFlow(text, seq, value);
  }
  const first = seq.items[0] as Node;
  const last = seq.items.at(-1) as Node;
  const indent = column(text, dashOf(text, first));
  return insertLines(text, contentEnd(text, last), itemLines(value, text, indent));
}

/** Removes entry `index` of a flow collection; the last one leaves `[]` or `{}`. */
function removeFlow(
  text: string,
  collection: Node,
  spans: readonly [number, number][],
  index: number,
): string {
  const inside = [rangeOf(collection)[0] + 1, contentEnd(text, collection) - 1] as const;
  return removeEntry(text, spans, index, inside);
}

function removeItem(doc: ParsedDoc, text: string, path: EditPath, index: number): string {
  const seq = doc.getIn(path, true);
  if (!isSeq(seq)) throw new EditError(`${renderEditPath(path)} is not a list`);
  const item = seq.items[index] as Node | undefined;
  if (!item) throw new EditError(`${renderEditPath([...path, index])} is not in the file`);
  if (seq.flow)
    return removeFlow(
      text,
      seq,
      seq.items.map((i) => [rangeOf(i as Node)[0], contentEnd(text, i as Node)]),
      index,
    );
  const from = lineStart(text, dashOf(text, item));
  const to = nextLineStart(text, contentEnd(text, item) - 1);
  if (seq.items.length > 1) return splice(text, ...entryLines(text, from, to), "");
  // The last item: the key keeps an empty list, `key: []`.
  const holder = pairHolding(doc, path);
  if (!holder || !isScalar(holder.key))
    throw new EditError(`cannot empty the list at ${renderEditPath(path)}`);
  const keyEnd = rangeOf(holder.key)[1];
  return splice(text, keyEnd, to, ": []\n");
}

function pairSpan(text: string, pair: Pair<Node, Node>): [number, number] {
  return [rangeOf(pair.key)[0], contentEnd(text, pair.value ?? pair.key)];
}

function removeKey(doc: ParsedDoc, text: string, path: EditPath, key: string): string {
  const map = doc.getIn(path, true);
  if (!isMap(map)) throw new EditError(`${renderEditPath(path)} is not a map`);
  const pairs = map.items as Pair<Node, Node>[];
  const index = pairs.findIndex((p) => isScalar(p.key) && p.key.value === key);
  const pair = pairs[index];
  if (!pair) throw new EditError(`${renderEditPath([...path, key])} is not in the file`);
  if (map.flow)
    return removeFlow(
      text,
      map,
      pairs.map((p) => pairSpan(text, p)),
      index,
    );
  if (pairs.length === 1) throw new EditError(`cannot empty the map at ${renderEditPath(path)}`);
  const [start, end] = pairSpan(text, pair);
  // The first key of a list item shares its line with the `-`: the next key takes its place.
  const next = pairs[index + 1];
  if (index === 0 && next) return splice(text, start, rangeOf(next.key)[0], "");
  return splice(
    text,
    ...entryLines(text, lineStart(text, start), nextLineStart(text, end - 1)),
    "",
  );
}

/** A scalar printed in the quoting style of the one it replaces. */
function scalarLike(old: Scalar, value: unknown, text: string): string {
  const s = new Scalar(value);
  if (typeof value === "string") {
    if (old.type === Scalar.QUOTE_DOUBLE) s.type = Scalar.QUOTE_DOUBLE;
    else if (old.type === Scalar.QUOTE_SINGLE) s.type = Scalar.QUOTE_SINGLE;
  }
  return flowText(s, text);
}

function setKey(doc: ParsedDoc, text: string, path: EditPath, key: string, value: unknown) {
  const map = doc.getIn(path, true);
  if (!isMap(map)) throw new EditError(`${renderEditPath(path)} is not a map`);
  const pairs = (map as YAMLMap<Node, Node>).items;
  const existing = pairs.find((p) => isScalar(p.key) && p.key.value === key);
  if (existing?.value) {
    const old = existing.value;
    const [start] = rangeOf(old);
    const end = contentEnd(text, old);
    if (isScalar(old)) {
      // `key:` with nothing after it: the value needs a space after the colon.
      const gap = start === end && text[start - 1] === ":" ? " " : "";
      return splice(text, start, end, `${gap}${scalarLike(old, value, text)}`);
    }
    if (text.slice(start, end).includes("\n"))
      throw new EditError(`cannot replace the block at ${renderEditPath([...path, key])}`);
    return splice(text, start, end, flowText(value, text));
  }
  if (map.flow) {
    const last = pairs.at(-1);
    const entry = `${key}: ${flowText(value, text)}`;
    if (last) {
      const at = contentEnd(text, last.value ?? last.key);
      return splice(text, at, at, `, ${entry}`);
    }
    const [start, end] = rangeOf(map);
    return splice(text, text.indexOf("{", start) + 1, text.lastIndexOf("}", end), entry);
  }
  const first = pairs[0];
  const last = pairs.at(-1);
  if (!first || !last || !isPair(first))
    throw new EditError(`cannot add a key to the empty map at ${renderEditPath(path)}`);
  const pad = " ".repeat(column(text, rangeOf(first.key)[0]));
  const lines =
    typeof value === "object" && value !== null
      ? [`${pad}${key}:`, ...blockLines(value, text).map((l) => `${pad}  ${l}`)]
      : [`${pad}${key}: ${flowText(value, text)}`];
  return insertLines(text, contentEnd(text, last.value ?? last.key) - 1, lines);
}

const YAML_EDITOR: FormatEditor<ParsedDoc> = {
  parse(text) {
    const doc = parseDocument(text, { logLevel: "error" });
    if (doc.errors.length > 0) throw new EditError("the file is not valid YAML");
    return doc;
  },
  append,
  set: setKey,
  removeItem,
  removeKey,
};

export function editYamlText(text: string, op: EditOp): string {
  return applyOp(YAML_EDITOR, text, op);
}
