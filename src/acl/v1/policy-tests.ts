/**
 * The shape of the ACL's policy tests (`tests`, see docs/checks.md), as a valibot schema whose
 * output is typed values: each part is what was written, read (a target split into its name and
 * packet service), or an `Unreadable` saying what belongs there. A wrong part does not fail the
 * schema, so the parts that are right are still resolved against the network (parsers/v1.ts)
 * and one run reports every problem of the tests; an `Unreadable` is always reported, never
 * passed on.
 */
import * as v from "valibot";
import { type PacketService, splitService } from "../../network/service.js";

/** A part of a policy test that is not what belongs there: `expected` says what does. */
export class Unreadable {
  constructor(readonly expected: string) {}
}

/** A target as written (`hub.lan:tcp/22`): its name and the packet's service, if any. */
export interface WrittenTarget {
  /** As written, for messages and the results. */
  text: string;
  /** Without the service: a peer, `peer.subnet`, or an address or prefix a peer routes. */
  name: string;
  service?: PacketService;
}

export interface WrittenPolicyTest {
  from?: string | Unreadable | undefined;
  reaches?: readonly (WrittenTarget | Unreadable)[] | Unreadable | undefined;
  notReaches?: readonly (WrittenTarget | Unreadable)[] | Unreadable | undefined;
}

export type WrittenPolicyTests = readonly (WrittenPolicyTest | Unreadable)[] | Unreadable;

/**
 * `schema`'s output, or an `Unreadable` with `expected` when the input is not one. Valibot types
 * a fallback as the schema's own output, so `WrittenPolicyTests` below states the real type
 * (the JSON Schema made from this one then shows the shape that belongs, not "anything").
 */
const orUnreadable = <T extends v.GenericSchema>(schema: T, expected: string) =>
  v.fallback(schema, () => new Unreadable(expected) as v.InferOutput<T>);

export const TARGET_EXPECTED =
  'a list of targets ("peer", "peer.subnet" or a routed network, optionally with ":tcp/22", ":udp/53" or ":icmp")';

const target = orUnreadable(
  v.pipe(
    v.string(),
    v.transform((text): WrittenTarget => ({ text, ...splitService(text) })),
  ),
  '"peer" or "peer.subnet" (a string)',
);

const targets = v.optional(orUnreadable(v.array(target), TARGET_EXPECTED));

const PolicyTestSchema = v.object({
  // Absent is reported by the parser as missing (a required key would fail the schema).
  from: v.optional(orUnreadable(v.string(), "a peer name (a string)")),
  reaches: targets,
  notReaches: targets,
});

/** `tests`: never fails; what is wrong is in the output, as `Unreadable` parts. */
export const PolicyTestsSchema = v.pipe(
  orUnreadable(
    v.array(orUnreadable(PolicyTestSchema, "a policy test { from, reaches?, notReaches? }")),
    "a list of policy tests [{ from, reaches?, notReaches? }]",
  ),
  v.description(
    "Policy tests: who must and must not reach whom; `check` follows packets to prove them. Not in the original.",
  ),
);

/** The keys a policy test knows, for warning about the ones it does not. */
export const POLICY_TEST_KEYS: readonly string[] = Object.keys(PolicyTestSchema.entries);
