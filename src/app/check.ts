/**
 * `check` as the library runs it: the lints and policy tests of an ACL, and everything
 * `generate` would refuse with the same options (every peer configured as `generate` configures
 * it: keys found through the same providers, device names), each problem once. With a keys
 * directory, the ACL's public keys must be the directory's.
 */
import { type CheckReport, checkNetwork } from "../analysis/check.js";
import type { Diagnostic, Result } from "../core/diagnostics.js";
import { oneMessagePerMissingKey } from "../keys/missing-keys.js";
import { publicKeysIn, stalePublicKeys } from "../keys/stale.js";
import type { Network } from "../network/model.js";
import { type AclInput, type ReadAcl, readAcl } from "./acl-input.js";
import { type ConfigureChoices, distinct, generateOptionsOf } from "./generate.js";
import { Generator } from "./pipeline.js";

/** What `check` found: every diagnostic (placed in the ACL's file), and the policy tests. */
export interface Checked {
  network: Network;
  /** The warnings of reading, the lints' findings, what generate would refuse, stale keys. */
  diagnostics: Diagnostic[];
  policy: CheckReport["policy"];
  errors: number;
  warnings: number;
}

/**
 * What `generate` would refuse: every peer configured as `generate` configures it, each problem
 * once. Fails only when the options themselves are wrong (code `usage`).
 */
function generationProblems(read: ReadAcl, choices: ConfigureChoices): Result<Diagnostic[]> {
  const { network, registry } = read;
  const created = Generator.create(network, registry, generateOptionsOf(choices));
  if (!created.ok) return created;
  const problems: Diagnostic[] = [];
  for (const peer of network.peers) {
    const one = created.value.configure(peer.name);
    if (!one.ok) problems.push(...one.diagnostics);
  }
  return { ok: true, value: oneMessagePerMissingKey(distinct(problems)), warnings: [] };
}

/**
 * Lints an ACL and runs its policy tests. Fails when the ACL cannot be read or is invalid, or
 * when the options are wrong (diagnostics with code `usage`); the findings themselves, errors
 * included, come in a successful result.
 */
export function check(acl: AclInput, choices: ConfigureChoices = {}): Result<Checked> {
  const read = readAcl(acl, choices);
  if (!read.ok) return read;
  const checked = checkOf(read.value, choices);
  if (!checked.ok) return checked;
  const diagnostics = [...read.warnings, ...checked.value.diagnostics];
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  return {
    ok: true,
    value: { ...checked.value, diagnostics, errors, warnings: diagnostics.length - errors },
    warnings: [],
  };
}

/** `check` of an ACL already read (the warnings of reading it are the caller's). */
export function checkOf(read: ReadAcl, choices: ConfigureChoices): Result<Checked> {
  const { network, locate } = read;
  const devNameMethod = generateOptionsOf(choices).devNameMethod;
  const report = checkNetwork(network, { devNameMethod });
  const generation = generationProblems(read, choices);
  if (!generation.ok) return generation;
  const stale =
    choices.keysDir === undefined
      ? []
      : stalePublicKeys(network, publicKeysIn(network, choices.keysDir), choices.keysDir, "error");
  const diagnostics = locate([...report.diagnostics, ...generation.value, ...stale]);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  return {
    ok: true,
    value: {
      network,
      diagnostics,
      policy: report.policy,
      errors,
      warnings: diagnostics.length - errors,
    },
    warnings: [],
  };
}
