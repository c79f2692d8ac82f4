/**
 * Loading a user's plugin module: the one guarded place where outside code enters. The module's
 * default export is a `PluginContribution` or a function that receives the registry.
 */
import { type Stats, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Result } from "../core/diagnostics.js";
import type { PluginContribution, Registry } from "./registry.js";

/** A plugin module: what it contributes, or a function that registers it. */
export type Plugin = PluginContribution | ((registry: Registry) => PluginContribution | undefined);

/** Identity helper that gives plugin authors type checking for free. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

function shapeProblem(contribution: unknown): string | undefined {
  if (typeof contribution !== "object" || contribution === null)
    return "expected the default export to be an object { parsers?, configurers?, keyProviders? } or a function";
  const checks: [string, string, string[]][] = [
    ["parsers", "{ version, description, parse() }", ["version:string", "parse:function"]],
    ["configurers", "{ name, description, configure() }", ["name:string", "configure:function"]],
    ["keyProviders", "{ name, description, forPeer() }", ["name:string", "forPeer:function"]],
  ];
  for (const [list, shape, fields] of checks) {
    const items = (contribution as Record<string, unknown>)[list];
    if (items === undefined) continue;
    if (!Array.isArray(items)) return `${list}: expected a list of ${shape}`;
    for (const [i, item] of items.entries()) {
      for (const field of fields) {
        const [key, type] = field.split(":") as [string, string];
        if (
          typeof item !== "object" ||
          item === null ||
          typeof (item as Record<string, unknown>)[key] !== type
        )
          return `${list}[${i}]: expected ${shape} (${key} must be a ${type})`;
      }
    }
  }
  return undefined;
}

/** Imports a plugin file and registers what it contributes. */
export async function loadPlugin(registry: Registry, file: string): Promise<Result<void>> {
  const fail = (message: string): Result<void> => ({
    ok: false,
    diagnostics: [{ code: "plugin-failed", severity: "error", path: [], file, message }],
  });
  // The file itself first: Node's own message for a missing module names the module that
  // imported it, which here is an internal file of wirenix's build.
  const path = resolve(file);
  let kind: Stats;
  try {
    kind = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      `cannot load the plugin: ${code === "ENOENT" || code === "ENOTDIR" ? "no such file" : (error as Error).message}`,
    );
  }
  if (!kind.isFile())
    return fail("cannot load the plugin: not a file (give the plugin's .mjs or .js file)");
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    return fail(`cannot load the plugin: ${(error as Error).message}`);
  }
  let plugin = module.default ?? module.plugin;
  if (plugin === undefined) return fail("the plugin has no default export");
  if (typeof plugin === "function") {
    try {
      plugin = (plugin as (r: Registry) => unknown)(registry) ?? {};
    } catch (error) {
      return fail(`the plugin's setup function failed: ${(error as Error).message}`);
    }
  }
  const problem = shapeProblem(plugin);
  if (problem) return fail(problem);
  registry.register(plugin as PluginContribution);
  return { ok: true, value: undefined, warnings: [] };
}
