/**
 * Validation of an ACL v1 in two layers: the schema for shapes, then the named rules. Every
 * problem is reported at once, each with its path.
 */
import * as v from "valibot";
import {
  type Diagnostic,
  Diagnostics,
  describeValue,
  type Mismatch,
  type PathSegment,
  type Result,
} from "../../core/diagnostics.js";
import { editDistance } from "../../core/did-you-mean.js";
import { describeSecret, isSecretPath } from "../../core/secrets.js";
import { RULES, writtenAcl } from "./rules.js";
import { type AclV1, AclV1Schema, KNOWN_KEYS, withoutZoneId } from "./schema.js";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function issuePath(issue: v.BaseIssue<unknown>): PathSegment[] {
  return (issue.path ?? []).map((item) => {
    const key = (item as { key: unknown }).key;
    return typeof key === "number" ? key : String(key);
  });
}

/** The parts of a valibot schema we walk: wrappers, containers and the message. */
interface SchemaNode {
  type?: string;
  message?: unknown;
  wrapped?: SchemaNode;
  entries?: Record<string, SchemaNode>;
  item?: SchemaNode;
  value?: SchemaNode;
  pipe?: readonly SchemaNode[];
}

/** The schema inside a pipe that holds the entries or items, if `node` is a pipe. */
function container(node: SchemaNode): SchemaNode {
  return node.pipe?.find((item) => item.entries ?? item.item ?? item.value) ?? node;
}

/**
 * What the schema expects at `path`. Valibot words a missing key with the message of the object
 * around it ("expected a peer object ..."); the key's own schema says what belongs there.
 */
export function expectedAt(path: readonly PathSegment[]): string | undefined {
  const message = schemaMessageAt(path);
  return message === undefined ? undefined : expectedWords(message);
}

/** What a schema message ("expected an integer 1-65535") says belongs: "an integer 1-65535". */
function expectedWords(message: string): string {
  return message.startsWith("expected ") ? message.slice("expected ".length) : message;
}

function schemaMessageAt(path: readonly PathSegment[]): string | undefined {
  let node: SchemaNode | undefined = AclV1Schema as unknown as SchemaNode;
  for (const segment of path) {
    while (node?.wrapped) node = node.wrapped;
    if (!node) return undefined;
    node = container(node);
    if (node.entries) node = typeof segment === "string" ? node.entries[segment] : undefined;
    else if (node.item) node = node.item;
    else if (node.value) node = node.value;
    else return undefined;
  }
  while (node?.wrapped) node = node.wrapped;
  return typeof node?.message === "string" ? node.message : undefined;
}

function issueMismatch(issue: v.BaseIssue<unknown>): Mismatch {
  const last = issue.path?.[issue.path.length - 1] as
    | { input?: unknown; key?: unknown }
    | undefined;
  const parent = last?.input;
  const missing =
    issue.input === undefined &&
    last !== undefined &&
    isObject(parent) &&
    typeof last.key === "string" &&
    !(last.key in parent);
  const expected = expectedWords(issue.message);
  if (missing) return { context: "missing", expected: expectedAt(issuePath(issue)) ?? expected };
  // A key is never echoed, valid or not: what is wrong with it is told instead.
  const received = isSecretPath(issuePath(issue))
    ? describeSecret(issue.input)
    : describeValue(issue.input);
  return { expected, received };
}

function warnUnknownKeys(
  value: unknown,
  known: readonly string[],
  at: PathSegment[],
  report: Diagnostics,
): void {
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const close = known.find((k) => editDistance(k, key) <= 2);
    report.warn(
      "unknown-key",
      [...at, key],
      `unknown key, ignored${close ? ` (did you mean ${JSON.stringify(close)}?)` : ""}`,
    );
  }
}

function forEachItem(list: unknown, body: (item: unknown, index: number) => void): void {
  if (Array.isArray(list)) list.forEach(body);
}

