/**
 * Lint `rules-not-enforced`. Reports: rules-not-enforced (warning).
 * Checks: with access rules, a peer whose `platform` loads no nftables table (macOS, Windows,
 * iOS, Android): what its linked peers send it arrives unfiltered; routers that relay to it
 * and load the rules still filter what they forward, and the warning names them.
 * Why: the rules read as if they protected every peer; on such a peer they do not, and no
 * output can change that. `generate` gives the same warning for each such peer it configures.
 */
import { unenforcedRules, unenforcedRulesWarning } from "../../network/platform.js";
import type { Lint } from "../lint.js";

export const rulesNotEnforced: Lint = {
  name: "rules-not-enforced",
  codes: ["rules-not-enforced"],
  description: "access rules on a peer whose platform cannot load them (no nftables there)",
  run({ network, report }) {
    for (const peer of network.peers) {
      const found = unenforcedRules(network, peer);
      if (found) report.items.push(unenforcedRulesWarning(found));
    }
  },
};
