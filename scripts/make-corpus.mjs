#!/usr/bin/env node
// Writes test/fixtures/corpus/: invalid or suspicious ACLs made by mutating the example ACLs
// (the original's examples and tests, and the check fixtures), each in JSON, YAML and TOML,
// plus manifest.json saying, per file, what `check` must find. Deterministic: running it again
// rewrites the same files.
//
//   node scripts/make-corpus.mjs
//
// Every mutation states its outcome by construction, never by running wirenix:
// - "invalid": the ACL must be rejected (check and generate exit 1), `code` among the errors;
// - "error":   valid, but a lint or policy test fails (check exits 1), `code` among the errors;
// - "warning": valid and only suspicious (check exits 0, 1 with --strict), `code` a warning.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify as toToml } from "smol-toml";
import { parse as parseYaml, stringify as toYaml } from "yaml";

const root = fileURLToPath(new URL("../", import.meta.url));
const out = join(root, "test", "fixtures", "corpus");

/** The bases: every oracle example ACL, and the check fixtures. */
function bases() {
  const list = [];
  const diff = join(root, "test", "fixtures", "differential");
  for (const name of readdirSync(diff).sort())
    if (name.startsWith("oracle-"))
      list.push({
        name: name.slice("oracle-".length),
        acl: JSON.parse(readFileSync(join(diff, name, "acl.json"), "utf8")),
      });
  for (const file of ["example-spoke.yaml", "homelab.yaml"])
    list.push({
      name: file.replace(/\.yaml$/, ""),
      acl: parseYaml(readFileSync(join(root, "test", "fixtures", "check", file), "utf8")),
    });
  return list;
}

const clone = (value) => JSON.parse(JSON.stringify(value));

function filters(acl) {
  const all = [];
  for (const c of acl.connections ?? []) all.push(...(c.a ?? []), ...(c.b ?? []));
  for (const owner of [...(acl.subnets ?? []), ...(acl.groups ?? []), ...(acl.peers ?? [])])
    for (const e of owner.endpoints ?? []) all.push(...(e.match ?? []));
  return all;
}

/** Renames a peer everywhere it is referred to, so only the name itself changes. */
function renamePeer(acl, from, to) {
  for (const p of acl.peers) if (p.name === from) p.name = to;
  for (const f of filters(acl)) if (f.type === "peer" && f.value === from) f.value = to;
  for (const t of acl.tests ?? []) {
    if (t.from === from) t.from = to;
    for (const key of ["reaches", "notReaches"])
      if (t[key])
        t[key] = t[key].map((x) =>
          x === from ? to : x.startsWith(`${from}.`) ? to + x.slice(from.length) : x,
        );
  }
}

/** Renames a subnet everywhere it is referred to. */
function renameSubnet(acl, from, to) {
  for (const s of acl.subnets) if (s.name === from) s.name = to;
  for (const p of acl.peers)
    if (p.subnets && from in p.subnets) {
      const entries = Object.entries(p.subnets).map(([k, v]) => [k === from ? to : k, v]);
      p.subnets = Object.fromEntries(entries);
    }
  for (const c of acl.connections)
    if (c.subnets) c.subnets = c.subnets.map((s) => (s === from ? to : s));
  for (const f of filters(acl)) if (f.type === "subnet" && f.value === from) f.value = to;
  for (const t of acl.tests ?? [])
    for (const key of ["reaches", "notReaches"])
      if (t[key])
        t[key] = t[key].map((x) => (x.endsWith(`.${from}`) ? x.slice(0, -from.length) + to : x));
}

/** Two members of one subnet (the first subnet that has two), or undefined. */
function twoMembers(acl) {
  for (const s of acl.subnets) {
    const members = acl.peers.filter((p) => p.subnets && s.name in p.subnets);
    if (members.length >= 2) return { subnet: s.name, x: members[0], y: members[1] };
  }
  return undefined;
}

