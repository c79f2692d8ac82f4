#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli/main.ts and can be called in-process.
// The bundle (see scripts/bundle.mjs) starts faster than the compiled modules it is made of.
import { register } from "node:module";
import { cli, processIO } from "../dist/bundle/main.js";

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
