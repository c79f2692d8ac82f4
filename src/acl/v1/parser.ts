/** The ACL v1 parser: validate, then build the network. */

import { isNonEmpty } from "../../core/diagnostics.js";
import { exitNodeProblems } from "../../network/routing.js";
import { defineParser } from "../parser.js";
import { buildNetwork } from "./network.js";
import { validateAclV1 } from "./validate.js";

export const v1Parser = defineParser({
  version: "v1",
  description: "Wirenix ACL version 1",
  parse(data) {
    const validated = validateAclV1(data);
    if (!validated.ok) return validated;
    const network = buildNetwork(validated.value);
    const problems = exitNodeProblems(network);
    if (isNonEmpty(problems)) return { ok: false, diagnostics: problems };
    if (typeof data === "object" && data !== null && "tests" in data)
      network.policyTests = (data as { tests: unknown }).tests;
    return { ok: true, value: network, warnings: validated.warnings };
  },
});
