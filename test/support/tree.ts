/**
 * A directory tree as data, for asserting that a refused command touched nothing: every path
 * with its kind, its full mode (directories too, and setuid/sticky bits) and its content or link
 * target.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** Every path under `dir` (`.` is `dir` itself) with its kind, mode and content or link target. */
export function treeSnapshot(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (rel: string) => {
    const path = join(dir, rel);
    const stat = lstatSync(path);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isSymbolicLink()) tree[rel] = `link ${readlinkSync(path)}`;
    else if (stat.isDirectory()) {
      tree[rel] = `dir ${mode}`;
      for (const name of readdirSync(path)) walk(rel === "." ? name : `${rel}/${name}`);
    } else tree[rel] = `file ${mode} ${readFileSync(path, "utf8")}`;
  };
  walk(".");
  return tree;
}
