/**
 * JSON printing of configuration data with keys in Nix order and unset values left out, so the
 * same input always gives the same bytes and matches what Nix prints for our Nix output.
 *
 * All hosts of a 1000-peer mesh are a million peer entries, so this printer is written for
 * speed. Configurers mostly build their objects with keys already in Nix order; such a subtree, free
 * of nulls, prints exactly as the engine's JSON.stringify prints it (which leaves out undefined
 * values itself), and that native call is many times faster than printing in JavaScript. One
 * walk finds the subtrees that are not like that; only those are printed here.
 */
import type { ConfigTree, ConfigValue } from "../../core/config-tree.js";
import { flat } from "../../core/memo.js";
import { compareNames, KeyOrder } from "../../core/order.js";
import { RunContext } from "../../core/run-context.js";
import { TextCollector, type TextSink } from "../../core/text-sink.js";

/** Printable ASCII without `"` and `\`: what JSON.stringify would only put in quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, without the call for the plain ASCII of nearly every value. */
export function jsonString(text: string): string {
  return text.length <= 128 && PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const NO_OBJECTS: ReadonlySet<object> = new Set();

/** Entries of an object or array above which `prettyChunks` prints it an entry at a time. */
const SPLIT_ENTRIES = 64;
/**
 * Levels below the top at which `prettyChunks` still opens an object that holds objects: the
 * links of a peer in `inspect` are four levels down (peer, interfaces, subnet, links).
 */
const SPLIT_DEPTH = 4;

/** Whether `prettyChunks` prints `value` (at `depth`) an entry at a time. */
function splits(value: object, depth: number): boolean {
  const items = Array.isArray(value) ? value : Object.values(value);
  if (items.length > SPLIT_ENTRIES) return true;
  if (depth >= SPLIT_DEPTH) return false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item === "object" && item !== null) return true;
  }
  return false;
}

/**
 * `JSON.stringify(value, null, 2)` as it sits `indent` deep (a multiple of two spaces): the
 * value is printed inside as many one-item arrays, which the engine indents itself, and cut out
 * of them. Moving a printed block right line by line costs a second pass over every byte.
 */
function nativePretty(value: object, indent: string): string {
  if (indent === "") return JSON.stringify(value, null, 2);
  let wrapped: unknown = value;
  for (let i = 0; i < indent.length; i += 2) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // "[\n  [\n    " before the value, "\n  ]\n]" after it, for an indent of four spaces.
  let before = 0;
  let after = 0;
  for (let i = 2; i <= indent.length; i += 2) {
    before += 2 + i;
    after += i;
  }
  return text.slice(before, text.length - after);
}

/** What one run's printing keeps (see RunContext). */
class JsonPrinter {
  readonly #run: RunContext;
  readonly #keyOrder: KeyOrder;
  /** Option names recur in every peer entry; their printed form (with the colon) is kept. */
  readonly #keys = new Map<string, string>();
  /** The same after a comma, as every key but an object's first is printed. */
  readonly #laterKeys = new Map<string, string>();
  /** Printed shared subtrees (see RunContext.shareSubtree): compact, and by the indent printed at. */
  readonly #compactShared = new WeakMap<object, string>();
  readonly #prettyShared = new WeakMap<object, { indent: string; text: string }>();

  constructor(run: RunContext) {
    this.#run = run;
    this.#keyOrder = run.share("order", () => new KeyOrder());
  }