/** Walks the raw ACL warning about keys that no version-1 object has. */
function unknownKeys(data: unknown, report: Diagnostics): void {
  if (!isObject(data)) return;
  warnUnknownKeys(data, KNOWN_KEYS.acl, [], report);
  const endpoints = (owner: unknown, at: PathSegment[]) => {
    if (!isObject(owner)) return;
    forEachItem(owner.endpoints, (endpoint, e) => {
      warnUnknownKeys(endpoint, KNOWN_KEYS.endpoint, [...at, "endpoints", e], report);
      if (isObject(endpoint))
        forEachItem(endpoint.match, (f, i) =>
          warnUnknownKeys(f, KNOWN_KEYS.filter, [...at, "endpoints", e, "match", i], report),
        );
    });
  };
  forEachItem(data.subnets, (subnet, i) => {
    warnUnknownKeys(subnet, KNOWN_KEYS.subnet, ["subnets", i], report);
    endpoints(subnet, ["subnets", i]);
  });
  forEachItem(data.groups, (group, i) => {
    warnUnknownKeys(group, KNOWN_KEYS.group, ["groups", i], report);
    endpoints(group, ["groups", i]);
  });
  forEachItem(data.peers, (peer, i) => {
    warnUnknownKeys(peer, KNOWN_KEYS.peer, ["peers", i], report);
    endpoints(peer, ["peers", i]);
    if (isObject(peer) && isObject(peer.subnets))
      for (const [subnet, membership] of Object.entries(peer.subnets))
        warnUnknownKeys(membership, KNOWN_KEYS.peerSubnet, ["peers", i, "subnets", subnet], report);
  });
  forEachItem(data.connections, (connection, i) => {
    warnUnknownKeys(connection, KNOWN_KEYS.connection, ["connections", i], report);
    if (isObject(connection))
      for (const side of ["a", "b"] as const)
        forEachItem(connection[side], (f, j) =>
          warnUnknownKeys(f, KNOWN_KEYS.filter, ["connections", i, side, j], report),
        );
  });
  forEachItem(data.networks, (network, i) =>
    warnUnknownKeys(network, KNOWN_KEYS.network, ["networks", i], report),
  );
  forEachItem(data.tests, (test, i) =>
    warnUnknownKeys(test, KNOWN_KEYS.policyTest, ["tests", i], report),
  );
  forEachItem(data.rules, (rule, i) => {
    warnUnknownKeys(rule, KNOWN_KEYS.rule, ["rules", i], report);
    if (isObject(rule))
      for (const side of ["from", "to"] as const)
        forEachItem(rule[side], (f, j) =>
          warnUnknownKeys(f, KNOWN_KEYS.filter, ["rules", i, side, j], report),
        );
  });
}

/** Where `path` lies in the data as written: each step's key position or index. */
function documentOrder(data: unknown, path: readonly PathSegment[]): number[] {
  const order: number[] = [];
  let node = data;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === "number") {
      order.push(segment);
      node = node[segment];
    } else if (isObject(node) && typeof segment === "string") {
      const index = Object.keys(node).indexOf(segment);
      // A missing key is reported after what its object does hold.
      order.push(index < 0 ? Number.MAX_SAFE_INTEGER : index);
      node = node[segment];
    } else break;
  }
  return order;
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

/**
 * Sorts `items` in the order of the file, whichever layer found them: fixing top-down is how
 * people read. With `depth`, only the first `depth` steps of each path count (the sort is
 * stable: items within one such part keep their order).
 */
export function inDocumentOrder(data: unknown, items: Diagnostic[], depth?: number): void {
  const order = new Map(items.map((d) => [d, documentOrder(data, d.path.slice(0, depth))]));
  items.sort((a, b) => compareOrder(order.get(a) ?? [], order.get(b) ?? []));
}

/**
 * Checks raw data against ACL v1: shapes and references together, so one run reports every
 * problem of the file (the rules skip the parts the schema rejects).
 */
export function validateAclV1(data: unknown): Result<AclV1> {
  const report = new Diagnostics();
  const parsed = v.safeParse(AclV1Schema, data, { abortEarly: false });
  if (!parsed.success) {
    // A value can break several checks that share one wording (Infinity: integer and maximum).
    const seen = new Set<string>();
    for (const issue of parsed.issues) {
      const path = issuePath(issue);
      const message = issueMismatch(issue);
      const key = JSON.stringify([path, message]);
      if (seen.has(key)) continue;
      seen.add(key);
      const zone = (issue as { requirement?: unknown }).requirement === withoutZoneId;
      report.error(zone ? "ipv6-zone-id" : "invalid-value", path, message);
    }
  }
  unknownKeys(data, report);
  const written = writtenAcl(data);
  for (const rule of RULES) rule(written, report);
  inDocumentOrder(data, report.items);
  // A failed schema has reported at least one error above.
  if (!parsed.success || report.hasErrors) return { ok: false, diagnostics: report.failure };
  return { ok: true, value: parsed.output as AclV1, warnings: report.warnings };
}
