/**
 * `wirenix check`: lints and policy tests. Exit 0 when there are no errors (warnings are
 * printed but pass, unless --strict), 1 when there is an error or the ACL is invalid, 2 on
 * usage errors.
 */
import { Command } from "commander";
import { filtersText } from "../analysis/explain.js";
import type { Hop } from "../analysis/packet-trace.js";
import { traceText } from "../analysis/packet-trace.js";
import type { PolicyResult } from "../analysis/policy.js";
import { readAcl } from "../app/acl-input.js";
import { checkOf } from "../app/check.js";
import { type Diagnostic, diagnostic, formatDiagnostic, renderPath } from "../core/diagnostics.js";
import type { Network } from "../network/model.js";
import { serviceText } from "../network/service.js";
import {
  aclCommand,
  aclLimits,
  registryWith,
  type TextOrJsonFlags,
  textOrJsonOption,
} from "./common.js";
import { type GenerateFlags, generateOptionsOf, withGenerateOptions } from "./generate.js";
import { withFlagHints } from "./hints.js";
import { type CliIO, EXIT_INVALID, EXIT_OK, EXIT_USAGE } from "./io.js";
import { withKeyHints } from "./key-hints.js";
import { shellCommand } from "./shell-word.js";

interface Flags extends GenerateFlags, TextOrJsonFlags {
  strict?: boolean;
  coverage?: boolean;
}

/** A policy assertion in `check --format json`: what it asserted, and the way its packet went. */
export interface CheckJsonTest {
  from: string;
  target: string;
  expect: PolicyResult["expect"];
  passed: boolean;
  reached: boolean;
  source?: string;
  destination?: string;
  hops: Hop[];
}

/**
 * A diagnostic as `check --format json` prints it: the path rendered as users write it. Every
 * policy assertion carries `test`: a failed one on its `policy-failed` error, a passed one as an
 * item of its own (severity `info`, code `policy-passed`).
 */
export type CheckJsonItem = Omit<Diagnostic, "path" | "severity"> & {
  severity: Diagnostic["severity"] | "info";
  path: string;
  test?: CheckJsonTest;
};

function jsonTest(r: PolicyResult): CheckJsonTest {
  const test: CheckJsonTest = {
    from: r.from,
    target: r.target,
    expect: r.expect,
    passed: r.passed,
    reached: r.trace?.reached === true,
    hops: r.trace?.hops ?? [],
  };
  if (r.trace?.source !== undefined) test.source = r.trace.source;
  if (r.trace?.destination !== undefined) test.destination = r.trace.destination;
  return test;
}

/** The diagnostic a passed assertion is printed as in JSON (its severity is replaced). */
function passedDiagnostic(r: PolicyResult): Diagnostic {
  const what = r.expect === "reaches" ? "reaches" : "does not reach";
  return diagnostic(
    "warning",
    "policy-passed",
    r.path,
    `${JSON.stringify(r.from)} ${what} ${JSON.stringify(r.target)}, as the test expects${r.trace ? `: ${traceText(r.trace)}` : ""}`,
  );
}

function jsonItem(d: Diagnostic): CheckJsonItem {
  // The leading keys in a fixed order; the optional ones (expected, file, line...) as present.
  const { severity, code, path, message, ...rest } = d;
  return { severity, code, path: renderPath(path), message, ...rest };
}

/** What `check --format json` prints: every diagnostic, and the counts the text summary gives. */
export interface CheckJson {
  diagnostics: CheckJsonItem[];
  summary: CheckSummary;
}

export interface CheckSummary {
  /** The summary line of the text format. */
  text: string;
  valid: boolean;
  errors: number;
  warnings: number;
  policy?: { tests: number; assertions: number; passed: number; failed: number };
  /** With `--coverage`: the rules no policy test exercises (lets in, through, or refuses). */
  coverage?: RuleCoverage;
  peers?: number;
  subnets?: number;
}

/** Which rules the policy tests exercise: a rule no test's packet meets is unproven. */
export interface RuleCoverage {
  rules: number;
  exercised: number;
  /** `rules[1]`, each with what it says (`from [...] to [...] allow [...]`). */
  unexercised: { path: string; rule: string }[];
}

function ruleCoverage(network: Network, unexercised: readonly number[]): RuleCoverage {
  const rules = network.rules ?? [];
  return {
    rules: rules.length,
    exercised: rules.length - unexercised.length,
    unexercised: unexercised.flatMap((i) => {
      const rule = rules[i];
      if (!rule) return [];
      const allow = rule.allow.map(serviceText).join(", ");
      return [
        {
          path: `rules[${i}]`,
          rule: `from ${filtersText(rule.from)} to ${filtersText(rule.to)} allow [${allow}]`,
        },
      ];
    }),
  };
}

