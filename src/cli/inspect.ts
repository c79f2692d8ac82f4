/** `wirenix inspect`: the resolved network, to see what the ACL means. */
import { Command } from "commander";
import { networkJsonParts, networkTextChunks } from "../network/inspect.js";
import { prettyJsonChunks } from "../render/printers/json.js";
import {
  aclCommand,
  choosePeers,
  collect,
  networkWith,
  type TextOrJsonFlags,
  textOrJsonOption,
} from "./common.js";
import { type CliIO, outInChunks } from "./io.js";

interface Flags extends TextOrJsonFlags {
  peer: string[];
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  const network = await networkWith(io, acl, flags);
  const only = flags.peer.length > 0 ? choosePeers(network, acl, flags.peer) : undefined;
  if (flags.format === "json") {
    const { rest, peers } = networkJsonParts(network, only);
    outInChunks(io, prettyJsonChunks(rest, "peers", peers));
    io.out("\n");
  } else outInChunks(io, networkTextChunks(network, only));
  return 0;
}

export function inspectCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("inspect")
    .description("print the resolved network: members, addresses, links and endpoints")
    .argument("<acl>", "the ACL file")
    .addOption(textOrJsonOption())
    .option("--peer <name>", "only this peer (repeat for several)", collect, []);
  return aclCommand(command, done, (acl, flags: Flags) => run(io, acl, flags));
}
