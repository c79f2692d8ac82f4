/**
 * A Nix expression printer. Every string and attribute name from the ACL passes through here,
 * escaped, so no user input is ever pasted into Nix syntax elsewhere.
 */
import type { ConfigTree, ConfigValue } from "../../core/config-tree.js";
import { flat } from "../../core/memo.js";
import { KeyOrder } from "../../core/order.js";
import { RunContext } from "../../core/run-context.js";

const KEYWORDS: ReadonlySet<string> = new Set([
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

/** A Nix string literal with `"`, `\`, `${` and control characters escaped. */
export function nixString(text: string): string {
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
export function nixAttrName(name: string): string {
  return BARE_NAME.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}

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

/** A set, or a list with a set or list in it: printed a member a line (a list of scalars is one line). */
function isNested(value: ConfigValue): value is ConfigTree | ConfigValue[] {
  if (typeof value !== "object" || value === null) return false;
  if (!Array.isArray(value)) return true;
  return value.some((item) => !isUnset(item) && typeof item === "object");
}

/**
 * What one run's printing keeps (see RunContext): all hosts of a big network print each peer's
 * key, name and addresses once for every peer linked to it, and the same entry shapes and
 * shared entries again and again.
 */
class NixPrinter {
  /** Short string literals. */
  readonly literal: (text: string) => string;
  readonly keyOrder: KeyOrder;
  /** `name = ` of each key of an object shape (see KeyOrder), printed once per shape. */
  readonly #assignments = new WeakMap<readonly string[], string[]>();
  /** The text of shared subtrees (see RunContext.shareSubtree), by the depth printed at. */
  readonly #printedShared = new WeakMap<object, { depth: number; text: string }>();
  /** Indentation by depth, made once: `indents[d]` is 2·d spaces. */
  readonly #indents: string[] = [""];
  readonly #run: RunContext;

  constructor(run: RunContext) {
    this.#run = run;
    this.literal = run.remembered("emit/nix literal", nixString);
    this.keyOrder = run.share("order", () => new KeyOrder());
  }

  indentOf(depth: number): string {
    const indents = this.#indents;
    for (let d = indents.length; d <= depth; d++) indents.push(`${indents[d - 1]}  `);
    return indents[depth] as string;
  }

  assignmentsOf(keys: readonly string[]): string[] {
    let printed = this.#assignments.get(keys);
    if (!printed) {
      printed = keys.map((key) => `${nixAttrName(key)} = `);
      this.#assignments.set(keys, printed);
    }
    return printed;
  }

  /** A value inside a list or set: subtrees shared by many hosts are printed once. */
  printShared(item: ConfigValue, depth: number): string {
    if (typeof item !== "object" || item === null || !this.#run.isShared(item))
      return this.print(item, depth);
    const printed = this.#printedShared.get(item);
    if (printed?.depth === depth) return printed.text;
    const text = flat(this.print(item, depth));
    this.#printedShared.set(item, { depth, text });
    return text;
  }

  /**
   * `print`'s text pushed onto `pieces` instead of returned, so that a whole host (a quarter of
   * a megabyte in the 1000-peer mesh) is never one string: V8 gives every string above 128 KB
   * fresh memory of its own, and flattening the host's text cost more than printing it.
   * Shared subtrees and scalars are pushed as `print` makes them.
   */
  printTo(value: ConfigValue, depth: number, pieces: string[]): void {
    if (isNested(value) && !this.#run.isShared(value)) this.#nestedTo(value, depth, pieces);
    else pieces.push(this.print(value, depth));
  }

  print(value: ConfigValue, depth: number): string {
    if (value === null || value === undefined) return "null";
    if (typeof value === "string")
      return value.length <= 128 ? this.literal(value) : nixString(value);
    if (typeof value === "number") return nixNumber(value);
    if (typeof value === "boolean") return value ? "true" : "false";
    if (!isNested(value)) {
      // A list of scalars, on one line.
      let out = "";
      for (const item of value as ConfigValue[])
        if (!isUnset(item)) out += `${out === "" ? "[ " : " "}${this.print(item, 0)}`;
      return out === "" ? "[ ]" : `${out} ]`;
    }
    const pieces: string[] = [];
    this.#nestedTo(value, depth, pieces);
    return pieces.join("");
  }

  /** A set, or a list holding sets or lists: one member a line, indented. */
  #nestedTo(value: ConfigTree | ConfigValue[], depth: number, pieces: string[]): void {
    const inner = this.indentOf(depth + 1);
    const member = (item: ConfigValue) => {
      if (isNested(item) && !this.#run.isShared(item)) this.#nestedTo(item, depth + 1, pieces);
      else pieces.push(this.printShared(item, depth + 1));
    };
    let any = false;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (isUnset(item)) continue;
        pieces.push(`${any ? "\n" : "[\n"}${inner}`);
        member(item);
        any = true;
      }
      pieces.push(any ? `\n${this.indentOf(depth)}]` : "[ ]");
      return;
    }
    const tree = value as ConfigTree;
    const keys = this.keyOrder.sortedKeys(tree);
    const names = this.assignmentsOf(keys);
    for (let i = 0; i < keys.length; i++) {
      const item = tree[keys[i] as string];
      if (isUnset(item)) continue;
      pieces.push(`${any ? "\n" : "{\n"}${inner}${names[i]}`);
      member(item);
      pieces.push(";");
      any = true;
    }
    pieces.push(any ? `\n${this.indentOf(depth)}}` : "{ }");
  }
}

/**
 * A Nix expression for a value, indented for reading; unset values are left out. `indent` is
 * that of the line the value starts on. Printing several values of one run with its context
 * prints what they share once.
 */
export function toNix(value: ConfigValue, indent = "", run: RunContext = new RunContext()): string {
  const printer = run.share("emit/nix", () => new NixPrinter(run));
  // Nix strings are printed with `\n` escapes, so every newline here starts a line of ours.
  if (!/^( {2})*$/.test(indent)) return printer.print(value, 0).replaceAll("\n", `\n${indent}`);
  return printer.print(value, indent.length / 2);
}

/**
 * `toNix(value, indent, run)` in pieces, for `indent` of `depth` levels (the same text joined;
 * see `NixPrinter.printTo`).
 */
export function toNixPieces(
  value: ConfigValue,
  run: RunContext = new RunContext(),
  depth = 0,
): string[] {
  const pieces: string[] = [];
  run.share("emit/nix", () => new NixPrinter(run)).printTo(value, depth, pieces);
  return pieces;
}
