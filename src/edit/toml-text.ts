/**
 * Edits of TOML text at located spans: `toml-eslint-parser` gives every table, key and value
 * with its range, and only the edited item's lines change. Lists of tables (`[[peers]]`) gain
 * and lose whole table blocks; inline arrays and tables gain and lose entries like JSON does.
 * Layouts this cannot edit safely (a list of tables below another list) are refused.
 */
import { type AST, parseTOML } from "toml-eslint-parser";
import {
  applyOp,
  EditError,
  type EditOp,
  type EditPath,
  entryLines,
  type FormatEditor,
  indentOfLine,
  lineStart,
  nextLineStart,
  oneLine,
  removeEntry,
  renderEditPath,
  splice,
} from "./ops.js";

type Container = AST.TOMLTopLevelTable | AST.TOMLTable;
type Found =
  /** A table section, or the top level: a map. */
  | { kind: "table"; table: Container }
  /** A list written as `[[path]]` tables (maybe none yet). */
  | { kind: "tables"; tables: AST.TOMLTable[] }
  /** A value written after `key =`, or inside one. */
  | { kind: "value"; node: AST.TOMLContentNode; keyValue?: AST.TOMLKeyValue };

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function keyText(key: string): string {
  return BARE_KEY.test(key) ? key : JSON.stringify(key);
}