function coverageLines(coverage: RuleCoverage): string[] {
  const head = `coverage: ${coverage.exercised} of ${plural(coverage.rules, "rule")} exercised by the policy tests`;
  if (coverage.unexercised.length === 0) return [head];
  return [
    `${head}; no test exercises:`,
    ...coverage.unexercised.map((u) => `  ${u.path}: ${u.rule}`),
  ];
}

function print(
  io: CliIO,
  flags: Flags,
  diagnostics: readonly Diagnostic[],
  summary: CheckSummary,
  results: readonly PolicyResult[] = [],
  locate: (ds: Diagnostic[]) => Diagnostic[] = (ds) => ds,
): void {
  if (flags.format === "json") {
    const failed = new Map(
      results.filter((r) => !r.passed).map((r) => [renderPath(r.path), jsonTest(r)]),
    );
    const items = diagnostics.map((d) => {
      const item = jsonItem(d);
      const test = d.code === "policy-failed" ? failed.get(item.path) : undefined;
      return test ? { ...item, test } : item;
    });
    const passed = results.filter((r) => r.passed);
    locate(passed.map(passedDiagnostic)).forEach((d, i) => {
      items.push({ ...jsonItem(d), severity: "info", test: jsonTest(passed[i] as PolicyResult) });
    });
    const json: CheckJson = { diagnostics: items, summary };
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const lines = withFlagHints(diagnostics).map((d) => {
    const text = formatDiagnostic(d);
    return d.severity === "error" ? `error: ${text}` : text;
  });
  if (summary.coverage) lines.push(...coverageLines(summary.coverage));
  io.out(`${[...lines, summary.text].join("\n")}\n`);
}

/**
 * A failed `reaches` assertion ends with the command that shows its packet's way hop by hop,
 * written for this ACL file so it can be pasted as is.
 */
function withExplainHints(
  diagnostics: readonly Diagnostic[],
  results: readonly PolicyResult[],
  acl: string,
): Diagnostic[] {
  const failed = new Map(
    results
      .filter((r) => !r.passed && r.expect === "reaches")
      .map((r) => [renderPath(r.path), r] as const),
  );
  return diagnostics.map((d) => {
    const r = d.code === "policy-failed" ? failed.get(renderPath(d.path)) : undefined;
    if (r === undefined) return d;
    const command = shellCommand(["wirenix", "explain", acl, r.from, r.target]);
    return { ...d, message: `${d.message}; see \`${command}\`` };
  });
}

function counts(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  return { errors, warnings: diagnostics.length - errors };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

async function run(io: CliIO, acl: string, flags: Flags): Promise<number> {
  const registry = await registryWith(io, flags.plugin);
  const read = readAcl(acl, { registry, limits: aclLimits(flags) });
  if (!read.ok) {
    const found = counts(read.diagnostics);
    const text = `${acl}: invalid ACL (${plural(found.errors, "error")})`;
    print(io, flags, read.diagnostics, { text, valid: false, ...found });
    return EXIT_INVALID;
  }
  const { network, locate } = read.value;
  const checked = checkOf(read.value, generateOptionsOf(flags));
  if (!checked.ok) {
    const text = `${acl}: invalid options`;
    print(io, flags, checked.diagnostics, { text, valid: false, ...counts(checked.diagnostics) });
    return EXIT_USAGE;
  }
  // The command line's hints for missing keys (the library's messages name no flag).
  const withExplain = withExplainHints(
    checked.value.diagnostics,
    checked.value.policy.results,
    acl,
  );
  const hinted = withKeyHints(withExplain, {
    acl,
    network,
    ...(flags.keysDir === undefined ? {} : { keysDir: flags.keysDir }),
  });
  const all = [...read.warnings, ...hinted];
  const { errors, warnings } = counts(all);
  const { policy } = checked.value;
  const tests =
    policy.tests === 0
      ? "no policy tests"
      : `policy tests: ${policy.assertions - policy.failed} of ${plural(policy.assertions, "assertion")} passed in ${plural(policy.tests, "test")}`;
  const text = `${acl}: ${plural(errors, "error")}, ${plural(warnings, "warning")}; ${tests} (${plural(network.peers.length, "peer")}, ${plural(network.subnets.length, "subnet")})`;
  print(
    io,
    flags,
    all,
    {
      text,
      valid: true,
      errors,
      warnings,
      policy: {
        tests: policy.tests,
        assertions: policy.assertions,
        passed: policy.assertions - policy.failed,
        failed: policy.failed,
      },
      ...(flags.coverage ? { coverage: ruleCoverage(network, policy.unexercised) } : {}),
      peers: network.peers.length,
      subnets: network.subnets.length,
    },
    policy.results,
    locate,
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
    .addOption(textOrJsonOption())
    .option("--strict", "fail (exit 1) on warnings too")
    .option("--coverage", "list the access rules no policy test exercises");
  // The options of generate: check configures every peer as generate would.
  withGenerateOptions(command);
  return aclCommand(command, done, (acl, flags: Flags) => run(io, acl, flags));
}
