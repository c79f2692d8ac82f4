/**
 * `npm run oracle`: the comparison with the original Wirenix itself, for maintainers and CI.
 * The tests compare with the original's output committed under test/fixtures (golden.json
 * beside each acl.json in differential/ and original/), so they run without it; this runs
 * the original on every one of those ACLs, for every configurer and device naming method,
 * and fails on any difference from what is committed. It also checks that each committed ACL
 * is what its source makes: the oracle's own ACLs (differential/oracle-<name>) and the ACLs
 * made by code (test/support/oracle-cases.ts). `--write` writes the ACLs and the original's
 * output instead of comparing; to add random cases, put `node scripts/random-acl.mjs SEED`
 * in test/fixtures/differential/random-SEED/acl.json and write.
 *
 * The original comes from the directory WIRENIX_SHARED names: oracle/eval.nix and
 * oracle/acls/ (its ACLs), reference/wirenix (its source) and reference/nixpkgs-lib.
 *
 *   WIRENIX_SHARED=DIR npm run oracle [-- --write]
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { codeMadeAcls } from "../test/support/oracle-cases.js";
import type { Golden, OriginalOutput } from "../test/support/original.js";
import { fixtures, repoRoot } from "../test/support/paths.js";

const CONFIGURERS = ["static", "networkd", "networkd-dev-only"];
const METHODS = ["short", "long", "hash"];
const COMBOS = CONFIGURERS.flatMap((c) => METHODS.map((m) => `${c}/${m}`));
/** The fixture folders (under test/fixtures) whose cases hold the original's output. */
const FOLDERS = ["differential", "original"];

interface Paths {
  evalNix: string;
  wirenix: string;
  nixlib: string;
  acls: string;
}

/** One ACL whose output from the original is committed: `dir` is relative to test/fixtures. */
interface Case {
  dir: string;
  /** What makes the ACL, when not the committed file itself. */
  source?: { what: string; acl: unknown };
}

interface Job {
  aclJson: string;
  configurer: string;
  devNameMethod: string;
}

/** The original's output for one job, or the message with which its whole evaluation failed. */
type Outcome = OriginalOutput | string;

class Usage extends Error {}

const folderOf = (c: Case) => c.dir.slice(0, c.dir.indexOf("/"));

function locate(): Paths {
  const shared = process.env.WIRENIX_SHARED;
  if (!shared)
    throw new Usage(
      "WIRENIX_SHARED is not set. It names the directory that holds the original Wirenix " +
        "(reference/wirenix, reference/nixpkgs-lib) and its oracle (oracle/eval.nix, " +
        "oracle/acls/), e.g. WIRENIX_SHARED=../shared npm run oracle",
    );
  const root = resolve(process.env.INIT_CWD ?? process.cwd(), shared);
  const paths = {
    evalNix: join(root, "oracle", "eval.nix"),
    wirenix: join(root, "reference", "wirenix"),
    nixlib: join(root, "reference", "nixpkgs-lib"),
    acls: join(root, "oracle", "acls"),
  };
  for (const path of Object.values(paths))
    if (!existsSync(path)) throw new Usage(`WIRENIX_SHARED=${shared}: ${path} does not exist`);
  return paths;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, "utf8"));
const writeJson = (file: string, value: unknown) =>
  writeFileSync(file, `${JSON.stringify(value, null, 1)}\n`);

