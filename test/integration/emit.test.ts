/**
 * The printers against independent references: compact JSON equals what Nix's builtins.toJSON
 * prints for the same data (sorted keys, same escapes); indented JSON equals V8's
 * JSON.stringify layout; the Nix printer's text, evaluated by nix-instantiate, is the data.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { ConfigTree, ConfigValue } from "../../src/core/config-tree.js";
import { RunContext } from "../../src/core/run-context.js";
import { toJson, toPrettyJson } from "../../src/render/printers/json.js";
import { toNix } from "../../src/render/printers/nix.js";
import { nixEval, nixWithJson } from "../support/nix.js";

/** Data exercising key order, escapes, numbers and nesting; no nulls (Nix would print them). */
const SAMPLE: ConfigTree = {
  networking: {
    hosts: { "fd00::2": ["b.lan"], "10.0.0.1": ["a.lan"], "fd00::10": ["c.lan"] },
    wireguard: {
      interfaces: {
        wg0: {
          peers: [
            { publicKey: "k/+=", name: "b", allowedIPs: ["10.0.0.2/32"], persistentKeepalive: 25 },
            { name: "a", endpoint: "[2001:db8::1]:51820", allowedIPs: [] },
          ],
          ips: ["10.0.0.1/24"],
          listenPort: 51820,
        },
      },
    },
  },
  "10": 1,
  "9": 2,
  "1": 3,
  "a.b": { "\u00e9": "\u00e9t\u00e9", "\uffff": "max", "\ud83d\ude00": "smile" },
  text: 'quote " backslash \\ newline \n tab \t cr \r ctrl \u0001 dollar $x ${y} $${z}',
  numbers: [0, -1, 65535, 2 ** 40, true, false],
  empty: { list: [], set: {} },
};

test("compact JSON equals Nix's builtins.toJSON of the same data", () => {
  const ours = toJson(SAMPLE);
  const nix = nixWithJson(JSON.stringify(SAMPLE), "builtins.toJSON");
  assert.equal(ours, nix);
});

test("unset values are left out of JSON, in objects and in lists", () => {
  assert.equal(
    toJson({ b: null, a: [1, null, undefined, 2], c: undefined, d: { e: null } }),
    '{"a":[1,2],"d":{}}',
  );
  assert.equal(toPrettyJson({ a: null, b: [null] }), '{\n  "b": []\n}');
});

/** A seeded source of small random configuration trees, some with keys in order, some not. */
function randomTrees(count: number, seed: number, run: RunContext): ConfigValue[] {
  let state = seed >>> 0;
  const next = (below: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % below;
  };
  const KEYS = [
    "a",
    "B",
    "b",
    "peers",
    "a.b",
    "10",
    "9",
    "\u00e9",
    "\ud83d\ude00",
    "\uffff",
    "x y",
  ];
  const SCALARS: ConfigValue[] = [
    "",
    "plain",
    'q"\\\n',
    "\u0001",
    "$",
    0,
    -1,
    2 ** 40,
    0.5,
    true,
    false,
  ];
  // Subtrees shared by several trees, at different depths, as configurers share peer entries.
  const shared: (ConfigTree | ConfigValue[])[] = [];
  const value = (depth: number): ConfigValue => {
    const kind = next(depth > 3 ? 3 : 6);
    if (kind === 0) return SCALARS[next(SCALARS.length)];
    if (kind === 1) return next(2) === 0 ? null : undefined;
    if (kind === 2 || kind === 3) return SCALARS[next(SCALARS.length)];
    if (shared.length > 0 && next(4) === 0) return shared[next(shared.length)];
    let made: ConfigTree | ConfigValue[];
    if (kind === 4) made = Array.from({ length: next(4) }, () => value(depth + 1));
    else {
      const keys = KEYS.filter(() => next(3) === 0);
      // Sorted keys take the printer's native path, shuffled ones its own.
      if (next(2) === 0) keys.sort();
      else keys.sort(() => next(3) - 1);
      const tree: ConfigTree = next(8) === 0 ? Object.create(null) : {};
      for (const key of keys) tree[key] = value(depth + 1);
      made = tree;
    }
    if (next(4) === 0) shared.push(run.shareSubtree(made));
    return made;
  };
  return Array.from({ length: count }, () => value(0));
}

