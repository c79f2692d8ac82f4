/**
 * `check` as a library call: every lint and every policy test over one network, their findings
 * as diagnostics (paths into the ACL; the caller adds file, line and column).
 */
import { type Diagnostic, Diagnostics } from "../core/diagnostics.js";
import type { DevNameMethod } from "../network/devname.js";
import type { Network } from "../network/model.js";
import { checkContext } from "./lint.js";
import { runLints } from "./lints/index.js";
import { type PolicyOutcome, runPolicyTests } from "./policy.js";

export interface CheckOptions {
  /** The device naming that will be deployed (default short, as `generate`'s). */
  devNameMethod: DevNameMethod;
}

export interface CheckReport {
  diagnostics: Diagnostic[];
  policy: PolicyOutcome;
}

/** Lints the network and runs the ACL's policy tests (`network.policyTests`). */
export function checkNetwork(network: Network, options: CheckOptions): CheckReport {
  const report = new Diagnostics();
  runLints(checkContext(network, options.devNameMethod, report));
  const policy = runPolicyTests(network, network.policyTests ?? [], report);
  // Resolution warnings appear as links are resolved, so they are complete only now.
  return { diagnostics: [...network.warnings, ...report.items], policy };
}
