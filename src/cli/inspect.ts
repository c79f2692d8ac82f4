/** `wirenix inspect`: the resolved network, to see what the ACL means. */
import { Command } from "commander";
import { networkData, networkText } from "../network/inspect.js";
import { toPrettyJson } from "../render/printers/json.js";
import {
  aclCommand,
  choosePeers,
  collect,
  networkWith,
  type TextOrJsonFlags,
  textOrJsonOption,
} from "./common.js";
import type { CliIO } from "./io.js";

interface Flags extends TextOrJsonFlags {
  peer: string[];
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  const network = await networkWith(io, acl, flags);
  const only = flags.peer.length > 0 ? choosePeers(network, acl, flags.peer) : undefined;
  const text =
    flags.format === "json"
      ? `${toPrettyJson(networkData(network, only))}\n`
      : networkText(network, only);
  io.out(text);
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