/** The data as Nix would hold it: null and undefined left out, in objects and lists. */
function withoutUnset(data: ConfigValue): unknown {
  if (Array.isArray(data))
    return data.filter((v) => v !== null && v !== undefined).map(withoutUnset);
  if (data === null || typeof data !== "object") return data;
  return Object.fromEntries(
    Object.entries(data)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, withoutUnset(v)]),
  );
}

test("compact JSON of random trees, in and out of key order, equals Nix's toJSON", () => {
  const run = new RunContext();
  const trees = randomTrees(400, 7, run);
  const nix = nixWithJson(JSON.stringify(trees.map(withoutUnset)), "builtins.toJSON");
  assert.equal(`[${trees.map((t) => (t === undefined ? "null" : toJson(t, run))).join(",")}]`, nix);
});

test("indented JSON of random trees is V8's layout of their compact JSON", () => {
  const run = new RunContext();
  for (const tree of randomTrees(400, 11, run)) {
    const compact = toJson(tree, run);
    // JSON.parse would move integer-like keys first; such trees are covered above.
    if (/"\d+":/.test(compact)) continue;
    assert.equal(toPrettyJson(tree, run), JSON.stringify(JSON.parse(compact), null, 2));
  }
});

test("indented JSON is V8's two-space layout of the compact JSON", () => {
  // JSON.parse keeps our key order except for integer-like keys, so leave those out here.
  const { "10": _a, "9": _b, "1": _c, ...rest } = SAMPLE;
  const compact = toJson(rest);
  assert.equal(toPrettyJson(rest), JSON.stringify(JSON.parse(compact), null, 2));
});

test("the Nix printer's text evaluates to the same data", () => {
  const text = toNix(SAMPLE);
  assert.deepEqual(nixEval(text), JSON.parse(JSON.stringify(SAMPLE)));
});

test("the Nix printer quotes keywords and names Nix cannot read bare, and drops unset values", () => {
  const data = {
    if: 1,
    "a b": 2,
    "x.y": 3,
    "-x": 4,
    "ok_name-1'": 5,
    gone: null,
    list: [null, "v"],
  };
  const text = toNix(data);
  assert.match(text, /^ {2}"if" = 1;$/m);
  assert.match(text, /^ {2}ok_name-1' = 5;$/m);
  assert.deepEqual(nixEval(text), {
    if: 1,
    "a b": 2,
    "x.y": 3,
    "-x": 4,
    "ok_name-1'": 5,
    list: ["v"],
  });
});

test("the Nix printer's text of random trees, shared subtrees included, evaluates to the data", () => {
  const run = new RunContext();
  const trees = randomTrees(300, 5, run).filter((t) => t !== undefined && t !== null);
  assert.deepEqual(nixEval(toNix(trees, "", run)), withoutUnset(trees));
});

test("a shared subtree prints as the same data unshared would, at every depth it sits at", () => {
  const run = new RunContext();
  const trees = randomTrees(300, 9, run);
  for (const tree of trees) {
    const copy = structuredClone(tree);
    for (const indent of ["", "    "]) assert.equal(toNix(tree, indent, run), toNix(copy, indent));
    assert.equal(toJson(tree, run), toJson(copy));
    assert.equal(toPrettyJson(tree, run), toPrettyJson(copy));
  }
});

test("shared subtrees are frozen, so no host's configuration can change another's", () => {
  const entry = new RunContext().shareSubtree({ name: "a", allowedIPs: ["10.0.0.1/32"] });
  assert.ok(Object.isFrozen(entry) && Object.isFrozen(entry.allowedIPs));
});

test("the Nix printer indents nested lines by the indent it is given", () => {
  const flat = toNix(SAMPLE);
  for (const indent of ["  ", "    ", " ", "\t"])
    assert.equal(
      toNix(SAMPLE, indent),
      flat.replaceAll("\n", `\n${indent}`),
      JSON.stringify(indent),
    );
});
