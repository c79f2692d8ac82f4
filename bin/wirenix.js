#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli/main.ts and can be called in-process.
// The bundle (see scripts/bundle.mjs) starts faster than the compiled modules it is made of.
// It is built, not committed: in a checkout where nobody ran `npm ci` (or `npm run build`)
// yet, or whose dependencies are gone, say so in one line instead of Node's stack trace.
import { existsSync } from "node:fs";
import { register } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const bundle = new URL("../dist/bundle/main.js", import.meta.url);
const checkout = dirname(dirname(fileURLToPath(import.meta.url)));

/** What is missing for the CLI to run, or undefined when it can start. */
function notReady(error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") return undefined;
  const dependencies = existsSync(new URL("../node_modules", import.meta.url));
  return existsSync(bundle) && dependencies
    ? `a module is missing (${error.message.split("\n")[0]}); run \`npm ci\` in ${checkout} again`
    : `wirenix is not built yet: run \`npm ci\` in ${checkout} (it installs the dependencies and builds dist/)`;
}

let cli;
let processIO;
try {
  ({ cli, processIO } = await import(bundle.href));
} catch (error) {
  const missing = notReady(error);
  if (missing === undefined) throw error;
  process.stderr.write(`wirenix: error: ${missing}\n`);
  process.exit(1);
}

// A plugin imports "wirenix" wherever it is on disk: these hooks resolve it to this wirenix's
// library (see src/app/plugin-hooks.ts). Registered only for runs with plugins, since the hooks
// run in a thread of their own that every other run would pay to start.
if (process.argv.some((arg) => arg === "--plugin" || arg.startsWith("--plugin=")))
  register("../dist/src/app/plugin-hooks.js", import.meta.url);

try {
  process.exitCode = await cli(process.argv.slice(2), processIO());
} catch (error) {
  process.stderr.write(
    `wirenix: internal error (a bug in wirenix, please report it): ${error?.stack ?? error}\n`,
  );
  process.exitCode = 70;
}
