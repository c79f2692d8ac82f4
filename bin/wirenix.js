#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli/main.ts and can be called in-process.
// The bundle (see scripts/bundle.mjs) starts faster than the compiled modules it is made of.
import { cli, processIO } from "../dist/bundle/main.js";

try {
  process.exitCode = await cli(process.argv.slice(2), processIO());
} catch (error) {
  process.stderr.write(
    `wirenix: internal error (a bug in wirenix, please report it): ${error?.stack ?? error}\n`,
  );
  process.exitCode = 70;
}
