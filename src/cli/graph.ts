/** `wirenix graph`: the network as a picture (DOT, Mermaid, or SVG drawn by Graphviz). */
import { Command, Option } from "commander";
import { toDot } from "../emit/graph-dot.js";
import { toMermaid } from "../emit/graph-mermaid.js";
import { toSvg } from "../emit/graph-svg.js";
import { networkGraph } from "../network/graph.js";
import { writeFileAtomic } from "../output.js";
import { printable } from "../printable.js";
import {
  aclLimits,
  collect,
  type LimitFlags,
  networkOf,
  registryWith,
  withAclLimits,
} from "./common.js";
import { rethrowExit } from "./generate.js";
import type { CliIO } from "./io.js";

interface Flags extends LimitFlags {
  format: "dot" | "mermaid" | "svg";
  out?: string;
  plugin: string[];
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  const registry = await registryWith(io, flags.plugin);
  const network = networkOf(io, acl, registry, aclLimits(flags));
  const graph = networkGraph(network);
  const drawn =
    flags.format === "svg"
      ? await toSvg(graph)
      : flags.format === "mermaid"
        ? toMermaid(graph)
        : toDot(graph);
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
      new Option("--format <format>", "dot, mermaid, or svg (laid out by Graphviz)")
        .choices(["dot", "mermaid", "svg"])
        .default("dot"),
    )
    .option("--out <file>", "write to this file instead of standard output")
    .option("--plugin <file>", "load a plugin module (repeat for several)", collect, [])
    .action(async (acl: string, flags: Flags) => {
      done(await run(io, acl, flags).catch(rethrowExit));
    });
  return withAclLimits(command);
}
