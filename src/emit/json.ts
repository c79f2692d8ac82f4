/**
 * JSON printing of configuration data with keys in Nix order and unset values left out, so the
 * same input always gives the same bytes and matches what Nix prints for our Nix output.
 *
 * All hosts of a 1000-peer mesh are a million peer entries, so this printer is written for
 * speed: keys already in order are only checked, not sorted; plain ASCII strings and the
 * recurring keys skip JSON.stringify.
 */
import type { ConfigValue } from "../config-tree.js";
import { sortedKeys } from "../order.js";

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

/** Compact JSON of one value. */
export function toJson(value: ConfigValue): string {
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
  let out: string;
  let separator = "";
  if (Array.isArray(value)) {
    out = "[";
    for (const item of value) {
      if (item === null || item === undefined) continue;
      out += separator + toJson(item);
      separator = ",";
    }
    return `${out}]`;
  }
  out = "{";
  for (const key of sortedKeys(value)) {
    const item = value[key];
    if (item === null || item === undefined) continue;
    out += separator + jsonKey(key) + toJson(item);
    separator = ",";
  }
  return `${out}}`;
}

/** Indented JSON of one value, for files people read and review. */
export function toPrettyJson(value: ConfigValue, indent = ""): string {
  if (value === null || value === undefined || typeof value !== "object") return toJson(value);
  const inner = `${indent}  `;
  let out = "";
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item === null || item === undefined) continue;
      out += `${out === "" ? "[\n" : ",\n"}${inner}${toPrettyJson(item, inner)}`;
    }
    return out === "" ? "[]" : `${out}\n${indent}]`;
  }
  for (const key of sortedKeys(value)) {
    const item = value[key];
    if (item === null || item === undefined) continue;
    out += `${out === "" ? "{\n" : ",\n"}${inner}${jsonKey(key)} ${toPrettyJson(item, inner)}`;
  }
  return out === "" ? "{}" : `${out}\n${indent}}`;
}