/** Every case: the committed ones, and those the oracle or the code makes. */
function cases(paths: Paths): Case[] {
  const byDir = new Map<string, Case>();
  for (const folder of FOLDERS) {
    const path = join(fixtures, folder);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path))
      byDir.set(`${folder}/${name}`, { dir: `${folder}/${name}` });
  }
  for (const file of readdirSync(paths.acls).filter((f) => f.endsWith(".json"))) {
    const dir = `differential/oracle-${file.slice(0, -".json".length)}`;
    byDir.set(dir, {
      dir,
      source: { what: join(paths.acls, file), acl: readJson(join(paths.acls, file)) },
    });
  }
  for (const [dir, acl] of codeMadeAcls())
    byDir.set(dir, { dir, source: { what: "test/support/oracle-cases.ts", acl } });
  return [...byDir.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Why a case's committed ACL cannot be trusted, if it cannot. */
function aclProblem(c: Case): string | undefined {
  const file = join(fixtures, c.dir, "acl.json");
  if (c.dir.startsWith("original/") && !c.source)
    return `${c.dir}: no ACL of test/support/oracle-cases.ts is kept here; remove the folder`;
  if (c.dir.startsWith("differential/oracle-") && !c.source)
    return `${c.dir}: the oracle has no such ACL; remove the folder`;
  if (!existsSync(file)) return `${c.dir}/acl.json is missing`;
  if (c.source && !isDeepStrictEqual(readJson(file), JSON.parse(JSON.stringify(c.source.acl))))
    return `${c.dir}/acl.json is not the ACL ${c.source.what} makes`;
  return undefined;
}

/** At most `limit` of the returned functions' bodies run at a time. */
function limiter(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(body: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await body();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Runs the original on `jobs` in one nix-instantiate: their outcomes, or why it failed. */
function evaluateAll(
  paths: Paths,
  jobs: Job[],
  scratch: string,
): Promise<{ ok: true; outcomes: Outcome[] } | { ok: false; error: string | undefined }> {
  const jobsJson = join(scratch, `jobs-${jobs.length}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(jobsJson, JSON.stringify(jobs));
  const args = ["--eval", "--strict", "--json", join(repoRoot, "scripts", "oracle.nix")];
  args.push("--arg", "evalNix", paths.evalNix, "--arg", "wirenix", paths.wirenix);
  args.push("--arg", "nixlib", paths.nixlib, "--argstr", "jobsJson", jobsJson);
  return new Promise((done, fail) => {
    const child = spawn("nix-instantiate", args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let error: string | undefined;
    let tail = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    // The original traces many warnings; only the error line matters.
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      const lines = (tail + text).split("\n");
      tail = lines.pop() ?? "";
      error ??= lines.find((line) => line.startsWith("error:"));
    });
    child.on("error", fail);
    child.on("close", (code) => {
      rmSync(jobsJson, { force: true });
      if (tail.startsWith("error:")) error ??= tail;
      if (code === 0)
        done({ ok: true, outcomes: JSON.parse(Buffer.concat(stdout).toString("utf8")) });
      else done({ ok: false, error });
    });
  });
}

/**
 * The outcome of every job. One evaluation runs many jobs, but a failure of the original's
 * whole evaluation (which Nix cannot catch) stops it: such a batch is split until the jobs
 * that fail are alone. `groups` keeps jobs that may fail (the intentional differences) in
 * batches of their own.
 */
async function evaluate(paths: Paths, groups: Job[][], scratch: string): Promise<Outcome[]> {
  const parallel = availableParallelism();
  const limit = limiter(parallel);
  const run = async (batch: Job[]): Promise<Outcome[]> => {
    const result = await limit(() => evaluateAll(paths, batch, scratch));
    if (result.ok) return result.outcomes;
    if (batch.length === 1) {
      // Only an evaluation error is the original's answer; anything else stops the run.
      if (result.error === undefined)
        throw new Error(`nix-instantiate stopped without an error message on ${batch[0]?.aclJson}`);
      return [result.error];
    }
    const half = Math.ceil(batch.length / 2);
    const [first, second] = await Promise.all([run(batch.slice(0, half)), run(batch.slice(half))]);
    return [...first, ...second];
  };
  const batches: Job[][] = [];
  for (const jobs of groups) {
    const size = Math.ceil(jobs.length / (2 * parallel));
    for (let i = 0; i < jobs.length; i += size) batches.push(jobs.slice(i, i + size));
  }
  return (await Promise.all(batches.map(run))).flat();
}

/** Where two JSON values first differ, as a path, or undefined when they are equal. */
function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null)
    if (Array.isArray(a) === Array.isArray(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of keys) {
        const at = Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`;
        const found = firstDifference(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
          at,
        );
        if (found) return found;
      }
    }
  const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v).slice(0, 120));
  return `${path || "(whole)"}: committed ${show(a)}, the original ${show(b)}`;
}

