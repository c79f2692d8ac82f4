/**
 * The edits `add-peer`, `remove-peer` and `keys generate --update-acl` make to an ACL, as
 * operations on paths. Each file format applies them to its own text (keeping everything else
 * as it was); `applyToData` applies them to the parsed value, so the edited text can be checked
 * against what it must mean.
 */
import { isDeepStrictEqual } from "node:util";
import { renderPath } from "../core/diagnostics.js";

export type EditPath = readonly (string | number)[];

export type EditOp =
  /** Adds `value` at the end of the list at `list`. */
  | { kind: "append"; list: EditPath; value: unknown }
  /** Removes the list item (last segment a number) or the map key (a string) at `path`. */
  | { kind: "remove"; path: EditPath }
  /** Sets key `key` of the map at `map` to `value`, adding the key if it is missing. */
  | { kind: "set"; map: EditPath; key: string; value: unknown };

/** Raised by a format's editor when the text's layout is one it cannot edit safely. */
export class EditError extends Error {}

/** What a format knows how to do to its text, given the text parsed with positions (`T`). */
export interface FormatEditor<T> {
  parse(text: string): T;
  append(tree: T, text: string, list: EditPath, value: unknown): string;
  set(tree: T, text: string, map: EditPath, key: string, value: unknown): string;
  removeItem(tree: T, text: string, list: EditPath, index: number): string;
  removeKey(tree: T, text: string, map: EditPath, key: string): string;
}

/** Applies one operation through a format's editor. */
export function applyOp<T>(editor: FormatEditor<T>, text: string, op: EditOp): string {
  const tree = editor.parse(text);
  switch (op.kind) {
    case "append":
      return editor.append(tree, text, op.list, op.value);
    case "set":
      return editor.set(tree, text, op.map, op.key, op.value);
    case "remove": {
      const last = op.path[op.path.length - 1];
      const parent = op.path.slice(0, -1);
      return typeof last === "number"
        ? editor.removeItem(tree, text, parent, last)
        : editor.removeKey(tree, text, parent, String(last));
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function valueAt(data: unknown, path: EditPath): unknown {
  let node = data;
  for (const segment of path) {
    if (typeof segment === "number" ? !Array.isArray(node) : !isRecord(node)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** The value `op` leaves in `data` (a copy; `data` is not changed). */
export function applyToData(data: unknown, op: EditOp): unknown {
  const copy = structuredClone(data);
  const target = (path: EditPath) => valueAt(copy, path);
  switch (op.kind) {
    case "append": {
      const list = target(op.list);
      if (!Array.isArray(list)) throw new EditError(`${renderEditPath(op.list)} is not a list`);
      list.push(structuredClone(op.value));
      break;
    }
    case "remove": {
      const parent = target(op.path.slice(0, -1));
      const last = op.path[op.path.length - 1];
      if (typeof last === "number" && Array.isArray(parent)) parent.splice(last, 1);
      else if (typeof last === "string" && isRecord(parent)) delete parent[last];
      else throw new EditError(`nothing to remove at ${renderEditPath(op.path)}`);
      break;
    }
    case "set": {
      const map = target(op.map);
      if (!isRecord(map)) throw new EditError(`${renderEditPath(op.map)} is not a map`);
      map[op.key] = structuredClone(op.value);
      break;
    }
  }
  return copy;
}

/**
 * Equal as data: the same values under the same keys. Neither key order (a TOML table's keys
 * come before its subtables whatever the order they were added in) nor prototypes (smol-toml's
 * tables have none, a copy's do) count.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b))
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameData(item, b[i]))
    );
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    if (a instanceof Date || b instanceof Date) return isDeepStrictEqual(a, b);
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = Object.keys(x);
    return (
      keys.length === Object.keys(y).length &&
      keys.every((k) => Object.hasOwn(y, k) && sameData(x[k], y[k]))
    );
  }
  return Object.is(a, b);
}

/** `peers[3].subnets.wg`, as diagnostics render paths. */
export function renderEditPath(path: EditPath): string {
  return renderPath(path) || "the top level";
}

/** The offset where the line holding `offset` starts. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The offset just after the newline ending the line that holds `offset` (or the text's end). */
export function nextLineStart(text: string, offset: number): number {
  const newline = text.indexOf("\n", offset);
  return newline < 0 ? text.length : newline + 1;
}

/** The leading whitespace of the line holding `offset`. */
export function indentOfLine(text: string, offset: number): string {
  const start = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? "";
}

/**
 * The lines `from`..`to` (line starts) of an entry that is removed, grown to take the comment
 * lines right above it, at its own indent, with it: they describe the entry, and left behind
 * they would describe whatever comes next. When a blank line is then on both sides, one goes
 * too, so that removing a block leaves no double gap.
 */
export function entryLines(text: string, from: number, to: number): [number, number] {
  const indent = indentOfLine(text, from);
  let start = from;
  while (start > 0) {
    const above = lineStart(text, start - 1);
    const line = text.slice(above, start - 1).replace(/\r$/, "");
    if (!line.startsWith(`${indent}#`)) break;
    start = above;
  }
  const blank = (a: number, b: number) => text.slice(a, b).trim() === "";
  const before = start > 0 ? lineStart(text, start - 1) : undefined;
  const after = nextLineStart(text, to);
  if (before !== undefined && to < text.length && blank(before, start) && blank(to, after))
    return [start, after];
  return [start, to];
}

/** Whether `start`..`end` lies on one line. */
export function oneLine(text: string, start: number, end: number): boolean {
  return !text.slice(start, end).includes("\n");
}

/**
 * Removes entry `index` of a bracketed collection (`[...]`, `{...}`) whose entries span
 * `entries`, with the separator beside it; the last one leaves the brackets empty (`inside`
 * is the span between them).
 */
export function removeEntry(
  text: string,
  entries: readonly (readonly [number, number])[],
  index: number,
  inside: readonly [number, number],
): string {
  const entry = entries[index];
  if (!entry) throw new EditError("nothing to remove");
  const previous = entries[index - 1];
  if (previous) return splice(text, previous[1], entry[1], "");
  const next = entries[index + 1];
  if (next) return splice(text, entry[0], next[0], "");
  return splice(text, inside[0], inside[1], "");
}

export function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}
