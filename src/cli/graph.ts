/** `wirenix graph`: the network as a picture (DOT, Mermaid, or SVG drawn by Graphviz). */
import { extname } from "node:path";
import { Command, Option } from "commander";
import { printable } from "../core/printable.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { toDot } from "../render/graph/dot.js";
import { networkGraph } from "../render/graph/graph.js";
import { toMermaid } from "../render/graph/mermaid.js";
import { toSvg } from "../render/graph/svg.js";
import { aclCommand, type NetworkFlags, networkWith } from "./common.js";
import { type CliIO, UsageError } from "./io.js";

type Format = "dot" | "mermaid" | "svg";

interface Flags extends NetworkFlags {
  format?: Format;
  out?: string;
}

const EXTENSIONS: Record<string, Format> = {
  ".dot": "dot",
  ".gv": "dot",
  ".mmd": "mermaid",
  ".mermaid": "mermaid",
  ".svg": "svg",
};

/** `--format`, else the format of the `--out` file's extension, else DOT. */
function formatOf(flags: Flags): Format {
  if (flags.format !== undefined) return flags.format;
  if (flags.out === undefined) return "dot";
  const format = EXTENSIONS[extname(flags.out).toLowerCase()];
  if (format === undefined)
    throw new UsageError(
      `--out ${flags.out}: cannot tell the format from the extension (.dot, .gv, .mmd, .mermaid, .svg); give --format`,
    );
  return format;
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  const network = await networkWith(io, acl, flags);
  const graph = networkGraph(network);
  const format = formatOf(flags);
  const drawn =
    format === "svg" ? await toSvg(graph) : format === "mermaid" ? toMermaid(graph) : toDot(graph);
  // Names end up in labels; no control character reaches a terminal or an SVG (where XML
  // forbids them).
  const text = printable(drawn, { keepLineBreaks: true });
  if (flags.out === undefined) io.out(text);
  else writeFileAtomic(flags.out, text);
  return 0;
}

export function graphCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("graph")
    .description("draw the network: peers grouped by subnet, links labelled by subnet")
    .argument("<acl>", "the ACL file")
    .addOption(
      new Option(
        "--format <format>",
        "dot, mermaid, or svg (laid out by Graphviz); default: from the --out extension, else dot",
      ).choices(["dot", "mermaid", "svg"]),
    )
    .option("--out <file>", "write to this file instead of standard output");
  return aclCommand(command, done, (acl, flags: Flags) => run(io, acl, flags));
}