/** The differences between a committed golden and the original's output, one line each. */
function differences(committed: Golden | undefined, made: Golden): string[] {
  if (committed === undefined) return ["golden.json is missing"];
  const lines: string[] = [];
  for (const combo of new Set([...Object.keys(committed), ...Object.keys(made)])) {
    const [a, b] = [committed[combo], made[combo]];
    if (typeof a !== "object" || typeof b !== "object") {
      const found = firstDifference(a, b);
      if (found) lines.push(`${combo} ${found}`);
      continue;
    }
    for (const peer of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[peer], b[peer]);
      if (found) lines.push(`${combo} peer ${peer} ${found}`);
    }
  }
  return lines;
}

async function main(args: string[]): Promise<number> {
  const write = args.includes("--write");
  const unknown = args.filter((a) => a !== "--write");
  if (unknown.length > 0)
    throw new Usage(`unknown argument ${unknown[0]}; usage: npm run oracle [-- --write]`);
  const paths = locate();
  const started = Date.now();
  const all = cases(paths);
  const problems: string[] = [];
  const evaluated: Case[] = [];
  for (const c of all) {
    const problem = aclProblem(c);
    if (problem && write && c.source) {
      mkdirSync(join(fixtures, c.dir), { recursive: true });
      writeJson(join(fixtures, c.dir, "acl.json"), c.source.acl);
      console.log(`wrote ${c.dir}/acl.json`);
    } else if (problem) problems.push(problem);
    if (existsSync(join(fixtures, c.dir, "acl.json"))) evaluated.push(c);
  }
  evaluated.sort((a, b) => FOLDERS.indexOf(folderOf(a)) - FOLDERS.indexOf(folderOf(b)));
  const jobsOf = (folder: string) =>
    evaluated
      .filter((c) => folderOf(c) === folder)
      .flatMap((c) =>
        COMBOS.map((combo) => {
          const [configurer = "", devNameMethod = ""] = combo.split("/");
          return { aclJson: join(fixtures, c.dir, "acl.json"), configurer, devNameMethod };
        }),
      );
  const groups = FOLDERS.map(jobsOf);
  const jobs = groups.flat();
  const scratch = mkdtempSync(join(tmpdir(), "wirenix-oracle-"));
  let outcomes: Outcome[];
  try {
    outcomes = await evaluate(paths, groups, scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  let written = 0;
  evaluated.forEach((c, i) => {
    const made: Golden = {};
    COMBOS.forEach((combo, j) => {
      made[combo] = outcomes[i * COMBOS.length + j] as Outcome;
    });
    const file = join(fixtures, c.dir, "golden.json");
    const committed = existsSync(file) ? (readJson(file) as Golden) : undefined;
    const found = differences(committed, made);
    if (found.length === 0) return;
    if (write) {
      writeJson(file, made);
      written++;
      console.log(`wrote ${c.dir}/golden.json`);
    } else {
      problems.push(...found.slice(0, 5).map((line) => `${c.dir}: ${line}`));
      if (found.length > 5) problems.push(`${c.dir}: … and ${found.length - 5} more`);
    }
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const counts = FOLDERS.map(
    (f) => `${evaluated.filter((c) => folderOf(c) === f).length} in ${f}/`,
  );
  const ran = `the original on ${evaluated.length} ACLs (${counts.join(", ")}), ${jobs.length} evaluations, ${seconds} s`;
  for (const problem of problems) console.error(`oracle: ${problem}`);
  if (problems.length > 0) {
    console.error(
      `oracle: ${ran}: ${problems.length} differences from test/fixtures. If the original is right, ` +
        "take its output with: WIRENIX_SHARED=DIR npm run oracle -- --write",
    );
    return 1;
  }
  console.log(
    write
      ? `oracle: ${ran}: wrote ${written} golden.json files`
      : `oracle: ${ran}: every committed output is the original's`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`npm run oracle: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = error instanceof Usage ? 2 : 1;
  },
);
