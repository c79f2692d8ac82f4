#!/usr/bin/env node
/**
 * Writes the dropped-key fixtures, test/fixtures/dropped-keys/<base>/<path>.json: each ACL of
 * the differential corpus (test/fixtures/differential) with one key removed, and what the
 * original Wirenix makes of it for every peer. The original is lazy (it reads a key only when a
 * peer's configuration needs it), so these fixtures are the record of what it accepts.
 *
 * Which keys: every key at every level (top level, subnets, groups, peers, peer subnets,
 * endpoints, connections, filters; extraArgs is dropped whole, never entered) of each of the
 * original's own ACLs (oracle-*); of the random ACLs, which are large, every key *kind* (the
 * path with list indices and subnet names generalised) is dropped at its first occurrence in the
 * first ACL that has it.
 *
 * The original runs through the oracle, $WIRENIX_SHARED/oracle/golden.sh (needs
 * nix-instantiate), with one configurer and devNameMethod per variant, in turn static/short,
 * networkd/long, networkd-dev-only/hash: the three configurers read the same keys of the ACL
 * and the method reads none, so one evaluation per variant finds what the original accepts
 * (each takes seconds), and the turns cover every configurer and method. A missing key is an evaluation error that Nix's
 * tryEval cannot catch, which makes golden.sh fail as a whole; each peer is then evaluated on
 * its own through the oracle's eval.nix, to learn which peers the original still configures.
 *
 *   WIRENIX_SHARED=../shared node scripts/dropped-keys.mjs [--jobs 2] [--force] [--list]
 * Existing fixtures are kept unless --force; --list prints the variants and runs nothing.
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const corpus = join(root, "test/fixtures/differential");
const out = join(root, "test/fixtures/dropped-keys");
const COMBOS = [
  ["static", "short"],
  ["networkd", "long"],
  ["networkd-dev-only", "hash"],
];
/** Random ACLs that each key kind is dropped from (the first ones having it). */
const RANDOM_PER_KIND = 1;

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const jobs = Number(option("--jobs", "2"));
const force = args.includes("--force");
const listOnly = args.includes("--list");

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every key path of `acl`, with its kind (indices and subnet-name keys generalised). */
function* keyPaths(value, path = [], kind = []) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* keyPaths(value[i], [...path, i], [...kind, "[]"]);
    return;
  }
  if (!isObject(value)) return;
  // peers[i].subnets is keyed by subnet name: its keys are one kind.
  const membershipMap = kind.length === 3 && kind[0] === "peers" && kind[2] === "subnets";
  for (const key of Object.keys(value)) {
    const k = [...kind, membershipMap ? "*" : key];
    yield { path: [...path, key], kind: k.join(".") };
    if (key !== "extraArgs") yield* keyPaths(value[key], [...path, key], k);
  }
}

function without(acl, path) {
  const copy = structuredClone(acl);
  let node = copy;
  for (const step of path.slice(0, -1)) node = node[step];
  delete node[path[path.length - 1]];
  return copy;
}

/** A file name for a path: `peers.1.subnets.lan%2Ehome.listenPort`. */
const slug = (path) =>
  path.map((s) => encodeURIComponent(String(s)).replace(/\./g, "%2E")).join(".");

function variants() {
  const bases = readdirSync(corpus)
    .filter((c) => existsSync(join(corpus, c, "acl.json")))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const list = [];
  const randomKinds = new Map();
  for (const base of bases) {
    const acl = JSON.parse(readFileSync(join(corpus, base, "acl.json"), "utf8"));
    const seen = new Set();
    for (const { path, kind } of keyPaths(acl)) {
      if (base.startsWith("oracle-")) {
        list.push({ base, acl, path });
        continue;
      }
      if (seen.has(kind)) continue;
      seen.add(kind);
      const taken = randomKinds.get(kind) ?? 0;
      if (taken >= RANDOM_PER_KIND) continue;
      randomKinds.set(kind, taken + 1);
      list.push({ base, acl, path });
    }
  }
  return list.map((v, turn) => ({ ...v, turn }));
}

