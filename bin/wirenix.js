#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli/main.ts and can be called in-process.
import { fstatSync } from "node:fs";
// The bundle (see scripts/bundle.mjs) starts faster than the compiled modules it is made of.
import { cli } from "../dist/bundle/main.js";

/** Standard output as a file descriptor when it is a regular file (see CliIO.outFile). */
function stdoutFile() {
  try {
    return fstatSync(1).isFile() ? 1 : undefined;
  } catch {
    return undefined;
  }
}

process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

try {
  process.exitCode = await cli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    outFile: stdoutFile(),
    outTerminal: process.stdout.isTTY === true,
  });
} catch (error) {
  process.stderr.write(
    `wirenix: internal error (a bug in wirenix, please report it): ${error?.stack ?? error}\n`,
  );
  process.exitCode = 70;
}