const firstSubnet = (peer) => Object.keys(peer.subnets)[0];
const ZERO_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/** Adds a peer alone on a new subnet: linked to no one, whatever the connections say. */
function addIsland(acl) {
  acl.subnets.push({ name: "island", endpoints: [{ port: 51999 }] });
  acl.peers.push({
    name: "lonely",
    subnets: { island: { listenPort: 51999 } },
    publicKey: "SyuqTl0Gd5Vbb6yuUTHNGR/zvpQ9gxDPMk2u0MpRy2E=",
    privateKeyFile: "/etc/wireguard/lonely.key",
  });
}

/**
 * Mutations that share an outcome: `expect` ("invalid", "error" or "warning") and the code of
 * the diagnostic. Each is `name: apply`, or `name: { apply | whole, noToml, text, code }`:
 * apply(acl) mutates (returning false when it does not apply), whole(acl) replaces the ACL,
 * text(formatName, text) damages it below the data level, and code replaces the group's.
 */
function withOutcome(expect, code, mutations) {
  return Object.entries(mutations).map(([name, m]) => ({
    name,
    expect,
    code,
    ...(typeof m === "function" ? { apply: m } : m),
  }));
}

const MUTATIONS = [
  ...withOutcome("invalid", "unknown-version", {
    "version-missing": (a) => delete a.version,
    "version-v2": (a) => {
      a.version = "v2";
    },
    "version-number": (a) => {
      a.version = 1;
    },
  }),
  ...withOutcome("invalid", "invalid-value", {
    "subnets-object": (a) => {
      a.subnets = { lan: {} };
    },
    "peers-missing": (a) => delete a.peers,
    "groups-string": (a) => {
      a.groups = "servers";
    },
    // Keys the original reads lazily: missing, they fail the peers whose configuration reads
    // them (missing-key), not the ACL's shape.
    "connections-missing": { apply: (a) => delete a.connections, code: "missing-key" },
    "peer-name-number": (a) => {
      a.peers[0].name = 42;
    },
    "peer-name-empty": (a) => {
      a.peers[0].name = "";
    },
    "peer-subnets-list": (a) => {
      a.peers[0].subnets = ["lan"];
    },
    "listen-port-string": (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].listenPort = "51820";
    },
    "listen-port-70000": (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].listenPort = 70000;
    },
    "listen-port-missing": {
      apply: (a) => delete a.peers[0].subnets[firstSubnet(a.peers[0])].listenPort,
      code: "missing-key",
    },
    "ip-octet-300": (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].ipAddresses = ["10.0.0.300"];
    },
    "cidr-33": (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].ipAddresses = ["10.0.0.1/33"];
    },
    "ip-addresses-string": (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].ipAddresses = "10.0.0.1";
    },
    "public-key-garbage": (a) => {
      a.peers[0].publicKey = "not-a-key";
    },
    "public-key-43-chars": (a) => {
      a.peers[0].publicKey = ZERO_KEY.slice(1);
    },
    "endpoint-port-0": (a) => {
      a.subnets[0].endpoints = [{ port: 0 }];
    },
    "endpoint-ip-spaces": (a) => {
      a.peers[0].endpoints = [{ ip: "exa mple.org" }];
    },
    "endpoint-keepalive-negative": (a) => {
      a.subnets[0].endpoints = [{ port: 51820, persistentKeepalive: -1 }];
    },
    "filter-type-host": (a) => a.connections[0].a.push({ type: "host", rule: "is", value: "x" }),
    "filter-rule-isnt": (a) =>
      a.connections[0].b.push({ type: "peer", rule: "isnt", value: a.peers[0].name }),
    "filter-missing-value": {
      apply: (a) => a.connections[0].b.push({ type: "peer", rule: "is" }),
      code: "missing-key",
    },
  }),
  ...withOutcome("invalid", "unknown-reference", {
    "unknown-subnet-of-peer": (a) => {
      a.peers[0].subnets.nowhere = { listenPort: 51830 };
    },
    "unknown-peer-in-filter": (a) => {
      a.connections[0].a = [{ type: "peer", rule: "is", value: "ghost" }];
    },
    "unknown-group-of-peer": (a) => {
      a.peers[0].groups = ["ghosts"];
    },
    "unknown-subnet-of-connection": (a) => {
      a.connections[0].subnets = ["nowhere"];
    },
    "unknown-group-in-match": (a) =>
      (a.peers[0].endpoints = [
        { ip: "10.1.1.1", match: [{ type: "group", rule: "is", value: "ghosts" }] },
      ]),
  }),
  ...withOutcome("invalid", "duplicate-name", {
    "duplicate-peer-name": (a) =>
      a.peers.length >= 2 && renamePeer(a, a.peers[1].name, a.peers[0].name) !== false,
    "duplicate-subnet-name": (a) => a.subnets.push(clone(a.subnets[0])),
  }),
  ...withOutcome("invalid", "invalid-value", {
    "extra-args-list": (a) => {
      a.extraArgs = [1, 2];
    },
    "null-peer": {
      apply: (a) => {
        a.peers[0] = null;
      },
      noToml: true,
    },
    "acl-is-list": {
      whole: (a) => [a],
      noToml: true,
    },
  }),
  ...withOutcome("invalid", "syntax-error", {
    truncated: {
      apply: () => true,
      text: (format, text) =>
        format === "json"
          ? text.slice(0, Math.floor(text.length / 2))
          : format === "yaml"
            ? `${text}\n  - [unclosed: {`
            : `${text}\n[broken\n`,
    },
  }),
  // Valid, but broken: a lint or policy test must fail.
  ...withOutcome("error", "duplicate-address", {
    "same-address-twice": (a) => {
      const pair = twoMembers(a);
      if (!pair) return false;
      pair.x.subnets[pair.subnet].ipAddresses = ["10.99.0.1"];
      pair.y.subnets[pair.subnet].ipAddresses = ["10.99.0.1"];
    },
  }),
  ...withOutcome("error", "duplicate-listen-port", {
    "same-listen-port-two-subnets": (a) => {
      const p = a.peers[0];
      a.subnets.push({ name: "second", endpoints: [] });
      p.subnets.second = { listenPort: p.subnets[firstSubnet(p)].listenPort };
    },
  }),
  ...withOutcome("error", "devname-too-long", {
    "device-name-too-long": (a) => renameSubnet(a, a.subnets[0].name, "a-very-long-subnet-name"),
  }),
  ...withOutcome("error", "devname-clash", {
    "device-name-clash": (a) => {
      a.subnets.push({ name: "x.one", endpoints: [] }, { name: "x.two", endpoints: [] });
      Object.assign(a.peers[0].subnets, {
        "x.one": { listenPort: 40001 },
        "x.two": { listenPort: 40002 },
      });
    },
  }),
  ...withOutcome("error", "invalid-public-key", {
    "zero-public-key": (a) => {
      a.peers[0].publicKey = ZERO_KEY;
    },
  }),
  ...withOutcome("error", "duplicate-public-key", {
    "shared-public-key": (a) => {
      if (a.peers.length < 2 || a.peers[0].publicKey === undefined) return false;
      a.peers[1].publicKey = a.peers[0].publicKey;
    },
  }),
  // Names no output could carry safely are refused as values (intentional difference 9).
  ...withOutcome("invalid", "invalid-value", {
    "peer-name-with-slash": (a) => renamePeer(a, a.peers[0].name, "../etc/passwd"),
    "peer-name-with-newline": (a) => renamePeer(a, a.peers[0].name, "evil\n[Peer]"),
  }),
  ...withOutcome("error", "policy-failed", {
    "policy-reaches-island": (a) => {
      addIsland(a);
      a.tests = [{ from: a.peers[0].name, reaches: ["lonely"] }];
    },
  }),
  ...withOutcome("error", "unknown-reference", {
    "policy-unknown-peer": (a) => {
      a.tests = [{ from: a.peers[0].name, reaches: ["nobody-here"] }];
    },
  }),
  ...withOutcome("error", "invalid-test", {
    "policy-tests-object": (a) => {
      a.tests = { from: a.peers[0].name };
    },
  }),
  // Valid and only suspicious: warnings.
  ...withOutcome("warning", "empty-group", {
    "group-without-members": (a) => a.groups.push({ name: "nobody" }),
  }),
  ...withOutcome("warning", "empty-subnet", {
    "subnet-without-members": (a) => a.subnets.push({ name: "unused", endpoints: [] }),
  }),
  ...withOutcome("warning", "filter-selects-nobody", {
    "filter-selecting-nobody": (a) =>
      a.connections.push({
        a: [
          { type: "peer", rule: "is", value: a.peers[0].name },
          { type: "peer", rule: "not", value: a.peers[0].name },
        ],
        b: [],
      }),
  }),
  ...withOutcome("warning", "connection-links-nobody", {
    "connection-to-itself": (a) =>
      a.connections.push({
        a: [{ type: "peer", rule: "is", value: a.peers[0].name }],
        b: [{ type: "peer", rule: "is", value: a.peers[0].name }],
      }),
  }),
  ...withOutcome("warning", "isolated-peer", {
    "isolated-peer": addIsland,
  }),
  ...withOutcome("warning", "no-usable-endpoint", {
    "no-endpoints-at-all": (a) => {
      for (const owner of [...a.subnets, ...a.groups]) owner.endpoints = [];
      for (const p of a.peers) delete p.endpoints;
    },
  }),
  ...withOutcome("warning", "unknown-key", {
    "typo-in-key": (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].listenport = 1;
    },
  }),
  ...withOutcome("warning", "invalid-host-name", {
    "underscore-in-name": (a) => renamePeer(a, a.peers[0].name, "under_score"),
  }),
  ...withOutcome("warning", "address-outside-range", {
    "address-outside-declared-range": (a) => {
      const pair = twoMembers(a);
      if (!pair) return false;
      for (const p of a.peers) for (const m of Object.values(p.subnets)) delete m.ipAddresses;
      pair.x.subnets[pair.subnet].ipAddresses = ["10.7.0.1/24"];
      pair.y.subnets[pair.subnet].ipAddresses = ["10.8.0.2"];
    },
  }),
  // Refused before they can break a host (issue 22); appended, so earlier mutations keep
  // their bases.
  ...withOutcome("invalid", "duplicate-name", {
    // Equal except for case (intentional difference 11).
    "case-duplicate-peer-name": (a) =>
      a.peers.length >= 2 &&
      a.peers[0].name.toUpperCase() !== a.peers[0].name &&
      renamePeer(a, a.peers[1].name, a.peers[0].name.toUpperCase()) !== false,
  }),
  ...withOutcome("invalid", "ipv6-zone-id", {
    "zone-id-in-address": (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].ipAddresses = ["fe80::1%lo"];
    },
  }),
  ...withOutcome("invalid", "unknown-reference", {
    // A misspelt group in a rule: `not` would admit everyone, so it is an error, with or
    // without a top-level groups.
    "rule-group-typo": (a) => {
      a.rules = [
        { from: [{ type: "group", rule: "not", value: "ghosts" }], to: [], allow: ["tcp/22"] },
      ];
    },
  }),
];