function run(file, argv) {
  return new Promise((done) => {
    execFile(file, argv, { maxBuffer: 1 << 30 }, (error, stdout, stderr) =>
      done({ ok: !error, stdout, stderr }),
    );
  });
}

/** The first error line Nix printed, for the record (why the original refused). */
function nixError(stderr) {
  const line = stderr.split("\n").find((l) => /error:/.test(l));
  return line ? line.replace(/^.*?error:\s*/, "").trim() : "evaluation failed";
}

const PER_PEER = `{ eval, peer, ... }@args: (import eval (removeAttrs args [ "eval" "peer" ])).\${peer}`;

async function runOriginal(oracle, aclFile, acl, combos) {
  const golden = {};
  const reasons = {};
  for (const [configurer, method] of combos) {
    const combo = `${configurer}/${method}`;
    const whole = await run(join(oracle, "golden.sh"), [aclFile, configurer, method]);
    if (whole.ok) {
      golden[combo] = JSON.parse(whole.stdout)[combo];
      continue;
    }
    // An uncatchable error for some peer: ask for each peer alone.
    golden[combo] = {};
    for (const peer of acl.peers ?? []) {
      if (!isObject(peer) || typeof peer.name !== "string") continue;
      const one = await run("nix-instantiate", [
        "--eval",
        "--strict",
        "--json",
        "-E",
        PER_PEER,
        "--arg",
        "eval",
        join(oracle, "eval.nix"),
        "--argstr",
        "peer",
        peer.name,
        "--arg",
        "wirenix",
        join(oracle, "../reference/wirenix"),
        "--arg",
        "nixlib",
        join(oracle, "../reference/nixpkgs-lib"),
        "--arg",
        "aclJson",
        aclFile,
        "--argstr",
        "configurer",
        configurer,
        "--argstr",
        "devNameMethod",
        method,
      ]);
      if (one.ok) golden[combo][peer.name] = JSON.parse(one.stdout);
      else {
        golden[combo][peer.name] = { error: true };
        reasons[combo] ??= {};
        reasons[combo][peer.name] = nixError(one.stderr);
      }
    }
  }
  return { golden, reasons };
}

async function main() {
  const all = variants();
  if (listOnly) {
    for (const v of all) console.log(`${v.base} ${JSON.stringify(v.path)}`);
    console.log(`${all.length} variants`);
    return;
  }
  const shared = process.env.WIRENIX_SHARED;
  if (!shared) {
    console.error(
      "WIRENIX_SHARED is not set: point it at the directory holding oracle/golden.sh (the original Wirenix and its oracle), e.g. WIRENIX_SHARED=../shared",
    );
    process.exit(2);
  }
  const oracle = resolve(shared, "oracle");
  if (!existsSync(join(oracle, "golden.sh"))) {
    console.error(`no oracle at ${join(oracle, "golden.sh")} (WIRENIX_SHARED=${shared})`);
    process.exit(2);
  }
  const todo = all.filter((v) => force || !existsSync(join(out, v.base, `${slug(v.path)}.json`)));
  console.log(`${all.length} variants, ${todo.length} to run with ${jobs} jobs`);
  let next = 0;
  let finished = 0;
  const worker = async (id) => {
    while (next < todo.length) {
      const { base, acl, path, turn } = todo[next++];
      const variant = without(acl, path);
      const aclFile = join(tmpdir(), `wirenix-dropped-${process.pid}-${id}.json`);
      writeFileSync(aclFile, JSON.stringify(variant));
      const { golden, reasons } = await runOriginal(oracle, aclFile, variant, [
        COMBOS[turn % COMBOS.length],
      ]);
      const file = join(out, base, `${slug(path)}.json`);
      mkdirSync(dirname(file), { recursive: true });
      const record = { base, dropped: path, acl: variant, golden };
      if (Object.keys(reasons).length > 0) record.originalErrors = reasons;
      writeFileSync(`${file}.tmp`, `${JSON.stringify(record)}\n`);
      renameSync(`${file}.tmp`, file);
      finished++;
      console.log(`[${finished}/${todo.length}] ${base} ${JSON.stringify(path)}`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, (_, i) => worker(i)));
}

await main();
