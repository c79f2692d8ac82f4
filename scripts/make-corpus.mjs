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

// Each: name, expect, code, apply(acl) (mutates; returns false when it does not apply),
// and optionally text(formatName, text) for damage below the data level.
const MUTATIONS = [
  {
    name: "version-missing",
    expect: "invalid",
    code: "unknown-version",
    apply: (a) => delete a.version,
  },
  {
    name: "version-v2",
    expect: "invalid",
    code: "unknown-version",
    apply: (a) => {
      a.version = "v2";
    },
  },
  {
    name: "version-number",
    expect: "invalid",
    code: "unknown-version",
    apply: (a) => {
      a.version = 1;
    },
  },
  {
    name: "subnets-object",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.subnets = { lan: {} };
    },
  },
  { name: "peers-missing", expect: "invalid", code: "invalid-value", apply: (a) => delete a.peers },
  {
    name: "groups-string",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.groups = "servers";
    },
  },
  {
    name: "connections-missing",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => delete a.connections,
  },
  {
    name: "peer-name-number",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].name = 42;
    },
  },
  {
    name: "peer-name-empty",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].name = "";
    },
  },
  {
    name: "peer-subnets-list",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].subnets = ["lan"];
    },
  },
  {
    name: "listen-port-string",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].listenPort = "51820";
    },
  },
  {
    name: "listen-port-70000",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].listenPort = 70000;
    },
  },
  {
    name: "listen-port-missing",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => delete a.peers[0].subnets[firstSubnet(a.peers[0])].listenPort,
  },
  {
    name: "ip-octet-300",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].ipAddresses = ["10.0.0.300"];
    },
  },
  {
    name: "cidr-33",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].ipAddresses = ["10.0.0.1/33"];
    },
  },
  {
    name: "ip-addresses-string",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].ipAddresses = "10.0.0.1";
    },
  },
  {
    name: "public-key-garbage",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].publicKey = "not-a-key";
    },
  },
  {
    name: "public-key-43-chars",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].publicKey = ZERO_KEY.slice(1);
    },
  },
  {
    name: "endpoint-port-0",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.subnets[0].endpoints = [{ port: 0 }];
    },
  },
  {
    name: "endpoint-ip-spaces",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0].endpoints = [{ ip: "exa mple.org" }];
    },
  },
  {
    name: "endpoint-keepalive-negative",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.subnets[0].endpoints = [{ port: 51820, persistentKeepalive: -1 }];
    },
  },
  {
    name: "filter-type-host",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => a.connections[0].a.push({ type: "host", rule: "is", value: "x" }),
  },
  {
    name: "filter-rule-isnt",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => a.connections[0].b.push({ type: "peer", rule: "isnt", value: a.peers[0].name }),
  },
  {
    name: "filter-missing-value",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => a.connections[0].b.push({ type: "peer", rule: "is" }),
  },
  {
    name: "unknown-subnet-of-peer",
    expect: "invalid",
    code: "unknown-reference",
    apply: (a) => {
      a.peers[0].subnets.nowhere = { listenPort: 51830 };
    },
  },
  {
    name: "unknown-peer-in-filter",
    expect: "invalid",
    code: "unknown-reference",
    apply: (a) => {
      a.connections[0].a = [{ type: "peer", rule: "is", value: "ghost" }];
    },
  },
  {
    name: "unknown-group-of-peer",
    expect: "invalid",
    code: "unknown-reference",
    apply: (a) => {
      a.peers[0].groups = ["ghosts"];
    },
  },
  {
    name: "unknown-subnet-of-connection",
    expect: "invalid",
    code: "unknown-reference",
    apply: (a) => {
      a.connections[0].subnets = ["nowhere"];
    },
  },
  {
    name: "unknown-group-in-match",
    expect: "invalid",
    code: "unknown-reference",
    apply: (a) =>
      (a.peers[0].endpoints = [
        { ip: "10.1.1.1", match: [{ type: "group", rule: "is", value: "ghosts" }] },
      ]),
  },
  {
    name: "duplicate-peer-name",
    expect: "invalid",
    code: "duplicate-name",
    apply: (a) => a.peers.length >= 2 && renamePeer(a, a.peers[1].name, a.peers[0].name) !== false,
  },
  {
    name: "duplicate-subnet-name",
    expect: "invalid",
    code: "duplicate-name",
    apply: (a) => a.subnets.push(clone(a.subnets[0])),
  },
  {
    name: "extra-args-list",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.extraArgs = [1, 2];
    },
  },
  {
    name: "null-peer",
    expect: "invalid",
    code: "invalid-value",
    apply: (a) => {
      a.peers[0] = null;
    },
    noToml: true,
  },
  {
    name: "acl-is-list",
    expect: "invalid",
    code: "invalid-value",
    whole: (a) => [a],
    noToml: true,
  },
  {
    name: "truncated",
    expect: "invalid",
    code: "syntax-error",
    apply: () => true,
    text: (format, text) =>
      format === "json"
        ? text.slice(0, Math.floor(text.length / 2))
        : format === "yaml"
          ? `${text}\n  - [unclosed: {`
          : `${text}\n[broken\n`,
  },
  // Valid, but broken: a lint or policy test must fail.
  {
    name: "same-address-twice",
    expect: "error",
    code: "duplicate-address",
    apply: (a) => {
      const pair = twoMembers(a);
      if (!pair) return false;
      pair.x.subnets[pair.subnet].ipAddresses = ["10.99.0.1"];
      pair.y.subnets[pair.subnet].ipAddresses = ["10.99.0.1"];
    },
  },
  {
    name: "same-listen-port-two-subnets",
    expect: "error",
    code: "duplicate-listen-port",
    apply: (a) => {
      const p = a.peers[0];
      a.subnets.push({ name: "second", endpoints: [] });
      p.subnets.second = { listenPort: p.subnets[firstSubnet(p)].listenPort };
    },
  },
  {
    name: "device-name-too-long",
    expect: "error",
    code: "devname-too-long",
    apply: (a) => renameSubnet(a, a.subnets[0].name, "a-very-long-subnet-name"),
  },
  {
    name: "device-name-clash",
    expect: "error",
    code: "devname-clash",
    apply: (a) => {
      a.subnets.push({ name: "x.one", endpoints: [] }, { name: "x.two", endpoints: [] });
      Object.assign(a.peers[0].subnets, {
        "x.one": { listenPort: 40001 },
        "x.two": { listenPort: 40002 },
      });
    },
  },
  {
    name: "zero-public-key",
    expect: "error",
    code: "invalid-public-key",
    apply: (a) => {
      a.peers[0].publicKey = ZERO_KEY;
    },
  },
  {
    name: "shared-public-key",
    expect: "error",
    code: "duplicate-public-key",
    apply: (a) => {
      if (a.peers.length < 2 || a.peers[0].publicKey === undefined) return false;
      a.peers[1].publicKey = a.peers[0].publicKey;
    },
  },
  {
    name: "peer-name-with-slash",
    expect: "error",
    code: "unsafe-file-name",
    apply: (a) => renamePeer(a, a.peers[0].name, "../etc/passwd"),
  },
  {
    name: "peer-name-with-newline",
    expect: "error",
    code: "unsafe-ini-value",
    apply: (a) => renamePeer(a, a.peers[0].name, "evil\n[Peer]"),
  },
  {
    name: "policy-reaches-island",
    expect: "error",
    code: "policy-failed",
    apply: (a) => {
      addIsland(a);
      a.tests = [{ from: a.peers[0].name, reaches: ["lonely"] }];
    },
  },
  {
    name: "policy-unknown-peer",
    expect: "error",
    code: "unknown-reference",
    apply: (a) => {
      a.tests = [{ from: a.peers[0].name, reaches: ["nobody-here"] }];
    },
  },
  {
    name: "policy-tests-object",
    expect: "error",
    code: "invalid-test",
    apply: (a) => {
      a.tests = { from: a.peers[0].name };
    },
  },
  // Valid and only suspicious: warnings.
  {
    name: "group-without-members",
    expect: "warning",
    code: "empty-group",
    apply: (a) => a.groups.push({ name: "nobody" }),
  },
  {
    name: "subnet-without-members",
    expect: "warning",
    code: "empty-subnet",
    apply: (a) => a.subnets.push({ name: "unused", endpoints: [] }),
  },
  {
    name: "filter-selecting-nobody",
    expect: "warning",
    code: "filter-selects-nobody",
    apply: (a) =>
      a.connections.push({
        a: [
          { type: "peer", rule: "is", value: a.peers[0].name },
          { type: "peer", rule: "not", value: a.peers[0].name },
        ],
        b: [],
      }),
  },
  {
    name: "connection-to-itself",
    expect: "warning",
    code: "connection-links-nobody",
    apply: (a) =>
      a.connections.push({
        a: [{ type: "peer", rule: "is", value: a.peers[0].name }],
        b: [{ type: "peer", rule: "is", value: a.peers[0].name }],
      }),
  },
  { name: "isolated-peer", expect: "warning", code: "isolated-peer", apply: addIsland },
  {
    name: "no-endpoints-at-all",
    expect: "warning",
    code: "no-usable-endpoint",
    apply: (a) => {
      for (const owner of [...a.subnets, ...a.groups]) owner.endpoints = [];
      for (const p of a.peers) delete p.endpoints;
    },
  },
  {
    name: "typo-in-key",
    expect: "warning",
    code: "unknown-key",
    apply: (a) => {
      a.peers[0].subnets[firstSubnet(a.peers[0])].listenport = 1;
    },
  },
  {
    name: "underscore-in-name",
    expect: "warning",
    code: "invalid-host-name",
    apply: (a) => renamePeer(a, a.peers[0].name, "under_score"),
  },
  {
    name: "address-outside-declared-range",
    expect: "warning",
    code: "address-outside-range",
    apply: (a) => {
      const pair = twoMembers(a);
      if (!pair) return false;
      for (const p of a.peers) for (const m of Object.values(p.subnets)) delete m.ipAddresses;
      pair.x.subnets[pair.subnet].ipAddresses = ["10.7.0.1/24"];
      pair.y.subnets[pair.subnet].ipAddresses = ["10.8.0.2"];
    },
  },
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
