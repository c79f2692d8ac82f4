/**
 * The lints of `wirenix check`: mistakes the ACL's schema cannot see but a deployed network
 * would suffer from. Errors are what breaks a network; warnings are what is probably not meant.
 *
 * Contract of this folder:
 * - One lint per file, the file named after the lint (`<name>.ts` exports one `Lint` whose
 *   `name` is `<name>`). Its header says which codes it reports, what it checks and why.
 * - A lint only reads the `CheckContext` (../lint.ts) and reports through `ctx.report`; facts
 *   several lints need live beside the folder (../member-addresses.ts); a lint that reads the peers' links returns a
 *   `HostPass` and sees them one host at a time.
 * - Every code a lint reports is a `DiagnosticCode` (src/core/diagnostics.ts) and listed in `codes`.
 * - Each lint has its own test table, `test/unit/lints/<name>.test.ts`: ACL snippets and the
 *   diagnostics expected of them, written by hand.
 * - `LINTS` below is the order `check` runs and reports them; a new lint is appended to it
 *   (the order of existing ones never changes, so output stays stable).
 */
import { type CheckContext, type Lint, runLintsOf } from "../lint.js";
import { addressesInPool } from "./addresses-in-pool.js";
import { addressesInRange } from "./addresses-in-range.js";
import { allowedIPsOverlap } from "./allowed-ips-overlap.js";
import { connectionEffects } from "./connection-effects.js";
import { deviceNames } from "./device-names.js";
import { duplicateAddresses } from "./duplicate-addresses.js";
import { emptyGroupFilter } from "./empty-group-filter.js";
import { keys } from "./keys.js";
import { listenPorts } from "./listen-ports.js";
import { natKeepalive } from "./nat-keepalive.js";
import { networkAddress } from "./network-address.js";
import { noCommonFamily } from "./no-common-family.js";
import { ownAddressAllowed } from "./own-address-allowed.js";
import { reachableEndpoints } from "./reachable-endpoints.js";
import { routedPrefixes } from "./routed-prefixes.js";
import { ruleNeverMatches } from "./rule-never-matches.js";
import { rulesNotEnforced } from "./rules-not-enforced.js";
import { safeNames } from "./safe-names.js";
import { unreachableTarget } from "./unreachable-target.js";
import { unusedParts } from "./unused-parts.js";

/** Every lint, in the order `check` runs them. */
export const LINTS: readonly Lint[] = [
  duplicateAddresses,
  addressesInRange,
  addressesInPool,
  allowedIPsOverlap,
  routedPrefixes,
  listenPorts,
  deviceNames,
  reachableEndpoints,
  connectionEffects,
  unusedParts,
  keys,
  safeNames,
  noCommonFamily,
  ownAddressAllowed,
  networkAddress,
  ruleNeverMatches,
  unreachableTarget,
  emptyGroupFilter,
  rulesNotEnforced,
  natKeepalive,
];

/** Runs every lint over the context. */
export function runLints(ctx: CheckContext): void {
  runLintsOf(ctx, LINTS);
}
