/**
 * The printers against independent references: compact JSON equals what Nix's builtins.toJSON
 * prints for the same data (sorted keys, same escapes); indented JSON equals V8's
 * JSON.stringify layout; the Nix printer's text, evaluated by nix-instantiate, is the data.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { ConfigTree } from "../../src/config-tree.js";
import { toJson, toPrettyJson } from "../../src/emit/json.js";
import { toNix } from "../../src/emit/nix.js";
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
