/** `wirenix inspect`: the resolved network, to see what the ACL means. */
import { Command, Option } from "commander";
import { toPrettyJson } from "../emit/json.js";
import { networkData, networkText } from "../network/inspect.js";
import {
  aclLimits,
  choosePeers,
  collect,
  type LimitFlags,
  networkOf,
  registryWith,
  rethrowExit,
  withAclLimits,
} from "./common.js";
import type { CliIO } from "./io.js";

interface Flags extends LimitFlags {
  format: "text" | "json";
  peer: string[];
  plugin: string[];
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  const registry = await registryWith(io, flags.plugin);
  const network = networkOf(io, acl, registry, aclLimits(flags));
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
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .option("--peer <name>", "only this peer (repeat for several)", collect, [])
    .option("--plugin <file>", "load a plugin module (repeat for several)", collect, [])
    .action(async (acl: string, flags: Flags) => {
      done(await run(io, acl, flags).catch(rethrowExit));
    });
  return withAclLimits(command);
}