/** A value on one line: strings as JSON writes them (valid TOML basic strings). */
export function tomlInline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlInline).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${keyText(k)} = ${tomlInline(v)}`);
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
  }
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new EditError(`cannot write ${String(value)} in TOML`);
}

function keyNames(key: AST.TOMLKey): string[] {
  return key.keys.map((k) => (k.type === "TOMLBare" ? k.name : k.value));
}

function samePath(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function startsWith(a: readonly (string | number)[], prefix: readonly (string | number)[]) {
  return prefix.length <= a.length && prefix.every((s, i) => s === a[i]);
}

function tablesOf(program: AST.TOMLProgram): AST.TOMLTable[] {
  return program.body[0].body.filter((n): n is AST.TOMLTable => n.type === "TOMLTable");
}

/** Descends from a value through inline tables and arrays. */
function descend(
  node: AST.TOMLContentNode,
  rest: EditPath,
  keyValue?: AST.TOMLKeyValue,
): Found | undefined {
  if (rest.length === 0) return { kind: "value", node, ...(keyValue ? { keyValue } : {}) };
  const [head, ...tail] = rest;
  if (node.type === "TOMLArray" && typeof head === "number") {
    const element = node.elements[head];
    return element && descend(element, tail);
  }
  if (node.type === "TOMLInlineTable" && typeof head === "string")
    for (const kv of node.body) {
      const names = keyNames(kv.key);
      if (startsWith(rest, names)) return descend(kv.value, rest.slice(names.length), kv);
    }
  return undefined;
}

function locate(program: AST.TOMLProgram, path: EditPath): Found | undefined {
  const top = program.body[0];
  const tables = tablesOf(program);
  if (path.length === 0) return { kind: "table", table: top };
  const table = tables.find((t) => samePath(t.resolvedKey, path));
  if (table) return { kind: "table", table };
  const listed = tables.filter(
    (t) => t.kind === "array" && samePath(t.resolvedKey.slice(0, -1), path),
  );
  if (listed.length > 0) return { kind: "tables", tables: listed };
  for (const container of [top, ...tables]) {
    const prefix = container.type === "TOMLTable" ? container.resolvedKey : [];
    if (!startsWith(path, prefix)) continue;
    for (const kv of container.body) {
      if (kv.type !== "TOMLKeyValue") continue;
      const names = [...prefix, ...keyNames(kv.key)];
      if (startsWith(path, names)) return descend(kv.value, path.slice(names.length), kv);
    }
  }
  return undefined;
}

function mustLocate(program: AST.TOMLProgram, path: EditPath): Found {
  const found = locate(program, path);
  if (!found) throw new EditError(`${renderEditPath(path)} is not in the file`);
  return found;
}

/** The offset after the last line of `table` and of the tables below it (`[peers.subnets.wg]`). */
function subtreeEnd(text: string, program: AST.TOMLProgram, table: AST.TOMLTable): number {
  let end = table.range[1];
  for (const t of tablesOf(program))
    if (t !== table && startsWith(t.resolvedKey, table.resolvedKey))
      end = Math.max(end, t.range[1]);
  return nextLineStart(text, end - 1);
}

/** Where a new top-level `key = value` line goes: after the last one, before any table. */
function topLevelLineAt(text: string, program: AST.TOMLProgram): number {
  const keyValues = program.body[0].body.filter((n) => n.type === "TOMLKeyValue");
  const last = keyValues.at(-1);
  if (last) return nextLineStart(text, last.range[1] - 1);
  const first = tablesOf(program)[0];
  return first ? lineStart(text, first.range[0]) : text.length;
}

/** `[[key]]` blocks for `value`, as a list of tables at the top level. */
function tableBlock(key: string, value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new EditError("a list of tables takes only tables");
  const scalars: string[] = [];
  const subtables: string[] = [];
  const walk = (prefix: string, object: Record<string, unknown>, into: string[]) => {
    for (const [k, v] of Object.entries(object)) {
      const isTable = typeof v === "object" && v !== null && !Array.isArray(v);
      if (!isTable) into.push(`${keyText(k)} = ${tomlInline(v)}`);
    }
    for (const [k, v] of Object.entries(object)) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) continue;
      const header = `${prefix}.${keyText(k)}`;
      const lines: string[] = [];
      walk(header, v as Record<string, unknown>, lines);
      if (lines.length > 0 || Object.keys(v).length === 0) subtables.push(`[${header}]`, ...lines);
    }
  };
  walk(keyText(key), value as Record<string, unknown>, scalars);
  return [`[[${keyText(key)}]]`, ...scalars, ...subtables].join("\n");
}

/** Appends a `[[list]]` table after the last one (or at the end of the file). */
function appendTable(
  text: string,
  program: AST.TOMLProgram,
  path: EditPath,
  tables: readonly AST.TOMLTable[],
  value: unknown,
): string {
  const [key] = path;
  if (path.length !== 1 || typeof key !== "string")
    throw new EditError(`cannot add a table to the list at ${renderEditPath(path)}`);
  const last = tables.at(-1);
  const at = last ? subtreeEnd(text, program, last) : text.length;
  const before = at > 0 && !text.slice(0, at).endsWith("\n") ? "\n\n" : "\n";
  return splice(text, at, at, `${before}${tableBlock(key, value)}\n`);
}

/** Adds an entry at the end of an inline array or table, in its layout. */
function addInline(text: string, node: AST.TOMLArray | AST.TOMLInlineTable, entry: string) {
  const entries: { range: [number, number] }[] =
    node.type === "TOMLArray" ? node.elements : node.body;
  const last = entries.at(-1);
  const close = node.range[1] - 1;
  if (!last)
    return splice(text, node.range[0] + 1, close, node.type === "TOMLArray" ? entry : ` ${entry} `);
  if (oneLine(text, node.range[0], last.range[0]))
    return splice(text, last.range[1], last.range[1], `, ${entry}`);
  const indent = indentOfLine(text, last.range[0]);
  return splice(text, last.range[1], last.range[1], `,\n${indent}${entry}`);
}

/** Removes entry `index` of an inline array or table, with the separator beside it. */
function removeInline(text: string, node: AST.TOMLArray | AST.TOMLInlineTable, index: number) {
  const entries: { range: [number, number] }[] =
    node.type === "TOMLArray" ? node.elements : node.body;
  return removeEntry(
    text,
    entries.map((e) => e.range),
    index,
    [node.range[0] + 1, node.range[1] - 1],
  );
}

function lineSpan(text: string, node: { range: [number, number] }): [number, number] {
  return [lineStart(text, node.range[0]), nextLineStart(text, node.range[1] - 1)];
}

function append(text: string, program: AST.TOMLProgram, path: EditPath, value: unknown): string {
  const found = mustLocate(program, path);
  if (found.kind === "tables") return appendTable(text, program, path, found.tables, value);
  if (found.kind !== "value" || found.node.type !== "TOMLArray")
    throw new EditError(`${renderEditPath(path)} is not a list`);
  const array = found.node;
  const isTable = typeof value === "object" && value !== null && !Array.isArray(value);
  // `peers = []` at the top level: the first peer becomes a `[[peers]]` table at the end.
  if (
    array.elements.length === 0 &&
    isTable &&
    path.length === 1 &&
    found.keyValue?.parent.type === "TOMLTopLevelTable"
  ) {
    const [from, to] = lineSpan(text, found.keyValue);
    const added = appendTable(text, program, path, [], value);
    return splice(added, from, to, "");
  }
  return addInline(text, array, tomlInline(value));
}

function removeItem(text: string, program: AST.TOMLProgram, path: EditPath, index: number) {
  const found = mustLocate(program, path);
  if (found.kind === "tables") {
    const table = found.tables[index];
    if (!table) throw new EditError(`${renderEditPath([...path, index])} is not in the file`);
    const from = lineStart(text, table.range[0]);
    let out = splice(text, ...entryLines(text, from, subtreeEnd(text, program, table)), "");
    if (found.tables.length === 1) {
      // The last table of the list: the key stays, as an empty list.
      const [key] = path;
      if (path.length !== 1 || typeof key !== "string")
        throw new EditError(`cannot empty the list at ${renderEditPath(path)}`);
      const at = topLevelLineAt(out, parseTOML(out));
      out = splice(out, at, at, `${keyText(key)} = []\n`);
    }
    return out;
  }
  if (found.kind !== "value" || found.node.type !== "TOMLArray")
    throw new EditError(`${renderEditPath(path)} is not a list`);
  return removeInline(text, found.node, index);
}

function removeKey(text: string, program: AST.TOMLProgram, path: EditPath, key: string) {
  const found = mustLocate(program, path);
  if (found.kind === "table") {
    const kv = found.table.body.find(
      (n): n is AST.TOMLKeyValue => n.type === "TOMLKeyValue" && samePath(keyNames(n.key), [key]),
    );
    if (kv) return splice(text, ...entryLines(text, ...lineSpan(text, kv)), "");
  }
  if (found.kind === "value" && found.node.type === "TOMLInlineTable") {
    const index = found.node.body.findIndex((kv) => samePath(keyNames(kv.key), [key]));
    if (index >= 0) return removeInline(text, found.node, index);
  }
  // A dotted key (`subnets.wg.exitNode = ...`) under a table.
  const whole = locate(program, [...path, key]);
  if (whole?.kind === "value" && whole.keyValue && whole.keyValue.value === whole.node) {
    const parent = whole.keyValue.parent;
    if (parent.type === "TOMLInlineTable")
      return removeInline(text, parent, parent.body.indexOf(whole.keyValue));
    const [from, to] = lineSpan(text, whole.keyValue);
    return splice(text, from, to, "");
  }
  throw new EditError(`cannot remove ${renderEditPath([...path, key])} from this TOML layout`);
}

function setKey(
  text: string,
  program: AST.TOMLProgram,
  path: EditPath,
  key: string,
  value: unknown,
) {
  const existing = locate(program, [...path, key]);
  if (
    existing?.kind === "value" &&
    existing.node.type !== "TOMLInlineTable" &&
    existing.node.type !== "TOMLArray"
  )
    return splice(text, existing.node.range[0], existing.node.range[1], tomlInline(value));
  if (existing)
    throw new EditError(`cannot replace ${renderEditPath([...path, key])} in this TOML layout`);
  const found = mustLocate(program, path);
  const line = `${keyText(key)} = ${tomlInline(value)}`;
  if (found.kind === "value" && found.node.type === "TOMLInlineTable")
    return addInline(text, found.node, line);
  if (found.kind !== "table") throw new EditError(`${renderEditPath(path)} is not a table`);
  const table = found.table;
  if (table.type === "TOMLTopLevelTable") {
    const at = topLevelLineAt(text, program);
    return splice(text, at, at, `${line}\n`);
  }
  const last = table.body.at(-1) ?? table.key;
  const at =
    table.body.length > 0
      ? nextLineStart(text, last.range[1] - 1)
      : nextLineStart(text, table.range[0]);
  const lead = at === text.length && !text.endsWith("\n") ? "\n" : "";
  return splice(text, at, at, `${lead}${line}\n`);
}

const TOML_EDITOR: FormatEditor<AST.TOMLProgram> = {
  parse(text) {
    try {
      return parseTOML(text);
    } catch {
      throw new EditError("the file is not valid TOML");
    }
  },
  append: (program, text, list, value) => append(text, program, list, value),
  set: (program, text, map, key, value) => setKey(text, program, map, key, value),
  removeItem: (program, text, list, index) => removeItem(text, program, list, index),
  removeKey: (program, text, map, key) => removeKey(text, program, map, key),
};

export function editTomlText(text: string, op: EditOp): string {
  return applyOp(TOML_EDITOR, text, op);
}
