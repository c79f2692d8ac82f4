/**
 * The CLI's connection to the real process: standard output and error. Output into a regular
 * file (`> file`) goes through the output module, so every byte is checked and a full disk
 * becomes one clear message with the file cut back, never a stack trace or half a file.
 */
import { fstatSync, ftruncateSync } from "node:fs";
import { isatty } from "node:tty";
import { asWriteError, descriptorName, errnoCode, writeFully } from "../io/atomic-write.js";
import { type CliIO, EXIT_INVALID } from "./io.js";

const STDOUT = 1;
const STDERR = 2;

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function wantsColour(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return isatty(fd) && env.TERM !== "dumb";
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** Writes into the regular file on `fd`, cutting it back to where it started on failure. */
function fileWriter(fd: number): (text: string) => void {
  const name = descriptorName(fd, "standard output");
  const start = fstatSync(fd).size;
  return (text) => {
    try {
      writeFully(fd, text, name);
    } catch (error) {
      const failure = asWriteError(error, name);
      try {
        ftruncateSync(fd, start);
      } catch {
        throw failure.withOutcome("what was written of it is incomplete");
      }
      throw failure.withOutcome(start === 0 ? "the file was left empty" : "the file was cut back");
    }
  };
}

/** The `CliIO` of this process. */
export function processIO(): CliIO {
  const toFile = isRegularFile(STDOUT);
  if (!toFile)
    process.stdout.on("error", (error) => {
      // The reader went away (`wirenix generate | head`): it wants no more, nothing to report.
      if (errnoCode(error) === "EPIPE") process.exit(0);
      process.stderr.write(`wirenix: error: ${asWriteError(error, "standard output").message}\n`);
      process.exit(EXIT_INVALID);
    });
  return {
    out: toFile ? fileWriter(STDOUT) : (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    ...(toFile ? { outFile: STDOUT } : {}),
    outTerminal: isatty(STDOUT),
    errTerminal: isatty(STDERR),
    errColor: wantsColour(STDERR),
  };
}
