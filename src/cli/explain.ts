/** `wirenix explain`: why (or why not) two peers are linked, and what each dials. */
import { Command, Option } from "commander";
import { explainPair, explanationText } from "../check/explain.js";
import {
  aclLimits,
  checkPeerNames,
  collect,
  type LimitFlags,
  networkOf,
  registryWith,
  rethrowExit,
  withAclLimits,
} from "./common.js";
import { type CliIO, UsageError } from "./io.js";

interface Flags extends LimitFlags {
  format: "text" | "json";
  plugin: string[];
}

async function run(io: CliIO, acl: string, a: string, b: string, flags: Flags): Promise<number> {
  const registry = await registryWith(io, flags.plugin);
  const network = networkOf(io, acl, registry, aclLimits(flags));
  checkPeerNames(network, acl, [a, b]);
  if (a === b)
    throw new UsageError(`explain needs two different peers (got ${JSON.stringify(a)} twice)`);
  const explanation = explainPair(network, a, b);
  const text =
    flags.format === "json"
      ? `${JSON.stringify(explanation, null, 2)}\n`
      : explanationText(explanation);
  io.out(text);
  return 0;
}

export function explainCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("explain")
    .description(
      "why two peers are (or are not) linked: subnets, connections, addresses and endpoints",
    )
    .argument("<acl>", "the ACL file")
    .argument("<peerA>", "a peer")
    .argument("<peerB>", "another peer")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .option("--plugin <file>", "load a plugin module (repeat for several)", collect, [])
    .action(async (acl: string, a: string, b: string, flags: Flags) => {
      done(await run(io, acl, a, b, flags).catch(rethrowExit));
    });
  return withAclLimits(command);
}