  #key(key: string): string {
    let printed = this.#keys.get(key);
    if (printed === undefined) {
      printed = `${jsonString(key)}:`;
      this.#keys.set(key, printed);
    }
    return printed;
  }

  #laterKey(key: string): string {
    let printed = this.#laterKeys.get(key);
    if (printed === undefined) {
      printed = `,${this.#key(key)}`;
      this.#laterKeys.set(key, printed);
    }
    return printed;
  }

  /**
   * Whether JSON.stringify prints `value` as we must: every object plain, with its set keys
   * enumerated in Nix order and no null values; no null, undefined or hole in an array; no
   * value JSON.stringify would drop or reject (functions, bigints, symbols). Each object or
   * array that is not printable so is added to `own`, so the printer knows where to take over.
   */
  #markOwnPrinting(value: object, own: Set<object>): boolean {
    let native = true;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (item === null || item === undefined || !this.#printsNatively(item, own)) native = false;
      }
    } else {
      if (!isPlainObject(value)) native = false;
      let previous: string | undefined;
      const object = value as Record<string, unknown>;
      for (const key in object) {
        const item = object[key];
        if (item === undefined) continue;
        if (item === null || !this.#printsNatively(item, own)) native = false;
        if (previous !== undefined && compareNames(previous, key) > 0) native = false;
        previous = key;
      }
    }
    if (!native) own.add(value);
    return native;
  }

  /** A value other than null and undefined, checked as `#markOwnPrinting` says. */
  #printsNatively(value: unknown, own: Set<object>): boolean {
    switch (typeof value) {
      case "string":
      case "number":
      case "boolean":
        return true;
      case "object":
        // A subtree many hosts share is printed once, by us, and its text reused.
        return !this.#run.isShared(value as object) && this.#markOwnPrinting(value as object, own);
      default:
        return false;
    }
  }

  /** A whole tree (or shared subtree): natively where it can be, by us where it must. */
  compactTree(tree: object): string {
    const own = new Set<object>();
    if (this.#markOwnPrinting(tree, own)) return JSON.stringify(tree);
    const text = new TextCollector();
    this.#compactOwn(tree, own, text);
    return text.text;
  }

  /** `compactTree` of a tree too large to be one string: printed into `sink` in pieces. */
  compactTreeTo(tree: object, sink: TextSink): void {
    const own = new Set<object>();
    if (this.#markOwnPrinting(tree, own)) sink.write(JSON.stringify(tree));
    else this.#compactOwn(tree, own, sink);
  }

  /** One value at `indent`, as it prints inside an indented object or array. */
  pretty(value: ConfigValue, indent: string): string {
    if (value === null || value === undefined || typeof value !== "object")
      return this.compact(value, NO_OBJECTS);
    if (this.#run.isShared(value)) return this.#pretty(value, indent, NO_OBJECTS);
    return this.prettyTree(value, indent);
  }

  prettyTree(tree: object, indent: string): string {
    const own = new Set<object>();
    if (this.#markOwnPrinting(tree, own)) return nativePretty(tree, indent);
    return this.#prettyOwn(tree, indent, own);
  }

  compact(value: ConfigValue, own: ReadonlySet<object>): string {
    switch (typeof value) {
      case "string":
        return jsonString(value);
      case "number":
        return Number.isFinite(value) ? String(value) : "null";
      case "boolean":
        return value ? "true" : "false";
      case "object":
        break;
      default:
        return "null";
    }
    if (value === null) return "null";
    if (this.#run.isShared(value)) {
      let text = this.#compactShared.get(value);
      if (text === undefined) {
        text = flat(this.compactTree(value));
        this.#compactShared.set(value, text);
      }
      return text;
    }
    if (!own.has(value)) return JSON.stringify(value);
    const text = new TextCollector();
    this.#compactOwn(value, own, text);
    return text.text;
  }

  /** `compact` into `sink`: what the printer prints itself goes there a piece at a time. */
  #compactTo(value: ConfigValue, own: ReadonlySet<object>, sink: TextSink): void {
    if (typeof value === "object" && value !== null && own.has(value))
      this.#compactOwn(value, own, sink);
    else sink.write(this.compact(value, own));
  }

  /** An object or array that JSON.stringify cannot print as we must. */
  #compactOwn(value: object, own: ReadonlySet<object>, sink: TextSink): void {
    if (Array.isArray(value)) {
      let separator = "[";
      for (const item of value) {
        if (item === null || item === undefined) continue;
        sink.write(separator);
        this.#compactTo(item, own, sink);
        separator = ",";
      }
      sink.write(separator === "[" ? "[]" : "]");
      return;
    }
    const tree = value as ConfigTree;
    let first = true;
    for (const key of this.#keyOrder.sortedKeys(tree)) {
      const item = tree[key];
      if (item === null || item === undefined) continue;
      sink.write(first ? `{${this.#key(key)}` : this.#laterKey(key));
      this.#compactTo(item, own, sink);
      first = false;
    }
    sink.write(first ? "{}" : "}");
  }

  /**
   * `pretty(value, indent)` in pieces (the same bytes): an object or array of more than
   * `SPLIT_ENTRIES` entries, or one that holds objects within `SPLIT_DEPTH` levels of the top,
   * is printed an entry at a time. A peer of a 1000-peer mesh in `inspect`
   * is half a megabyte of indented JSON; printed whole, by one JSON.stringify, it is a string
   * in V8's large-object space (fresh memory each) and costs twice as much per byte as its
   * thousand links printed one by one.
   */
  *prettyChunks(value: ConfigValue, indent: string, depth = 0): Generator<string> {
    if (
      value === null ||
      typeof value !== "object" ||
      this.#run.isShared(value) ||
      !splits(value, depth)
    ) {
      yield this.pretty(value, indent);
      return;
    }
    const inner = `${indent}  `;
    let separator = "";
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item === null || item === undefined) continue;
        yield `${separator === "" ? "[\n" : separator}${inner}`;
        yield* this.prettyChunks(item, inner, depth + 1);
        separator = ",\n";
      }
      yield separator === "" ? "[]" : `\n${indent}]`;
      return;
    }
    const tree = value as ConfigTree;
    for (const key of this.#keyOrder.sortedKeys(tree)) {
      const item = tree[key];
      if (item === null || item === undefined) continue;
      yield `${separator === "" ? "{\n" : separator}${inner}${this.#key(key)} `;
      yield* this.prettyChunks(item, inner, depth + 1);
      separator = ",\n";
    }
    yield separator === "" ? "{}" : `\n${indent}}`;
  }

  #pretty(value: ConfigValue, indent: string, own: ReadonlySet<object>): string {
    if (value === null || value === undefined || typeof value !== "object")
      return this.compact(value, own);
    if (this.#run.isShared(value)) {
      const printed = this.#prettyShared.get(value);
      if (printed?.indent === indent) return printed.text;
      const text = flat(this.prettyTree(value, indent));
      this.#prettyShared.set(value, { indent, text });
      return text;
    }
    if (!own.has(value)) return nativePretty(value, indent);
    return this.#prettyOwn(value, indent, own);
  }

  #prettyOwn(value: object, indent: string, own: ReadonlySet<object>): string {
    const inner = `${indent}  `;
    let out = "";
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item === null || item === undefined) continue;
        out += `${out === "" ? "[\n" : ",\n"}${inner}${this.#pretty(item, inner, own)}`;
      }
      return out === "" ? "[]" : `${out}\n${indent}]`;
    }
    const tree = value as ConfigTree;
    for (const key of this.#keyOrder.sortedKeys(tree)) {
      const item = tree[key];
      if (item === null || item === undefined) continue;
      out += `${out === "" ? "{\n" : ",\n"}${inner}${this.#key(key)} ${this.#pretty(item, inner, own)}`;
    }
    return out === "" ? "{}" : `${out}\n${indent}}`;
  }
}

