/**
 * `wirenix completion bash|zsh|fish`: a shell completion script, written from the program's
 * own commands and options as commander holds them, so it cannot fall behind the CLI: a new
 * command or option completes as soon as it exists.
 */
import { Command, type Option } from "commander";
import { shellQuote } from "../core/shell-quote.js";
import { type CliIO, UsageError } from "./io.js";

/** What completion needs of one command: its words, options and what its arguments are. */
interface Spec {
  name: string;
  description: string;
  options: { long: string; short?: string; value: "none" | "file" | "dir"; choices?: string[] }[];
  commands: Spec[];
}

/** Options whose value is a directory (the rest that take one are files, or free words). */
function optionValue(option: Option): "none" | "file" | "dir" {
  if (!option.required && !option.optional) return "none";
  return /dir\b|<dir>/.test(option.flags) ? "dir" : "file";
}

function specOf(command: Command): Spec {
  const options = command.options
    .filter((o) => !o.hidden && o.long !== undefined)
    .map((o) => ({
      long: o.long as string,
      ...(o.short === undefined ? {} : { short: o.short }),
      value: optionValue(o),
      ...(o.argChoices ? { choices: [...o.argChoices] } : {}),
    }));
  options.push({ long: "--help", short: "-h", value: "none" });
  return {
    name: command.name(),
    description: command.description().split(/[:;(]/)[0]?.trim() ?? "",
    options,
    commands: command.commands.filter((c) => c.name() !== "help").map(specOf),
  };
}

const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = (typeof SHELLS)[number];

/**
 * Bash: one function. It finds the command path (`keys generate`) among the words typed so
 * far, then offers that command's subcommands and options, an option's choices, a directory
 * after options that take one, and files everywhere else (the ACL, --out, --plugin).
 */
function bashScript(root: Spec): string {
  const cases: string[] = [];
  const walk = (spec: Spec, path: string) => {
    const words = [...spec.commands.map((c) => c.name), ...spec.options.map((o) => o.long)];
    const valued = spec.options.filter((o) => o.value !== "none");
    const lines = [`    ${shellQuote(path)})`, `      words=${shellQuote(words.join(" "))}`];
    for (const o of valued) {
      const flags = [o.long, ...(o.short ? [o.short] : [])].join("|");
      const action = o.choices
        ? `COMPREPLY=($(compgen -W ${shellQuote(o.choices.join(" "))} -- "$cur"))`
        : o.value === "dir"
          ? `COMPREPLY=($(compgen -d -- "$cur"))`
          : `COMPREPLY=($(compgen -f -- "$cur"))`;
      lines.push(`      case "$prev" in ${flags}) ${action}; return 0;; esac`);
    }
    lines.push(
      `      subcommands=${shellQuote(spec.commands.map((c) => c.name).join(" "))}`,
      "      ;;",
    );
    cases.push(lines.join("\n"));
    for (const c of spec.commands) walk(c, path === "" ? c.name : `${path} ${c.name}`);
  };
  walk(root, "");
  return `# wirenix completion for bash: source <(wirenix completion bash), or put it in
# ~/.local/share/bash-completion/completions/wirenix
_wirenix() {
  local cur prev path words subcommands i w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue;; esac
    case " $(_wirenix_subcommands "$path") " in
      *" $w "*) path="\${path:+$path }$w";;
    esac
  done
  case "$path" in
${cases.join("\n")}
    *) return 0;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  elif [[ -n "$subcommands" ]]; then
    COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
_wirenix_subcommands() {
  case "$1" in
${subcommandCases(root)}
  esac
}
complete -o filenames -F _wirenix wirenix
`;
}

function subcommandCases(root: Spec): string {
  const lines: string[] = [];
  const walk = (spec: Spec, path: string) => {
    lines.push(
      `    ${shellQuote(path)}) echo ${shellQuote(spec.commands.map((c) => c.name).join(" "))};;`,
    );
    for (const c of spec.commands) walk(c, path === "" ? c.name : `${path} ${c.name}`);
  };
  walk(root, "");
  return lines.join("\n");
}

/** Zsh runs the bash function through its own bashcompinit, so both complete alike. */
function zshScript(root: Spec): string {
  return `# wirenix completion for zsh: source <(wirenix completion zsh) in ~/.zshrc
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(root).replace(/^#.*\n#.*\n/, "")}`;
}

/** Fish: one `complete` line per command and option, each for the command path it is in. */
function fishScript(root: Spec): string {
  const lines = [
    "# wirenix completion for fish: wirenix completion fish > ~/.config/fish/completions/wirenix.fish",
    "complete -c wirenix -f",
  ];
  const walk = (spec: Spec, path: string[]) => {
    // In this command: every word of the path seen, and no subcommand of it yet.
    const inside = [
      ...path.map((w) => `__fish_seen_subcommand_from ${w}`),
      ...(spec.commands.length > 0
        ? [`not __fish_seen_subcommand_from ${spec.commands.map((c) => c.name).join(" ")}`]
        : []),
    ];
    // A top-level command's name may also be a subcommand's (`generate`, `keys generate`).
    if (path.length === 1) {
      const nested = root.commands.filter((c) => c.name !== path[0] && c.commands.length > 0);
      for (const n of nested) inside.push(`not __fish_seen_subcommand_from ${n.name}`);
    }
    const when = inside.length === 0 ? "__fish_use_subcommand" : inside.join("; and ");
    for (const c of spec.commands)
      lines.push(
        `complete -c wirenix -n ${shellQuote(when)} -a ${shellQuote(c.name)} -d ${shellQuote(c.description)}`,
      );
    for (const o of spec.options) {
      const parts = [`complete -c wirenix -n ${shellQuote(when)} -l ${o.long.slice(2)}`];
      if (o.short) parts.push(`-s ${o.short.slice(1)}`);
      if (o.choices) parts.push(`-x -a ${shellQuote(o.choices.join(" "))}`);
      else if (o.value === "dir") parts.push(`-x -a '(__fish_complete_directories)'`);
      else if (o.value === "file") parts.push("-r -F");
      lines.push(parts.join(" "));
    }
    // Arguments (the ACL, a peer) are files where a command takes them.
    if (spec.commands.length === 0 && path.length > 0)
      lines.push(`complete -c wirenix -n ${shellQuote(when)} -F`);
    for (const c of spec.commands) walk(c, [...path, c.name]);
  };
  walk(root, []);
  return `${lines.join("\n")}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  const root = specOf(program);
  return shell === "bash" ? bashScript(root) : shell === "zsh" ? zshScript(root) : fishScript(root);
}

export function completionCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command("completion")
    .description(
      "print a shell completion script (commands, options, their choices, files): source <(wirenix completion bash)",
    )
    .argument("<shell>", "bash, zsh or fish")
    .action((shell: string, _flags: unknown, command: Command) => {
      if (!(SHELLS as readonly string[]).includes(shell))
        throw new UsageError(`expected bash, zsh or fish, got ${JSON.stringify(shell)}`);
      const program = command.parent;
      if (program === null) throw new Error("completion runs inside the wirenix program");
      io.out(completionScript(program, shell as Shell));
      done(0);
    });
}
