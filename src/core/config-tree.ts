/**
 * The plain data a configurer produces: shaped like the NixOS option tree, printable as JSON or
 * Nix. `undefined` and `null` mean "not set" and are left out when printed.
 */
export type ConfigValue = string | number | boolean | null | undefined | ConfigValue[] | ConfigTree;
export interface ConfigTree {
  [key: string]: ConfigValue;
}

export function isConfigTree(value: unknown): value is ConfigTree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Merges configurations as the NixOS module system merges definitions of one option: attribute
 * sets recursively, lists concatenated, equal scalars kept; differing scalars are a conflict,
 * reported with the dotted option path.
 */
export function mergeConfigs(
  left: ConfigTree,
  right: ConfigTree,
  conflict: (path: string[], a: ConfigValue, b: ConfigValue) => void,
  path: string[] = [],
): ConfigTree {
  const out: ConfigTree = { ...left };
  for (const [key, value] of Object.entries(right)) {
    const existing = out[key];
    if (existing === undefined || existing === null) out[key] = value;
    else if (value === undefined || value === null) continue;
    else if (isConfigTree(existing) && isConfigTree(value))
      out[key] = mergeConfigs(existing, value, conflict, [...path, key]);
    else if (Array.isArray(existing) && Array.isArray(value)) out[key] = [...existing, ...value];
    else if (existing !== value) conflict([...path, key], existing, value);
  }
  return out;
}
