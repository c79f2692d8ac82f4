/** The modules a TypeScript source imports, for tests of the layering between folders. */
import { readdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

const SPECIFIER =
  /(?:\bimport\s*(?:type\s+)?(?:[^'"`;]*?\bfrom\s*)?|\bexport\s*(?:type\s+)?[^'"`;]*?\bfrom\s*|\bimport\s*\(\s*)["']([^"']+)["']/g;

/** Every relative module `source` (the text of `file`) imports or re-exports, as a path. */
export function importedPaths(file: string, source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(SPECIFIER)) {
    const specifier = m[1] ?? "";
    if (specifier.startsWith(".")) found.push(join(dirname(file), specifier));
  }
  return found;
}

/** Whether `path` lies in the folder `dir` (both relative to the same root). */
export function isUnder(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep);
}

/** Every TypeScript file under `dir`, as a path that starts with `dir`. */
export function* typeScriptFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typeScriptFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}
