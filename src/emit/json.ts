/**
 * JSON printing of configuration data with keys in Nix order and unset values left out, so the
 * same input always gives the same bytes and matches what Nix prints for our Nix output.
 *
 * All hosts of a 1000-peer mesh are a million peer entries, so this printer is written for
 * speed. Configurers build their objects with keys already in Nix order; such a subtree, free
 * of nulls, prints exactly as the engine's JSON.stringify prints it (which leaves out undefined
 * values itself), and that native call is many times faster than printing in JavaScript. One
 * walk finds the subtrees that are not like that; only those are printed here.
 */
import { type ConfigTree, type ConfigValue, isSharedSubtree } from "../config-tree.js";
import { flat } from "../memo.js";
import { compareNames, hasKeysInOrder, sortedKeys } from "../order.js";

/** Printable ASCII without `"` and `\`: what JSON.stringify would only put in quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, without the call for the plain ASCII of nearly every value. */
export function jsonString(text: string): string {
  return text.length <= 128 && PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** Option names recur in every peer entry; their printed form (with the colon) is kept. */
const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 4096;

function jsonKey(key: string): string {
  let printed = keyCache.get(key);
  if (printed === undefined) {
    printed = `${jsonString(key)}:`;
    if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(key, printed);
  }
  return printed;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Whether JSON.stringify prints `value` as we must: every object plain, with its set keys
 * enumerated in Nix order and no null values; no null, undefined or hole in an array; no value
 * JSON.stringify would drop or reject (functions, bigints, symbols). Each object or array that
 * is not printable so is added to `own`, so the printer knows where to take over.
 */
function markOwnPrinting(value: object, own: Set<object>): boolean {
  let native = true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === null || item === undefined || !printsNatively(item, own)) native = false;
    }
  } else {
    if (!isPlainObject(value)) native = false;
    const ordered = hasKeysInOrder(value);
    let previous: string | undefined;
    const object = value as Record<string, unknown>;
    for (const key in object) {
      const item = object[key];
      if (item === undefined) continue;
      if (item === null || !printsNatively(item, own)) native = false;
      if (!ordered && previous !== undefined && compareNames(previous, key) > 0) native = false;
      previous = key;
    }
  }
  if (!native) own.add(value);
  return native;
}

/** A value other than null and undefined, checked as `markOwnPrinting` says. */
function printsNatively(value: unknown, own: Set<object>): boolean {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object":
      // A subtree many hosts share is printed once, by us, and its text reused.
      return !isSharedSubtree(value as object) && markOwnPrinting(value as object, own);
    default:
      return false;
  }
}

/** Printed shared subtrees (see shareSubtree): compact, and indented by the indent printed at. */
const compactShared = new WeakMap<object, string>();
const prettyShared = new WeakMap<object, { indent: string; text: string }>();

/** Compact JSON of one value. */
export function toJson(value: ConfigValue): string {
  if (typeof value !== "object" || value === null) return compact(value, NO_OBJECTS);
  return compactTree(value);
}

/** Indented JSON of one value, for files people read and review. */
export function toPrettyJson(value: ConfigValue): string {
  if (typeof value !== "object" || value === null) return compact(value, NO_OBJECTS);
  return prettyTree(value, "");
}

const NO_OBJECTS: ReadonlySet<object> = new Set();

/** A whole tree (or shared subtree): natively where it can be, by us where it must. */
function compactTree(tree: object): string {
  const own = new Set<object>();
  return markOwnPrinting(tree, own) ? JSON.stringify(tree) : compactOwn(tree, own);
}

function prettyTree(tree: object, indent: string): string {
  const own = new Set<object>();
  if (markOwnPrinting(tree, own)) return indentLines(JSON.stringify(tree, null, 2), indent);
  return prettyOwn(tree, indent, own);
}

function compact(value: ConfigValue, own: ReadonlySet<object>): string {
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
  if (isSharedSubtree(value)) {
    let text = compactShared.get(value);
    if (text === undefined) {
      text = flat(compactTree(value));
      compactShared.set(value, text);
    }
    return text;
  }
  return own.has(value) ? compactOwn(value, own) : JSON.stringify(value);
}

/** An object or array that JSON.stringify cannot print as we must. */
function compactOwn(value: object, own: ReadonlySet<object>): string {
  let out: string;
  let separator = "";
  if (Array.isArray(value)) {
    out = "[";
    for (const item of value) {
      if (item === null || item === undefined) continue;
      out += separator + compact(item, own);
      separator = ",";
    }
    return `${out}]`;
  }
  const tree = value as ConfigTree;
  out = "{";
  for (const key of sortedKeys(tree)) {
    const item = tree[key];
    if (item === null || item === undefined) continue;
    out += separator + jsonKey(key) + compact(item, own);
    separator = ",";
  }
  return `${out}}`;
}

function pretty(value: ConfigValue, indent: string, own: ReadonlySet<object>): string {
  if (value === null || value === undefined || typeof value !== "object")
    return compact(value, own);
  if (isSharedSubtree(value)) {
    const printed = prettyShared.get(value);
    if (printed?.indent === indent) return printed.text;
    const text = flat(prettyTree(value, indent));
    prettyShared.set(value, { indent, text });
    return text;
  }
  if (!own.has(value)) return indentLines(JSON.stringify(value, null, 2), indent);
  return prettyOwn(value, indent, own);
}

function prettyOwn(value: object, indent: string, own: ReadonlySet<object>): string {
  const inner = `${indent}  `;
  let out = "";
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item === null || item === undefined) continue;
      out += `${out === "" ? "[\n" : ",\n"}${inner}${pretty(item, inner, own)}`;
    }
    return out === "" ? "[]" : `${out}\n${indent}]`;
  }
  const tree = value as ConfigTree;
  for (const key of sortedKeys(tree)) {
    const item = tree[key];
    if (item === null || item === undefined) continue;
    out += `${out === "" ? "{\n" : ",\n"}${inner}${jsonKey(key)} ${pretty(item, inner, own)}`;
  }
  return out === "" ? "{}" : `${out}\n${indent}}`;
}

/** A nested block printed at the top level, moved right to where it sits. */
function indentLines(text: string, indent: string): string {
  return indent === "" ? text : text.replaceAll("\n", `\n${indent}`);
}
