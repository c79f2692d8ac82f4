/** The ACL v1 parser: validate, build the network, resolve its policy tests. */
import { Diagnostics, isNonEmpty } from "../../core/diagnostics.js";
import { exitNodeProblems } from "../../network/routing.js";
import { defineParser } from "../parser.js";
import { buildNetwork } from "./network.js";
import { resolvePolicyTests } from "./policy-test-targets.js";
import { inDocumentOrder, validateAclV1 } from "./validate.js";

export const v1Parser = defineParser({
  version: "v1",
  description: "Wirenix ACL version 1",
  parse(data) {
    const validated = validateAclV1(data);
    if (!validated.ok) return validated;
    const network = buildNetwork(validated.value);
    const problems = exitNodeProblems(network);
    if (isNonEmpty(problems)) return { ok: false, diagnostics: problems };
    const report = new Diagnostics();
    report.items.push(...validated.warnings);
    const tests = resolvePolicyTests(network, validated.value.tests, report);
    // Test by test, each test's unknown keys first, then its problems as they were found.
    inDocumentOrder(data, report.items, 2);
    if (report.hasErrors) return { ok: false, diagnostics: report.failure };
    if (validated.value.tests !== undefined) network.policyTests = tests;
    return { ok: true, value: network, warnings: report.warnings };
  },
});