const FORMATS = ["json", "yaml", "toml"];

function render(format, data) {
  if (format === "json") return `${JSON.stringify(data, null, 1)}\n`;
  if (format === "yaml") return toYaml(data);
  return toToml(data);
}

function main() {
  const all = bases();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const manifest = [];
  MUTATIONS.forEach((mutation, m) => {
    // Each mutation meets several bases, walking the list so every base is used.
    let made = 0;
    for (let k = 0; k < all.length && made < 2; k++) {
      const base = all[(m * 2 + k) % all.length];
      let acl = clone(base.acl);
      if (mutation.whole) acl = mutation.whole(acl);
      else if (mutation.apply(acl) === false) continue;
      made++;
      for (const format of FORMATS) {
        if (format === "toml" && mutation.noToml) continue;
        let text = render(format, acl);
        if (mutation.text) text = mutation.text(format, text);
        const file = `${mutation.name}--${base.name}.${format}`;
        writeFileSync(join(out, file), text);
        manifest.push({
          file,
          mutation: mutation.name,
          base: base.name,
          expect: mutation.expect,
          code: mutation.code,
        });
      }
    }
    if (made === 0) throw new Error(`mutation ${mutation.name} applies to no base`);
  });
  writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 1)}\n`);
  console.log(
    `${manifest.length} ACLs from ${MUTATIONS.length} mutations of ${all.length} bases in ${out}`,
  );
}

main();
