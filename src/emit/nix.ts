/**
 * A Nix expression printer. Every string and attribute name from the ACL passes through here,
 * escaped, so no user input is ever pasted into Nix syntax elsewhere.
 */
import { type ConfigValue, isSharedSubtree } from "../config-tree.js";
import { flat, memoize } from "../memo.js";
import { sortedKeys } from "../order.js";

const KEYWORDS = new Set([
  "if",
  "then",
  "else",
  "assert",
  "with",
  "let",
  "in",
  "rec",
  "inherit",
  "or",
]);
const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** Text with nothing to escape: no `"`, `\`, `$`, newline, carriage return or tab. */
const PLAIN = /^[^"\\$\n\r\t]*$/;

/**
 * A Nix string literal with `"`, `\`, `${` and control characters escaped. Short ones are
 * remembered: all hosts of a big network print each peer's key, name and addresses once for
 * every peer linked to it.
 */
export function nixString(text: string): string {
  return text.length <= 128 ? rememberedLiteral(text) : quoteNixString(text);
}

const rememberedLiteral = memoize(quoteNixString);

function quoteNixString(text: string): string {
  if (PLAIN.test(text)) return `"${text}"`;
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (c === "$" && text[i + 1] === "{") out += "\\$";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else out += c;
  }
  return `${out}"`;
}

/** An attribute name: bare when Nix allows it, quoted otherwise. */
export const nixAttrName = memoize((name) =>
  BARE_NAME.test(name) && !KEYWORDS.has(name) ? name : nixString(name),
);

function nixNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`internal error: ${n} has no Nix form`);
  if (Number.isSafeInteger(n)) return n < 0 ? `(${n})` : String(n);
  let text: string;
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) text = BigInt(n).toString();
  else {
    text = String(n);
    const [mantissa, exponent] = text.split("e") as [string, string | undefined];
    if (!mantissa.includes("."))
      text = `${mantissa}.0${exponent === undefined ? "" : `e${exponent}`}`;
  }
  return n < 0 ? `(${text})` : text;
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Indentation by depth, made once: `indents[d]` is 2·d spaces. */
const indents: string[] = [""];

function indentOf(depth: number): string {
  for (let d = indents.length; d <= depth; d++) indents.push(`${indents[d - 1]}  `);
  return indents[depth] as string;
}

/** `name = ` of each key of an object shape (see sortedKeys), printed once per shape. */
const assignments = new WeakMap<readonly string[], string[]>();

function assignmentsOf(keys: readonly string[]): string[] {
  let printed = assignments.get(keys);
  if (!printed) {
    printed = keys.map((key) => `${nixAttrName(key)} = `);
    assignments.set(keys, printed);
  }
  return printed;
}

/**
 * A Nix expression for a value, indented for reading; unset values are left out. `indent` is
 * that of the line the value starts on.
 */
export function toNix(value: ConfigValue, indent = ""): string {
  // Nix strings are printed with `\n` escapes, so every newline here starts a line of ours.
  if (!/^( {2})*$/.test(indent)) return printNix(value, 0).replaceAll("\n", `\n${indent}`);
  return printNix(value, indent.length / 2);
}

/** The text of shared subtrees (see shareSubtree), by the depth it was printed at. */
const printedShared = new WeakMap<object, { depth: number; text: string }>();

/** A value inside a list or set: subtrees shared by many hosts are printed once. */
function printShared(item: ConfigValue, depth: number): string {
  if (typeof item !== "object" || item === null || !isSharedSubtree(item))
    return printNix(item, depth);
  const printed = printedShared.get(item);
  if (printed?.depth === depth) return printed.text;
  const text = flat(printNix(item, depth));
  printedShared.set(item, { depth, text });
  return text;
}

function printNix(value: ConfigValue, depth: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return nixString(value);
  if (typeof value === "number") return nixNumber(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  const inner = indentOf(depth + 1);
  let out = "";
  if (Array.isArray(value)) {
    let scalars = true;
    for (const item of value)
      if (!isUnset(item) && typeof item === "object") {
        scalars = false;
        break;
      }
    for (const item of value) {
      if (isUnset(item)) continue;
      if (scalars) out += `${out === "" ? "[ " : " "}${printNix(item, 0)}`;
      else out += `${out === "" ? "[\n" : "\n"}${inner}${printShared(item, depth + 1)}`;
    }
    if (out === "") return "[ ]";
    return scalars ? `${out} ]` : `${out}\n${indentOf(depth)}]`;
  }
  const keys = sortedKeys(value);
  const names = assignmentsOf(keys);
  for (let i = 0; i < keys.length; i++) {
    const item = value[keys[i] as string];
    if (isUnset(item)) continue;
    out += `${out === "" ? "{\n" : "\n"}${inner}${names[i]}${printShared(item, depth + 1)};`;
  }
  return out === "" ? "{ }" : `${out}\n${indentOf(depth)}}`;
}
