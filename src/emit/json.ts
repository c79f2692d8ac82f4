/**
 * JSON printing of configuration data with keys in Nix order and unset values left out, so the
 * same input always gives the same bytes and matches what Nix prints for our Nix output.
 */
import type { ConfigValue } from "../config-tree.js";
import { compareNames } from "../order.js";

function orderedKeys(object: Record<string, unknown>): string[] {
  const keys = Object.keys(object);
  for (let i = 1; i < keys.length; i++)
    if (compareNames(keys[i - 1] as string, keys[i] as string) > 0) return keys.sort(compareNames);
  return keys;
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Compact JSON of one value. */
export function toJson(value: ConfigValue): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    let first = true;
    for (const item of value) {
      if (isUnset(item)) continue;
      out += first ? toJson(item) : `,${toJson(item)}`;
      first = false;
    }
    return `${out}]`;
  }
  let out = "{";
  let first = true;
  for (const key of orderedKeys(value)) {
    const item = value[key];
    if (isUnset(item)) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${toJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** Indented JSON of one value, for files people read and review. */
export function toPrettyJson(value: ConfigValue, indent = ""): string {
  if (value === null || value === undefined || typeof value !== "object") return toJson(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.filter((v) => !isUnset(v)).map((v) => `${inner}${toPrettyJson(v, inner)}`);
    return items.length === 0 ? "[]" : `[\n${items.join(",\n")}\n${indent}]`;
  }
  const entries = orderedKeys(value)
    .filter((k) => !isUnset(value[k]))
    .map((k) => `${inner}${JSON.stringify(k)}: ${toPrettyJson(value[k], inner)}`);
  return entries.length === 0 ? "{}" : `{\n${entries.join(",\n")}\n${indent}}`;
}
