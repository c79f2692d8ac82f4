/**
 * The command line, callable in-process: `cli(argv, io)` resolves to the exit code. Only this
 * layer prints and decides exit codes.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { optionProblem } from "../core/diagnostics.js";
import { closestName } from "../core/did-you-mean.js";
import { printable } from "../core/printable.js";
import { describeFileError, WriteError, WriteRefusal } from "../io/atomic-write.js";
import { LockError } from "../io/dir-lock.js";
import {
  type CliIO,
  colourLabels,
  EXIT_INVALID,
  EXIT_USAGE,
  printDiagnostics,
  printError,
  UsageError,
  withCliOutput,
} from "./io.js";

export { processIO } from "./process-io.js";

type MakeCommand = (io: CliIO, done: (code: number) => void) => Command;

/**
 * Every command, loaded on demand: a run of one command loads only that command's code, which
 * is most of the start-up time a small network costs.
 */
const COMMANDS: Record<string, () => Promise<MakeCommand>> = {
  generate: async () => (await import("./generate.js")).generateCommand,
  inspect: async () => (await import("./inspect.js")).inspectCommand,
  check: async () => (await import("./check.js")).checkCommand,
  explain: async () => (await import("./explain.js")).explainCommand,
  graph: async () => (await import("./graph.js")).graphCommand,
  diff: async () => (await import("./diff.js")).diffCommand,
  report: async () => (await import("./report.js")).reportCommand,
  keys: async () => (await import("./keys.js")).keysCommand,
  qr: async () => (await import("./qr.js")).qrCommand,
  init: async () => (await import("./acl-edit.js")).initCommand,
  "add-peer": async () => (await import("./acl-edit.js")).addPeerCommand,
  "remove-peer": async () => (await import("./acl-edit.js")).removePeerCommand,
  completion: async () => (await import("./completion.js")).completionCommand,
  lab: async () => (await import("./lab.js")).labCommand,
};

/**
 * The named command alone, or all of them (for help, to suggest a mistyped name, and for
 * `completion`, which describes them all).
 */
function commandsFor(argv: readonly string[]): Promise<MakeCommand[]> {
  const first = argv[0] === "completion" ? undefined : argv[0];
  // Own keys only: `wirenix toString` is no command (nor Object's method).
  const named =
    first === undefined || !Object.hasOwn(COMMANDS, first) ? undefined : COMMANDS[first];
  return Promise.all(named ? [named()] : Object.values(COMMANDS).map((load) => load()));
}

/**
 * The version in our package.json, found by walking up from this module: the same code runs
 * compiled file by file (dist/src/cli/) and bundled (dist/bundle/).
 */
function version(): string {
  for (let dir = new URL(".", import.meta.url); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === "wirenix" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // No package.json here (or not ours): look one directory up.
    }
    const parent = new URL("..", dir);
    if (parent.href === dir.href) return "unknown";
    dir = parent;
  }
}

/** Commands whose standard output is a report, escaped like messages (see `printable`). */
const REPORTS: ReadonlySet<string> = new Set([
  "inspect",
  "check",
  "explain",
  "graph",
  "diff",
  "keys",
  "init",
  "add-peer",
  "remove-peer",
  "lab",
]);

/** Runs the CLI with `argv` (without the node and script names). */
export async function cli(argv: readonly string[], given: CliIO): Promise<number> {
  // Standard error carries only messages, and the report commands' standard output is for
  // people (or JSON about the ACL): no control character from an ACL, a plugin or an argument
  // reaches the terminal through them. A configuration (generate, qr) is printed as made.
  const safe = (text: string) => printable(text, { keepLineBreaks: true });
  const report = REPORTS.has(argv[0] ?? "");
  // Colour is added after the escaping (which would show the codes as text): the commands
  // write plain labels, and only the labels this wrapper finds are coloured.
  const colour = given.errColor ? colourLabels : (text: string) => text;
  const io: CliIO = {
    ...given,
    errColor: false,
    out: report ? (text) => given.out(safe(text)) : given.out,
    err: (text) => given.err(colour(safe(text))),
  };
  const first = argv[0];
  if (
    first !== undefined &&
    !first.startsWith("-") &&
    first !== "help" &&
    !Object.hasOwn(COMMANDS, first)
  ) {
    // Commander suggests only near misses; a command's start (`gen`) is the likelier slip.
    const meant = closestName(first, Object.keys(COMMANDS));
    if (meant !== undefined) {
      printError(
        io,
        `unknown command ${JSON.stringify(first)} (did you mean ${JSON.stringify(meant)}?)`,
      );
      io.err("(run with --help for usage)\n");
      return EXIT_USAGE;
    }
  }
  let code = 0;
  const done = (c: number) => {
    code = c;
  };
  const program = withCliOutput(io, new Command("wirenix"))
    .description("WireGuard networks from one ACL: the configuration of every machine")
    .version(version(), "-V, --version");
  for (const make of await commandsFor(argv)) program.addCommand(withCliOutput(io, make(io, done)));
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof UsageError) {
      printError(io, error.message);
      return EXIT_USAGE;
    }
    // A file that cannot be written (a full disk, a read-only directory, a link in the way) or
    // a directory another run holds, a journal or manifest no run of ours wrote, a file of
    // someone else's where ours would go: the user's to fix, said in one line.
    if (error instanceof WriteRefusal && error.option !== undefined) {
      printDiagnostics(io, [optionProblem("error", "write-failed", error.option, error.message)]);
      return EXIT_INVALID;
    }
    if (
      error instanceof WriteError ||
      error instanceof LockError ||
      error instanceof WriteRefusal
    ) {
      printError(io, error.message);
      return EXIT_INVALID;
    }
    const problem = describeFileError(error);
    if (problem !== undefined) {
      printError(io, problem);
      return EXIT_INVALID;
    }
    if (error instanceof CommanderError) {
      // Help asked for (--help, `wirenix help`) is a success; help shown because no command
      // was given (a bare `wirenix` or `wirenix keys`) is a usage error.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      if (error.code === "commander.help") return error.exitCode === 0 ? 0 : EXIT_USAGE;
      if (error.code === "commander.executeSubCommandAsync") return 0;
      return EXIT_USAGE;
    }
    throw error;
  }
  return code;
}
