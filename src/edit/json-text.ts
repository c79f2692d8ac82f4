/**
 * Edits of JSON text at located spans (found with `jsonc-parser`'s tree, which keeps every
 * node's offset): only the edited item's characters change, plus the comma JSON needs beside
 * it. New items follow their neighbours' layout: on the same line in a one-line list or file,
 * on lines of their own, indented like their siblings, in a pretty-printed one.
 */
import { createRequire } from "node:module";
import type * as JsoncParser from "jsonc-parser";
import {
  applyOp,
  EditError,
  type EditOp,
  type EditPath,
  type FormatEditor,
  indentOfLine,
  oneLine,
  removeEntry,
  renderEditPath,
  splice,
} from "./ops.js";

/* jsonc-parser's ES build imports its own files without extensions, which Node refuses; its
 * CommonJS build loads fine. */
const jsonc = createRequire(import.meta.url)("jsonc-parser") as typeof JsoncParser;

type Node = JsoncParser.Node;

/** How this text writes JSON: its indentation step, and whether `:`/`,` take a space. */
interface JsonStyle {
  unit: string;
  spaced: boolean;
  /** The whole document is on one line. */
  compact: boolean;
}

function styleOf(text: string): JsonStyle {
  return {
    unit: /\n([ \t]+)\S/.exec(text)?.[1] ?? "  ",
    spaced: /"\s*:[ \t]/.test(text),
    compact: !text.trim().includes("\n"),
  };
}

/** One line: `{"a":1}`, or `{"a": 1, "b": 2}` in a spaced style. */
function inline(value: unknown, spaced: boolean): string {
  if (!spaced) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => inline(v, true)).join(", ")}]`;
  if (typeof value === "object" && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${inline(v, true)}`)
      .join(", ")}}`;
  return JSON.stringify(value);
}

/** Pretty-printed, its lines after the first indented by `indent`. */
function block(value: unknown, style: JsonStyle, indent: string): string {
  return JSON.stringify(value, null, style.unit).split("\n").join(`\n${indent}`);
}

function nodeAt(root: Node, path: EditPath): Node {
  const node = jsonc.findNodeAtLocation(root, [...path]);
  if (!node) throw new EditError(`${renderEditPath(path)} is not in the file`);
  return node;
}

const end = (node: Node) => node.offset + node.length;

/**
 * Adds an entry (`entry` is its text as an item of the container: a value, or `"key": value`)
 * at the end of an array or object.
 */
function addEntry(
  text: string,
  style: JsonStyle,
  container: Node,
  entryOf: (layout: "inline" | "block", indent: string) => string,
): string {
  const close = end(container) - 1;
  const last = container.children?.at(-1);
  const space = style.spaced ? " " : "";
  if (!last) {
    if (style.compact) return splice(text, container.offset + 1, close, entryOf("inline", ""));
    const indent = indentOfLine(text, container.offset);
    const inner = indent + style.unit;
    return splice(
      text,
      container.offset + 1,
      close,
      `\n${inner}${entryOf("block", inner)}\n${indent}`,
    );
  }
  if (oneLine(text, container.offset, last.offset))
    return splice(text, end(last), end(last), `,${space}${entryOf("inline", "")}`);
  const indent = indentOfLine(text, last.offset);
  const layout = oneLine(text, last.offset, end(last)) ? "inline" : "block";
  return splice(text, end(last), end(last), `,\n${indent}${entryOf(layout, indent)}`);
}

function append(text: string, style: JsonStyle, list: Node, value: unknown): string {
  if (list.type !== "array") throw new EditError("expected a list");
  return addEntry(text, style, list, (layout, indent) =>
    layout === "inline" ? inline(value, style.spaced) : block(value, style, indent),
  );
}

function set(text: string, style: JsonStyle, map: Node, key: string, value: unknown): string {
  if (map.type !== "object") throw new EditError("expected an object");
  const existing = map.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1];
  if (existing) {
    const printed = oneLine(text, existing.offset, end(existing))
      ? inline(value, style.spaced)
      : block(value, style, indentOfLine(text, existing.offset));
    return splice(text, existing.offset, end(existing), printed);
  }
  const colon = style.spaced ? ": " : ":";
  return addEntry(
    text,
    style,
    map,
    (layout, indent) =>
      `${JSON.stringify(key)}${colon}${layout === "inline" ? inline(value, style.spaced) : block(value, style, indent)}`,
  );
}

function remove(text: string, parent: Node, index: number): string {
  const entries = (parent.children ?? []).map((c) => [c.offset, end(c)] as const);
  return removeEntry(text, entries, index, [parent.offset + 1, end(parent) - 1]);
}

function parseJson(text: string): Node {
  const root = jsonc.parseTree(text);
  if (!root) throw new EditError("the file is not JSON");
  return root;
}

const JSON_EDITOR: FormatEditor<Node> = {
  parse: parseJson,
  append: (root, text, list, value) => append(text, styleOf(text), nodeAt(root, list), value),
  set: (root, text, map, key, value) => set(text, styleOf(text), nodeAt(root, map), key, value),
  removeItem: (root, text, list, index) => remove(text, nodeAt(root, list), index),
  removeKey(root, text, map, key) {
    const parent = nodeAt(root, map);
    const index = (parent.children ?? []).findIndex((p) => p.children?.[0]?.value === key);
    if (index < 0) throw new EditError(`${renderEditPath([...map, key])} is not in the file`);
    return remove(text, parent, index);
  },
};

export function editJsonText(text: string, op: EditOp): string {
  return applyOp(JSON_EDITOR, text, op);
}
