/**
 * `wirenix check`: lints and policy tests. Exit 0 when there are no errors (warnings are
 * printed but pass, unless --strict), 1 when there is an error or the ACL is invalid, 2 on
 * usage errors.
 */
import { Command, Option } from "commander";
import { checkNetwork } from "../check/check.js";
import { type Diagnostic, formatDiagnostic, renderPath } from "../diagnostics.js";
import type { Network } from "../network/model.js";
import { Generator, locateDiagnostics, readNetwork } from "../pipeline.js";
import type { Registry } from "../registry.js";
import { aclLimits, collect, type LimitFlags, registryWith, withAclLimits } from "./common.js";
import {
  type GenerateFlags,
  generateOptionsOf,
  rethrowExit,
  withGenerateOptions,
} from "./generate.js";
import { type CliIO, EXIT_INVALID, EXIT_OK, EXIT_USAGE } from "./io.js";

interface Flags extends GenerateFlags, LimitFlags {
  format: "text" | "json";
  strict?: boolean;
  plugin: string[];
}

/** A diagnostic as `check --format json` prints it: the path rendered as users write it. */
export type CheckJsonItem = Omit<Diagnostic, "path"> & { path: string };

function jsonItem(d: Diagnostic): CheckJsonItem {
  // The leading keys in a fixed order; the optional ones (expected, file, line...) as present.
  const { severity, code, path, message, ...rest } = d;
  return { severity, code, path: renderPath(path), message, ...rest };
}

function print(io: CliIO, flags: Flags, diagnostics: readonly Diagnostic[], summary: string) {
  if (flags.format === "json") {
    io.out(`${JSON.stringify(diagnostics.map(jsonItem), null, 2)}\n`);
    return;
  }
  const lines = diagnostics.map((d) => {
    const text = formatDiagnostic(d);
    return d.severity === "error" ? `error: ${text}` : text;
  });
  io.out(`${[...lines, summary].join("\n")}\n`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * What `generate` would refuse: every peer configured exactly as `generate` configures it (keys
 * looked up through the same providers, keys the configuration reads checked, device names),
 * each problem once. Fails only when the options themselves are wrong.
 */
function generationProblems(
  network: Network,
  registry: Registry,
  flags: Flags,
): { ok: true; value: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] } {
  const created = Generator.create(network, registry, generateOptionsOf(flags));
  if (!created.ok) return created;
  const seen = new Set<string>();
  const problems: Diagnostic[] = [];
  for (const peer of network.peers) {
    const one = created.value.configure(peer.name);
    if (one.ok) continue;
    for (const d of one.diagnostics) {
      const key = `${d.code}|${d.path.join("\u0000")}|${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(d);
    }
  }
  return { ok: true, value: problems };
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  const registry = await registryWith(io, flags.plugin);
  const read = readNetwork(acl, registry, aclLimits(flags));
  if (!read.ok) {
    const errors = read.diagnostics.filter((d) => d.severity === "error").length;
    print(io, flags, read.diagnostics, `${acl}: invalid ACL (${plural(errors, "error")})`);
    return EXIT_INVALID;
  }
  const network = read.value;
  const data = read.loaded?.data as { tests?: unknown } | undefined;
  const report = checkNetwork(network, data?.tests, { devNameMethod: flags.devNameMethod });
  const generation = generationProblems(network, registry, flags);
  if (!generation.ok) {
    print(io, flags, generation.diagnostics, `${acl}: invalid options`);
    return EXIT_USAGE;
  }
  const found = [...report.diagnostics, ...generation.value];
  const located = read.loaded
    ? locateDiagnostics(read.loaded, found)
    : found.map((d) => ({ ...d, file: acl }));
  const all = [...read.warnings, ...located];
  const errors = all.filter((d) => d.severity === "error").length;
  const warnings = all.length - errors;
  const { policy } = report;
  const tests =
    policy.tests === 0
      ? "no policy tests"
      : `policy tests: ${policy.assertions - policy.failed} of ${plural(policy.assertions, "assertion")} passed in ${plural(policy.tests, "test")}`;
  print(
    io,
    flags,
    all,
    `${acl}: ${plural(errors, "error")}, ${plural(warnings, "warning")}; ${tests} (${plural(network.peers.length, "peer")}, ${plural(network.subnets.length, "subnet")})`,
  );
  if (errors > 0 || (flags.strict && warnings > 0)) return EXIT_INVALID;
  return EXIT_OK;
}

export function checkCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("check")
    .description(
      "find mistakes before deploying: lints and the ACL's policy tests (exit 1 on errors)",
    )
    .argument("<acl>", "the ACL file (.nix, .json, .yaml, .yml or .toml)")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .option("--strict", "fail (exit 1) on warnings too");
  // The options of generate: check configures every peer as generate would.
  withGenerateOptions(command)
    .option("--plugin <file>", "load a plugin module (repeat for several)", collect, [])
    .action(async (acl: string, flags: Flags) => {
      done(await run(io, acl, flags).catch(rethrowExit));
    });
  return withAclLimits(command);
}
