/** `wirenix graph`: the network as a picture (DOT, Mermaid, or SVG drawn by Graphviz). */
import { extname } from "node:path";
import { Command, Option } from "commander";
import { drawGraph, type GraphFormat } from "../app/graph.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { DETAIL_LIMIT, graphOf } from "../render/graph/graph.js";
import { layoutEngine } from "../render/graph/svg.js";
import { aclCommand, type NetworkFlags, networkWith } from "./common.js";
import { type CliIO, UsageError } from "./io.js";
import { shellCommand } from "./shell-word.js";

type Format = GraphFormat;

interface Flags extends NetworkFlags {
  format?: string;
  out?: string;
  detail?: boolean;
}

const EXTENSIONS: Record<string, Format> = {
  ".dot": "dot",
  ".gv": "dot",
  ".mmd": "mermaid",
  ".mermaid": "mermaid",
  ".svg": "svg",
};

/**
 * Raster formats Graphviz's own `dot` draws: no library draws them from Node without native
 * code or fonts of its own, so the user is shown the one pipe that does.
 */
const RASTER: ReadonlySet<string> = new Set(["png", "jpg", "jpeg", "gif", "bmp", "webp", "pdf"]);

function rasterHint(acl: string, format: string, written: string, file?: string): UsageError {
  const out = file ?? `net.${format}`;
  const pipe = `${shellCommand(["wirenix", "graph", acl, "--format", "dot"])} | ${shellCommand(["dot", `-T${format}`, "-o", out])}`;
  return new UsageError(
    `${written}: wirenix draws dot, mermaid and svg; for ${format.toUpperCase()}, let Graphviz draw it: ${pipe}`,
  );
}

/** `--format`, else the format of the `--out` file's extension, else DOT. */
function formatOf(acl: string, flags: Flags): Format {
  if (flags.format !== undefined) {
    const wanted = flags.format.toLowerCase();
    if (RASTER.has(wanted)) throw rasterHint(acl, wanted, `--format ${flags.format}`, flags.out);
    if (wanted !== "dot" && wanted !== "mermaid" && wanted !== "svg")
      throw new UsageError(
        `--format ${JSON.stringify(flags.format)}: expected dot, mermaid or svg`,
      );
    return wanted;
  }
  if (flags.out === undefined) return "dot";
  const extension = extname(flags.out).toLowerCase();
  if (RASTER.has(extension.slice(1)))
    throw rasterHint(acl, extension.slice(1), `--out ${flags.out}`, flags.out);
  const format = EXTENSIONS[extension];
  if (format === undefined)
    throw new UsageError(
      `--out ${flags.out}: cannot tell the format from the extension (.dot, .gv, .mmd, .mermaid, .svg); give --format`,
    );
  return format;
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  const format = formatOf(acl, flags);
  const network = await networkWith(io, acl, flags);
  let shown = -1;
  const graph = graphOf(network, {
    detail: flags.detail === true,
    // Every tenth of the peers, for a picture that may take minutes.
    progress: (done, of) => {
      const tenth = Math.floor((done * 10) / Math.max(1, of));
      if (of <= DETAIL_LIMIT.peers || tenth === shown) return;
      shown = tenth;
      io.err(`wirenix: graph: links of ${done} of ${of} peers resolved\n`);
    },
  });
  if (graph.summary)
    io.err(
      `wirenix: graph: ${graph.summary.peers} peers and ${graph.summary.links} links are more than a readable picture (${DETAIL_LIMIT.peers} peers, ${DETAIL_LIMIT.links} links): peers on the same subnets are drawn as one node with their count, links between them as one edge (--detail draws every peer)\n`,
    );
  else if (format === "svg" && graph.nodes.length > DETAIL_LIMIT.peers)
    io.err(
      `wirenix: graph: laying out ${graph.nodes.length} peers and ${graph.edges.length} links with Graphviz ${layoutEngine(graph.edges.length)}; this can take minutes\n`,
    );
  const text = await drawGraph(graph, format);
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
        "the drawing's format (svg: laid out by Graphviz); default: from the --out extension, else dot",
      )
        .choices(["dot", "mermaid", "svg"])
        // Checked in `formatOf` instead, which answers a raster format with the pipe to dot.
        .argParser((value: string) => value),
    )
    .option("--out <file>", "write to this file instead of standard output")
    .option(
      "--detail",
      `draw every peer even above ${DETAIL_LIMIT.peers} peers or ${DETAIL_LIMIT.links} links (where peers on the same subnets are otherwise one node), with progress on standard error`,
    );
  return aclCommand(command, done, (acl, flags: Flags) => run(io, acl, flags));
}
