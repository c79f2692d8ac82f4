#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli/main.ts and can be called in-process.
import { fstatSync, writeSync } from "node:fs";
import { cli } from "../dist/src/cli/main.js";

/**
 * Output redirected to a file is written with writeSync on the descriptor: the stream would
 * first copy every chunk into a Buffer, and all hosts of a large mesh are hundreds of
 * megabytes. A file takes each write whole (and then the stream is never even created, which
 * saves loading its modules at start-up); anything else goes through the stream.
 */
function stdoutWriter() {
  let isFile = false;
  try {
    isFile = fstatSync(1).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) return writeToFile;
  process.stdout.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  return (text) => process.stdout.write(text);
}

function writeToFile(text) {
  const written = writeSync(1, text);
  if (written === Buffer.byteLength(text)) return;
  // A short write (a signal, a full disk): write the rest until done or an error is thrown.
  let rest = Buffer.from(text).subarray(written);
  while (rest.length > 0) rest = rest.subarray(writeSync(1, rest));
}

try {
  process.exitCode = await cli(process.argv.slice(2), {
    out: stdoutWriter(),
    err: (text) => process.stderr.write(text),
  });
} catch (error) {
  process.stderr.write(
    `wirenix: internal error (a bug in wirenix, please report it): ${error?.stack ?? error}\n`,
  );
  process.exitCode = 70;
}