function printer(run: RunContext): JsonPrinter {
  return run.share("emit/json", () => new JsonPrinter(run));
}

/**
 * Compact JSON of one value. Printing several values of one run with its context prints what
 * they share once.
 */
export function toJson(value: ConfigValue, run: RunContext = new RunContext()): string {
  if (typeof value !== "object" || value === null) return printer(run).compact(value, NO_OBJECTS);
  return printer(run).compactTree(value);
}

/** `toJson` into `sink`, a piece at a time: for outputs too large to be one string. */
export function writeJson(value: ConfigValue, sink: TextSink, run: RunContext): void {
  if (typeof value !== "object" || value === null)
    sink.write(printer(run).compact(value, NO_OBJECTS));
  else printer(run).compactTreeTo(value, sink);
}

/** Indented JSON of one value, for files people read and review. */
export function toPrettyJson(value: ConfigValue, run: RunContext = new RunContext()): string {
  if (typeof value !== "object" || value === null) return printer(run).compact(value, NO_OBJECTS);
  return printer(run).prettyTree(value, "");
}

/** `toPrettyJson` in pieces (the same text joined; see `prettyChunks`), for a file too big to be one string cheaply. */
export function toPrettyJsonPieces(
  value: ConfigValue,
  run: RunContext = new RunContext(),
): string[] {
  if (typeof value !== "object" || value === null) return [toPrettyJson(value, run)];
  return [...printer(run).prettyChunks(value, "")];
}

/**
 * Indented JSON of `tree` with one more member, `key`, an object too large to print at once:
 * its entries (in Nix order, each made only when its turn comes) are printed one at a time as
 * the chunks are taken. The same bytes as `toPrettyJson` of the whole object.
 */
export function* prettyJsonChunks(
  tree: ConfigTree,
  key: string,
  entries: Iterable<() => readonly [string, ConfigValue]>,
  run: RunContext = new RunContext(),
): Generator<string> {
  const print = printer(run);
  const keys = Object.keys(tree).filter((k) => tree[k] !== null && tree[k] !== undefined);
  keys.push(key);
  keys.sort(compareNames);
  let separator = "{\n";
  for (const k of keys) {
    if (k !== key) {
      yield `${separator}  ${jsonString(k)}: ${print.pretty(tree[k], "  ")}`;
      separator = ",\n";
      continue;
    }
    yield `${separator}  ${jsonString(k)}: `;
    separator = ",\n";
    let inner = "{\n";
    for (const entry of entries) {
      const [name, value] = entry();
      if (value === null || value === undefined) continue;
      yield `${inner}    ${jsonString(name)}: `;
      yield* print.prettyChunks(value, "    ");
      inner = ",\n";
    }
    yield inner === "{\n" ? "{}" : "\n  }";
  }
  yield separator === "{\n" ? "{}" : "\n}";
}
