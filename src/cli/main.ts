/**
 * The command line, callable in-process: `cli(argv, io)` resolves to the exit code. Only this
 * layer prints and decides exit codes.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { checkCommand } from "./check.js";
import { explainCommand } from "./explain.js";
import { generateCommand } from "./generate.js";
import { graphCommand } from "./graph.js";
import { inspectCommand } from "./inspect.js";
import { type CliIO, EXIT_USAGE, UsageError } from "./io.js";
import { keysCommand } from "./keys.js";
import { qrCommand } from "./qr.js";

function version(): string {
  const pkg = JSON.parse(
    readFileSync(new URL("../../../package.json", import.meta.url), "utf8"),
  ) as { version: string };
  return pkg.version;
}

/** Runs the CLI with `argv` (without the node and script names). */
export async function cli(argv: readonly string[], io: CliIO): Promise<number> {
  let code = 0;
  const done = (c: number) => {
    code = c;
  };
  const program = new Command("wirenix")
    .description("WireGuard networks from one ACL: the configuration of every machine")
    .version(version(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  for (const make of [
    generateCommand,
    inspectCommand,
    checkCommand,
    explainCommand,
    graphCommand,
    keysCommand,
    qrCommand,
  ]) {
    const command = make(io, done);
    command
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    command.showHelpAfterError("(run with --help for usage)");
    program.addCommand(command);
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`wirenix: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      )
        return 0;
      if (error.code === "commander.executeSubCommandAsync") return 0;
      return EXIT_USAGE;
    }
    throw error;
  }
  return code;
}
