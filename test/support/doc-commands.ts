/**
 * The `wirenix …` commands the documentation shows, found in the text itself so that a command
 * added to a page is tested without anyone listing it: the lines of fenced code blocks
 * (`wirenix …` or `$ wirenix …`, with `\` continuations, and the output a `$` line shows under
 * it), and the `wirenix …` spans in the comment at the head of each bundled example.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One command as the docs show it (a `wirenix` one or a setup step), and what it prints. */
export interface DocCommand {
  /** The command line as written (continuations joined), `wirenix` first. */
  line: string;
  /** The lines shown under a `$ ` command as its output (standard output and error). */
  shown?: string[];
  /** Shown output that ends in `...`: the command prints more than is shown. */
  elided?: boolean;
}

/** The commands of one code block (or one example's header), run in order in one directory. */
export interface DocBlock {
  /** `README.md:47`: the file and the line the block starts on. */
  where: string;
  commands: DocCommand[];
}

/** Usage text, not a command: `[--flag]`, `a|b`, `...`, or a placeholder in capitals. */
export function isUsage(line: string): boolean {
  const words = (line.split(" #")[0] ?? "").trim().split(/\s+/);
  return words.some((w) => /[[\]|]|\.\.\./.test(w) || /^[A-Z][A-Z_]*$/.test(w));
}

const COMMAND = /^(\$ )?wirenix (-|[a-z])/;
/**
 * The steps a block shows to make what its `wirenix` commands read (an age identity, a git
 * commit, an edited copy): run too, in order, so that the block runs as a user types it.
 */
const SETUP = /^(\$ )?(age-keygen|cp|sed|git) /;
const FENCE = /^(\s*)```(\S*)/;
/** Languages whose blocks are commands (or a session, with `$`); no language counts too. */
const SHELL = new Set(["", "sh", "bash", "shell", "console"]);

/** The blocks of commands in one Markdown file. */
export function markdownBlocks(file: string, name: string): DocBlock[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const language = open[2] ?? "";
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !FENCE.test(lines[j] ?? ""); j++)
      body.push((lines[j] ?? "").slice(indent));
    if (SHELL.has(language)) {
      const commands = blockCommands(body);
      if (commands.length > 0) blocks.push({ where: `${name}:${i + 1}`, commands });
    }
    i = j;
  }
  return blocks;
}

/** The commands of a block's lines: `wirenix` lines, and a `$` line's output under it. */
function blockCommands(body: readonly string[]): DocCommand[] {
  const commands: DocCommand[] = [];
  let current: DocCommand | undefined;
  for (let k = 0; k < body.length; k++) {
    let line = body[k] ?? "";
    const session = line.startsWith("$ ");
    if (session || COMMAND.test(line) || SETUP.test(line)) {
      while (line.endsWith("\\") && k + 1 < body.length)
        line = `${line.slice(0, -1).trimEnd()} ${(body[++k] ?? "").trim()}`;
      const text = session ? line.slice(2) : line;
      current = undefined;
      if (!(COMMAND.test(text) || SETUP.test(text)) || isUsage(text)) continue;
      current = { line: text, ...(session ? { shown: [] } : {}) };
      commands.push(current);
    } else if (current?.shown !== undefined) {
      if (line.trim() === "...") current.elided = true;
      else if (line !== "" || k + 1 < body.length) current.shown.push(line);
    }
  }
  for (const c of commands) while (c.shown?.at(-1) === "") c.shown.pop();
  return commands.some((c) => COMMAND.test(c.line)) ? commands : [];
}

/**
 * The commands in the comment at the head of an example (`#` or `//` lines): the `wirenix …`
 * spans between backticks, and comment lines that are a command. `ACL` stands for the example
 * a plugin is shown with: the home lab.
 */
export function exampleBlocks(examplesDir: string, prefix: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const files = readdirSync(examplesDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files) {
    const lines = readFileSync(file, "utf8").split("\n");
    const head: string[] = [];
    for (const line of lines) {
      const comment = /^\s*(#|\/\/) ?(.*)$/.exec(line);
      if (!comment) break;
      head.push(comment[2] ?? "");
    }
    const text = head.join("\n");
    const spans = [...text.matchAll(/`(wirenix [^`]+)`/g)].map((m) =>
      (m[1] ?? "").replace(/\s+/g, " "),
    );
    const standalone = head.map((l) => l.trim()).filter((l) => COMMAND.test(l));
    const commands = [...spans, ...standalone]
      .map((line) => line.replace(/ ACL /, " examples/homelab.yaml "))
      .filter((line) => !isUsage(line))
      .map((line) => ({ line }));
    if (commands.length > 0)
      blocks.push({ where: `${prefix}${file.slice(examplesDir.length + 1)}`, commands });
  }
  return blocks;
}

/**
 * A shown output line as a pattern: what init draws at random (an IPv6 prefix, the addresses
 * made from it) and keys made at random match any value of their shape.
 */
export function shownPattern(line: string): RegExp {
  const random = /fd[0-9a-f]{2}(?::[0-9a-f]{1,4}){2,7}|[A-Za-z0-9+/]{43}=/g;
  let pattern = "";
  let at = 0;
  for (const match of line.matchAll(random)) {
    pattern += literally(line.slice(at, match.index));
    pattern += match[0].startsWith("fd")
      ? "fd[0-9a-f]{2}(?::[0-9a-f]{1,4}){2,7}"
      : "[A-Za-z0-9+/]{43}=";
    at = match.index + match[0].length;
  }
  return new RegExp(`^${pattern}${literally(line.slice(at))}$`);
}

function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
