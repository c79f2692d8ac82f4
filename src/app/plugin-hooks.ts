/**
 * Module resolution hooks for plugins (see `register` in `node:module`): a plugin anywhere on
 * disk imports `wirenix` and gets the library of the wirenix that loads it, with no
 * `npm install` or `npm link` beside the plugin, and never another version of wirenix that
 * happens to be in a `node_modules` near the plugin. bin/wirenix.js registers these hooks when
 * a `--plugin` is given.
 */

/** The library entry of this very build (dist/src/index.js). */
const LIBRARY = new URL("../index.js", import.meta.url).href;

interface ResolveContext {
  conditions: string[];
  importAttributes: Record<string, string>;
  parentURL?: string;
}

interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: (specifier: string, context: ResolveContext) => Promise<Resolved>,
): Promise<Resolved> {
  if (specifier === "wirenix") return { url: LIBRARY, format: "module", shortCircuit: true };
  return next(specifier, context);
}
