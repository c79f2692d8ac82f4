/**
 * A Nix expression printer. Every string and attribute name from the ACL passes through here,
 * escaped, so no user input is ever pasted into Nix syntax elsewhere.
 */
import type { ConfigValue } from "../config-tree.js";
import { compareNames } from "../order.js";

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

/** A Nix string literal with `"`, `\`, `${` and control characters escaped. */
export function nixString(text: string): string {
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
export function nixAttrName(name: string): string {
  return BARE_NAME.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}

function nixNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`internal error: ${n} has no Nix form`);
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

/** A Nix expression for a value, indented for reading; unset values are left out. */
export function toNix(value: ConfigValue, indent = ""): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return nixString(value);
  if (typeof value === "number") return nixNumber(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.filter((v) => !isUnset(v));
    if (items.length === 0) return "[ ]";
    if (items.every((v) => typeof v !== "object"))
      return `[ ${items.map((v) => toNix(v)).join(" ")} ]`;
    return `[\n${items.map((v) => `${inner}${toNix(v, inner)}`).join("\n")}\n${indent}]`;
  }
  const keys = Object.keys(value)
    .filter((k) => !isUnset(value[k]))
    .sort(compareNames);
  if (keys.length === 0) return "{ }";
  return `{\n${keys.map((k) => `${inner}${nixAttrName(k)} = ${toNix(value[k], inner)};`).join("\n")}\n${indent}}`;
}
